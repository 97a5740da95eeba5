"""Storage administration on the sandbox's Nepenthes side: the host checks the real server makes
against Nextcloud, and what a deletion takes with it (notes/admin-setup.md §3)."""

from __future__ import annotations

import socket

import httpx
import pytest
from support.admin import api, connect_in_browser, enable_in_project, nextcloud_admin, setup_args
from support.cli import as_user, nep

NEXTCLOUD = {"href": "urn:openproject-org:api:v3:storages:Nextcloud"}


@pytest.fixture
def bare(tmp_path):
    from nep_tui.sandbox.server import start_in_thread

    running = start_in_thread(tmp_path / "bare", seed="bare")
    yield running
    running.stop()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def create(sandbox, host: str, name: str = "Cloud") -> httpx.Response:
    body = {"name": name, "_links": {"origin": {"href": host}, "type": NEXTCLOUD}}
    return api(sandbox, "admin").post("/api/v3/storages", json=body)


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("not a url", "Host is not a valid URL."),
        (
            "http://cloud.example.com",
            'Host is not providing a "Secure Context". Either use HTTPS or a loopback address,'
            " such as localhost.",
        ),
        (
            "CLOSED_PORT",
            "Host could not be reached. Please ensure the host is reachable and the OpenProject"
            " integration app is installed.",
        ),
    ],
)
def test_the_host_is_checked(bare, host, message):
    if host == "CLOSED_PORT":  # picked here: xdist workers must collect the same parameters
        host = f"http://127.0.0.1:{closed_port()}"
    answer = create(bare, host)
    assert answer.status_code == 422
    assert answer.json()["message"] == message
    assert answer.json()["_embedded"]["details"]["attribute"] == "host"


def test_the_host_keeps_one_trailing_slash_and_the_app_must_answer(bare):
    created = create(bare, bare.nextcloud_url + "//")
    assert created.status_code == 201
    assert created.json()["_links"]["origin"]["href"] == bare.nextcloud_url + "/"
    assert created.json()["configured"] is False
    assert created.json()["_links"]["oauthClientCredentials"] == {"href": None}
    bare.set_faults(nextcloud_integration_app="missing")
    moved = api(bare, "admin").patch(
        f"/api/v3/storages/{created.json()['id']}",
        json={"_links": {"origin": {"href": bare.nextcloud_url.replace("127.0.0.1", "localhost")}}},
    )
    assert moved.status_code == 422
    assert moved.json()["message"].startswith(
        'Host appears to not have the app "OpenProject integration" installed.'
    )


def test_only_admins_administer_storages(bare):
    body = {"name": "X", "_links": {"origin": {"href": bare.nextcloud_url}, "type": NEXTCLOUD}}
    answer = api(bare, "member").post("/api/v3/storages", json=body)
    assert answer.status_code == 403
    assert answer.json()["errorIdentifier"].endswith(":MissingPermission")


def test_delete_removes_the_managed_project_folders(bare):
    _, password = nextcloud_admin(bare)
    run = nep(
        *as_user(bare, "admin"), *setup_args(bare, "--managed-folders"), input=password + "\n"
    )
    assert run.exit_code == 0, run.stderr
    enable_in_project(bare, 1, 1, "automatic")
    connect_in_browser(bare, "admin", 1)  # the folder's ACL then lets the admin see it
    folder = f"{bare.nextcloud_url}/remote.php/dav/files/admin/OpenProject/Nepenthes%20Demo%20(1)"
    auth = nextcloud_admin(bare)
    assert httpx.request("PROPFIND", folder, auth=auth, headers={"Depth": "0"}).status_code == 207
    assert api(bare, "admin").delete("/api/v3/storages/1").status_code == 204
    assert httpx.request("PROPFIND", folder, auth=auth, headers={"Depth": "0"}).status_code == 404
    assert api(bare, "admin").get("/api/v3/project_storages").json()["total"] == 0


def test_the_web_page_replaces_the_openproject_oauth_application(bare):
    created = create(bare, bare.nextcloud_url).json()
    old_id = created["_embedded"]["oauthApplication"]["clientId"]
    page = httpx.get(f"{bare.nepenthes_url}/admin/settings/storages/{created['id']}/edit")
    assert "Replace OpenProject OAuth values" in page.text
    admin = bare.user("admin")
    replaced = httpx.post(
        f"{bare.nepenthes_url}/admin/settings/storages/{created['id']}/replace_oauth_application",
        data={"_method": "delete", "login": admin.login, "password": admin.password},
    )
    assert replaced.status_code == 200
    assert "the secret is not shown again" in replaced.text
    storage = api(bare, "admin").get(f"/api/v3/storages/{created['id']}").json()
    application = api(bare, "admin").get(storage["_links"]["oauthApplication"]["href"]).json()
    assert application["clientId"] != old_id
    assert application["clientId"] in replaced.text
