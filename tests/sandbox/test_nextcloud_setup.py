"""Nextcloud's integration_openproject administration routes and the admin probes, as the app
version in the capabilities answers them (notes/admin-setup.md §2, §7, §8)."""

from __future__ import annotations

import httpx
import pytest

SETUP = "/index.php/apps/integration_openproject/setup"
OCS = {"OCS-APIRequest": "true", "Accept": "application/json"}


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    from nep_tui.sandbox.server import start_in_thread

    running = start_in_thread(tmp_path_factory.mktemp("bare"), seed="bare")
    yield running
    running.stop()


@pytest.fixture
def faults(bare):
    yield bare.set_faults
    bare.set_faults(reset=True)


def nextcloud(sandbox, auth=("admin", "admin-password")) -> httpx.Client:
    return httpx.Client(base_url=sandbox.nextcloud_url, auth=auth, timeout=30)


def values(sandbox, **changes):
    return {
        "openproject_instance_url": sandbox.nepenthes_url,
        "openproject_client_id": "op-id",
        "openproject_client_secret": "op-secret",
        "default_enable_navigation": False,
        "default_enable_unified_search": False,
        "setup_project_folder": False,
        "setup_app_password": False,
        **changes,
    }


def test_admin_routes_need_an_admin(bare):
    anonymous = httpx.get(
        f"{bare.nextcloud_url}/index.php/apps/integration_openproject/check-admin-config"
    )
    assert anonymous.status_code == 401
    assert anonymous.json() == {"message": "Current user is not logged in"}
    member = nextcloud(bare, ("member", "member-password")).post(SETUP, json={"values": {}})
    assert member.status_code == 403
    assert member.json() == {"message": "Logged in user must be an admin"}


@pytest.mark.parametrize(
    ("version", "body", "message"),
    [
        ("2.11.2", {"values": {}}, "The data is not a valid JSON."),
        ("2.11.2", {"values": {"nope": 1}}, "invalid key"),
        ("3.2.0", {"values": {"nope": 1}}, "Unknown setting: nope"),
        ("3.2.0", {"values": {}}, "Invalid settings."),
        (
            "3.2.0",
            {"values": {"openproject_instance_url": "http://op.example"}},
            "Missing required field: default_enable_navigation",
        ),
        ("3.2.0", "bad-url", "Invalid OpenProject URL."),
        ("2.11.2", "bad-url", "invalid data"),
        (
            "3.2.0",
            "flags",
            'Invalid team folder setup configuration: Both "setup_project_folder" and'
            ' "setup_app_password" must be either true or false.',
        ),
    ],
)
def test_validation_messages_follow_the_app_version(bare, faults, version, body, message):
    faults(nextcloud_integration_app=version)
    if body == "bad-url":
        body = {"values": values(bare, openproject_instance_url="ftp://x")}
    elif body == "flags":
        body = {"values": values(bare, setup_app_password=True)}
    answer = nextcloud(bare).post(SETUP, json=body)
    assert answer.status_code == 400
    assert answer.json() == {"error": message}


def test_setup_reset_and_the_project_folder_errors(bare, faults):
    client = nextcloud(bare)
    faults(nextcloud_team_folders_app="missing")
    missing = client.post(
        SETUP, json={"values": values(bare, setup_project_folder=True, setup_app_password=True)}
    )
    assert (missing.status_code, missing.json()) == (
        500,
        {"error": 'The "groupfolders" app is not installed'},
    )
    faults(reset=True)
    made = client.post(
        SETUP, json={"values": values(bare, setup_project_folder=True, setup_app_password=True)}
    )
    assert made.status_code == 200, made.text
    answer = made.json()
    assert len(answer["nextcloud_client_id"]) == len(answer["nextcloud_client_secret"]) == 64
    assert len(answer["openproject_user_app_password"]) >= 72
    assert "status" not in answer, "status arrived in 2.11.4"
    assert client.get("/index.php/apps/integration_openproject/project-folder-status").json() == {
        "result": True
    }
    again = client.patch(SETUP, json={"values": {"setup_project_folder": True}})
    assert (again.status_code, again.json()) == (
        409,
        {"error": 'The user "OpenProject" already exists'},
    )
    patched = client.patch(SETUP, json={"values": {"openproject_client_id": "other"}}).json()
    assert "nextcloud_client_secret" not in patched and patched["id"]
    dav = httpx.head(
        f"{bare.nextcloud_url}/remote.php/dav",
        auth=("OpenProject", answer["openproject_user_app_password"]),
    )
    assert dav.status_code == 200
    assert client.delete(SETUP).json() == {"status": True}
    assert client.get("/index.php/apps/integration_openproject/check-admin-config").json() == {
        "config_status_without_project_folder": False,
        "project_folder_setup_status": True,
    }, "the app password survives a reset (IOP >= 2.9.0)"
    user = client.get("/ocs/v2.php/cloud/users/OpenProject", headers=OCS).json()
    assert user["ocs"]["data"]["groups"] == ["OpenProject", "OpenProjectNoAutomaticProjectFolders"]


def test_app_and_maintenance_switches(bare, faults):
    faults(nextcloud_integration_app="missing", nextcloud_team_folders_app="missing")
    capabilities = httpx.get(f"{bare.nextcloud_url}/ocs/v2.php/cloud/capabilities", headers=OCS)
    assert "integration_openproject" not in capabilities.json()["ocs"]["data"]["capabilities"]
    check = httpx.get(f"{bare.nextcloud_url}/index.php/apps/integration_openproject/check-config")
    assert check.status_code == 302
    faults(nextcloud_integration_app=None, nextcloud_maintenance=True)
    capabilities = httpx.get(f"{bare.nextcloud_url}/ocs/v2.php/cloud/capabilities", headers=OCS)
    assert capabilities.status_code == 503
    status = httpx.get(f"{bare.nextcloud_url}/status.php").json()
    assert status["maintenance"] is True and status["installed"] is True


def test_health_checks_in_the_okcomputer_text(bare, faults):
    ok = httpx.get(f"{bare.nepenthes_url}/health_checks/all")
    assert ok.status_code == 200
    assert ok.text.startswith("full\n  default: PASSED Application is running")
    assert "  worker_backed_up: PASSED No jobs are waiting to be picked up." in ok.text
    faults(workers_down=True)
    down = httpx.get(f"{bare.nepenthes_url}/health_checks/all")
    assert down.status_code == 500
    assert "  worker: FAILED No good_job processes are active." in down.text


def test_the_storage_oauth_application_revokes_with_the_token_in_the_query(bare):
    """Nextcloud revokes its users' OpenProject tokens this way (IOP revokeUserOAuthToken)."""
    admin = bare.user("admin")
    created = httpx.post(
        f"{bare.nepenthes_url}/api/v3/storages",
        headers={"Authorization": f"Bearer {admin.api_token}"},
        json={
            "name": "Revoking",
            "_links": {
                "origin": {"href": bare.nextcloud_url},
                "type": {"href": "urn:openproject-org:api:v3:storages:Nextcloud"},
            },
        },
    )
    application = created.json()["_embedded"]["oauthApplication"]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    revoke = f"{bare.nepenthes_url}/oauth/revoke?token=unknown-token"
    client = (application["clientId"], application["clientSecret"])
    assert httpx.post(revoke, auth=client, headers=form).status_code == 200
    assert httpx.post(revoke, auth=(client[0], "wrong"), headers=form).status_code == 401
