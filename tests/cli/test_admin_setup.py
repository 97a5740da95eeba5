"""`nep-tui admin ...` on the bare seed: one command sets the integration up on both servers,
after which a member connects, sees files, uploads and links; replacing the Nextcloud OAuth
values disconnects everyone; deleting asks first and takes the file links with it."""

from __future__ import annotations

import httpx
import pytest
from support.admin import (
    admin_nep,
    api,
    connect_in_browser,
    enable_in_project,
    nextcloud_admin,
    setup_args,
    storages,
    stored_secrets,
)
from support.cli import as_user, nep, nep_json

URN = "urn:openproject-org:api:v3:storages:authorization:"
RESEARCH_LAB = 5


@pytest.fixture
def bare(tmp_path):
    from nep_tui.sandbox.server import start_in_thread

    running = start_in_thread(tmp_path / "bare", seed="bare")
    yield running
    running.stop()


def authorization(sandbox, login: str, storage_id: int) -> str:
    storage = api(sandbox, login).get(f"/api/v3/storages/{storage_id}").json()
    return storage["_links"]["authorizationState"]["href"].removeprefix(URN)


def set_up(sandbox, *extra: str) -> dict:
    run = admin_nep(sandbox, "--json", *setup_args(sandbox, *extra))
    assert run.exit_code == 0, run.stderr
    return run.json


def test_bare_seed_has_no_storage_and_a_nextcloud_admin(bare):
    assert bare.credentials["nextcloud_admin"] == {"login": "admin", "password": "admin-password"}
    assert nep_json(bare, "storage", "list", login="member") == []


def test_one_command_sets_up_a_working_integration(bare, tmp_path):
    report = set_up(bare, "--managed-folders")
    storage = report["storage"]
    assert storage["configured"] is True
    assert storage["has_application_password"] is True
    storage_id = storage["id"]
    assert report["enable_in_projects_url"].endswith(
        f"/admin/settings/storages/{storage_id}/project_storages"
    )

    # Projects enabled in automatic mode get their folder (the managed folders job).
    assert enable_in_project(bare, storage_id, 1, "automatic").status_code == 200
    rows = api(bare, "admin").get("/api/v3/project_storages").json()["_embedded"]["elements"]
    assert [row["projectFolderMode"] for row in rows] == ["automatic"]
    assert "projectFolder" in rows[0]["_links"]

    # A member connects to Nextcloud, sees the project folder, uploads and links.
    assert authorization(bare, "member", storage_id) == "NotConnected"
    assert "Connected" in connect_in_browser(bare, "member", storage_id).text
    assert authorization(bare, "member", storage_id) == "Connected"
    listing = nep_json(bare, "storage", "ls", str(storage_id), "/OpenProject")
    assert [entry["name"] for entry in listing["files"]] == ["Nepenthes Demo (1)"]
    wp_id = nep_json(bare, "wp", "list", "--project", "demo")[0]["id"]
    local = tmp_path / "minutes.txt"
    local.write_text("kickoff minutes\n")
    upload = nep(
        *as_user(bare, "member"),
        "files",
        "upload",
        str(wp_id),
        str(local),
        "--folder",
        "/OpenProject/Nepenthes Demo (1)",
    )
    assert upload.exit_code == 0, upload.stderr
    links = nep_json(bare, "files", "list", str(wp_id))
    assert "minutes.txt" in [link["name"] for link in links]


def test_setup_prints_no_secret(bare):
    run = admin_nep(bare, *setup_args(bare, "--managed-folders"))
    assert run.exit_code == 0, run.stderr
    json_run = admin_nep(bare, "--json", "admin", "show", "1")
    secrets = stored_secrets(bare)
    assert len(secrets) >= 5
    for output in (run.stdout, run.stderr, json_run.stdout, json_run.stderr):
        for secret in secrets:
            assert secret not in output


def test_password_from_the_environment(bare, monkeypatch):
    monkeypatch.setenv("NEP_TUI_NEXTCLOUD_ADMIN_PASSWORD", nextcloud_admin(bare)[1])
    run = nep(*as_user(bare, "admin"), "--json", *setup_args(bare))
    assert run.exit_code == 0, run.stderr
    assert run.json["storage"]["has_application_password"] is False


def test_replacing_the_nextcloud_oauth_values_disconnects_everyone(bare, monkeypatch):
    report = set_up(bare, "--show-secret")
    op_secret = report["openproject_client_secret"]
    assert op_secret
    storage_id = report["storage"]["id"]
    enable_in_project(bare, storage_id, 1, "inactive")
    for login in ("member", "admin"):
        connect_in_browser(bare, login, storage_id)
        assert authorization(bare, login, storage_id) == "Connected"
    before = report["storage"]["nextcloud_client_id"]
    monkeypatch.setenv("NEP_TUI_OPENPROJECT_CLIENT_SECRET", op_secret)
    run = admin_nep(
        bare,
        "--json",
        "admin",
        "replace-nextcloud-oauth",
        str(storage_id),
        "--nextcloud-admin",
        "admin",
    )
    assert run.exit_code == 0, run.stderr
    assert run.json["nextcloud_client_id"] != before
    for login in ("member", "admin"):
        assert authorization(bare, login, storage_id) == "NotConnected"
    assert "Connected" in connect_in_browser(bare, "member", storage_id).text
    assert authorization(bare, "member", storage_id) == "Connected"


