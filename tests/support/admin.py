"""Helpers for the administration tests: a bare sandbox's admins, the consent dance of a user
in a browser, the sandbox's stored secrets (to prove they never reach any output)."""

from __future__ import annotations

import re
import sqlite3
from urllib.parse import urljoin

import httpx

from support.cli import Run, as_user, nep


def nextcloud_admin(sandbox) -> tuple[str, str]:
    admin = sandbox.credentials["nextcloud_admin"]
    return admin["login"], admin["password"]


def admin_nep(sandbox, *args: str, input: str | None = None, env_password: bool = True) -> Run:
    """`nep-tui` as the Nepenthes admin, the Nextcloud admin password on stdin."""
    _, password = nextcloud_admin(sandbox)
    return nep(*as_user(sandbox, "admin"), *args, input=password + "\n" if input is None else input)


def setup_args(sandbox, *extra: str) -> list[str]:
    login, _ = nextcloud_admin(sandbox)
    return [
        "admin",
        "setup-nextcloud",
        sandbox.nextcloud_url,
        "--name",
        "Nextcloud",
        "--nextcloud-admin",
        login,
        *extra,
    ]


def api(sandbox, login: str) -> httpx.Client:
    token = sandbox.user(login).api_token
    return httpx.Client(
        base_url=sandbox.nepenthes_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def nextcloud(sandbox) -> httpx.Client:
    return httpx.Client(base_url=sandbox.nextcloud_url, auth=nextcloud_admin(sandbox), timeout=30)


def connect_in_browser(sandbox, login: str, storage_id: int) -> httpx.Response:
    """Open the storage's `_links.authorize`, log in and grant on Nextcloud's page."""
    authorize = (
        api(sandbox, login)
        .get(f"/api/v3/storages/{storage_id}")
        .json()["_links"]["authorize"]["href"]
    )
    browser = httpx.Client(timeout=30, follow_redirects=True)
    page = browser.get(authorize)
    form_action = re.search(r'<form[^>]*action="([^"]*)"', page.text)
    assert form_action, page.text
    action = urljoin(str(page.url), form_action.group(1).replace("&amp;", "&"))
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page.text))
    user = sandbox.user(login)
    fields.update({"login": user.login, "password": user.password})
    return browser.post(action, data=fields)


def enable_in_project(sandbox, storage_id: int, project_id: int, mode: str) -> httpx.Response:
    """The [WEB] page that enables a storage in a project with a project folder mode."""
    admin = sandbox.user("admin")
    return httpx.post(
        f"{sandbox.nepenthes_url}/admin/settings/storages/{storage_id}/project_storages",
        data={
            "storages_project_storage[project_ids][]": str(project_id),
            "storages_project_storage[project_folder_mode]": mode,
            "login": admin.login,
            "password": admin.password,
        },
        timeout=30,
    )


def stored_secrets(sandbox) -> list[str]:
    """Every secret the two servers hold for the integration."""
    found = [nextcloud_admin(sandbox)[1]]
    with sqlite3.connect(sandbox.data_dir / "nepenthes.sqlite3") as db:
        found += [row[0] for row in db.execute("SELECT oauth_client_secret FROM storages")]
        found += [
            row[0]
            for row in db.execute("SELECT application_password FROM storage_settings")
            if row[0]
        ]
    with sqlite3.connect(sandbox.data_dir / "nextcloud.sqlite3") as db:
        found += [row[0] for row in db.execute("SELECT client_secret FROM oauth_clients")]
        found += [row[0] for row in db.execute("SELECT password FROM app_passwords")]
        found += [
            row[0]
            for row in db.execute(
                "SELECT value FROM app_config WHERE key = 'openproject_client_secret'"
            )
            if row[0]
        ]
    return [secret for secret in found if secret]


def storages(sandbox) -> list[dict]:
    return api(sandbox, "admin").get("/api/v3/storages").json()["_embedded"]["elements"]


def servers_state(sandbox) -> dict:
    """What both servers say about the integration, through their APIs."""
    client = nextcloud(sandbox)
    base = "/index.php/apps/integration_openproject"
    return {
        "storages": [(s["id"], s["name"]) for s in storages(sandbox)],
        "admin_config": client.get(f"{base}/check-admin-config").json(),
        "project_folders": client.get(f"{base}/project-folder-status").json(),
        "openproject_user": client.get(
            "/ocs/v2.php/cloud/users/OpenProject",
            headers={"OCS-APIRequest": "true", "Accept": "application/json"},
        ).status_code,
    }