def test_a_wrong_openproject_client_secret_is_refused_before_anything_changes(bare, monkeypatch):
    report = set_up(bare, "--show-secret")
    storage_id = report["storage"]["id"]
    before = storages(bare)
    monkeypatch.setenv(
        "NEP_TUI_OPENPROJECT_CLIENT_SECRET", report["openproject_client_secret"] + "x"
    )
    run = admin_nep(
        bare, "admin", "replace-nextcloud-oauth", str(storage_id), "--nextcloud-admin", "admin"
    )
    assert run.exit_code == 2, run.stderr
    assert "does not accept this OpenProject OAuth client secret" in run.stderr
    assert "Nothing was changed" in run.stderr
    assert storages(bare) == before


def test_delete_asks_first_and_takes_the_file_links(bare):
    storage_id = set_up(bare)["storage"]["id"]
    enable_in_project(bare, storage_id, 1, "inactive")
    connect_in_browser(bare, "member", storage_id)
    wp_id = nep_json(bare, "wp", "list", "--project", "demo")[0]["id"]
    member = bare.user("member")
    put = httpx.put(
        f"{bare.nextcloud_url}/remote.php/dav/files/member/plan.txt",
        content=b"plan",
        auth=(member.login, member.password),
    )
    assert put.status_code == 201
    linked = nep(*as_user(bare, "member"), "files", "link", str(wp_id), "--path", "/plan.txt")
    assert linked.exit_code == 0, linked.stderr
    assert nep_json(bare, "files", "list", str(wp_id))

    refused = admin_nep(bare, "admin", "delete", str(storage_id))
    assert refused.exit_code != 0
    assert "Every file link to it goes with it" in refused.stderr
    assert nep_json(bare, "admin", "show", str(storage_id), login="admin")["id"] == storage_id

    done = admin_nep(
        bare, "admin", "delete", str(storage_id), "--yes", "--nextcloud-admin", "admin"
    )
    assert done.exit_code == 0, done.stderr
    assert nep_json(bare, "files", "list", str(wp_id)) == []
    assert api(bare, "admin").get(f"/api/v3/storages/{storage_id}").status_code == 404


def test_managed_folders_are_for_the_project_members(bare):
    storage_id = set_up(bare, "--managed-folders")["storage"]["id"]
    enable_in_project(bare, storage_id, 1, "automatic")
    for login in ("member", "admin"):
        connect_in_browser(bare, login, storage_id)
    enable_in_project(bare, storage_id, RESEARCH_LAB, "automatic")

    def folders(login: str) -> list[str]:
        listing = nep_json(bare, "storage", "ls", str(storage_id), "/OpenProject", login=login)
        return sorted(entry["name"] for entry in listing["files"])

    research = f"Research Lab ({RESEARCH_LAB})"
    assert folders("admin") == ["Nepenthes Demo (1)", research]
    assert folders("member") == ["Nepenthes Demo (1)"]


def test_list_show_links_and_managed_folders(bare):
    storage_id = set_up(bare)["storage"]["id"]
    listed = nep_json(bare, "admin", "list", login="admin")
    assert [(row["id"], row["problems"]) for row in listed] == [(storage_id, [])]
    shown = nep_json(bare, "admin", "show", str(storage_id), login="admin")
    assert shown["configured"] is True and shown["has_application_password"] is False
    pages = nep_json(bare, "admin", "links", str(storage_id), login="admin")
    assert [page["url"].removeprefix(bare.nepenthes_url) for page in pages] == [
        f"/admin/settings/storages/{storage_id}/project_storages",
        f"/admin/settings/storages/{storage_id}/edit",
    ]
    on = admin_nep(
        bare,
        "--json",
        "admin",
        "managed-folders",
        str(storage_id),
        "on",
        "--nextcloud-admin",
        "admin",
    )
    assert on.exit_code == 0, on.stderr
    assert on.json["has_application_password"] is True
    enable_in_project(bare, storage_id, 1, "automatic")
    rows = api(bare, "admin").get("/api/v3/project_storages").json()["_embedded"]["elements"]
    assert "projectFolder" in rows[0]["_links"]
    off = admin_nep(
        bare,
        "--json",
        "admin",
        "managed-folders",
        str(storage_id),
        "off",
        "--nextcloud-admin",
        "admin",
    )
    assert off.exit_code == 0, off.stderr
    assert off.json["has_application_password"] is False


def test_admin_commands_need_an_admin(bare):
    run = nep(
        *as_user(bare, "member"),
        "admin",
        "setup-nextcloud",
        bare.nextcloud_url,
        "--name",
        "X",
        "--nextcloud-admin",
        "admin",
        input="admin-password\n",
    )
    assert run.exit_code == 4, run.stderr
    assert api(bare, "admin").get("/api/v3/storages").json()["total"] == 0
