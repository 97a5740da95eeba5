"""The demo seed shows every documented state (docs/ARCHITECTURE.md, "Demo seed")."""

from __future__ import annotations

import hashlib

import httpx
import pytest


def api(sandbox, login: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{sandbox.nepenthes_url}/api/v3",
        headers={"Authorization": f"Bearer {sandbox.user(login).api_token}"},
    )


def test_users_in_credentials_order_with_fixed_secrets(sandbox):
    users = sandbox.credentials["users"]
    assert [(u["login"], u["password"], u["admin"]) for u in users] == [
        ("admin", "admin-password", True),
        ("member", "member-password", False),
        ("newcomer", "newcomer-password", False),
    ]
    # Fixed for the demo seed, so snapshots and docs stay stable.
    assert (
        users[1]["api_token"]
        == "opapi-" + hashlib.sha256(b"nep-tui demo api token for member").hexdigest()
    )


def test_project_tree(sandbox):
    projects = api(sandbox, "admin").get("/projects").json()["_embedded"]["elements"]
    tree = {(p["id"], p["identifier"], p["name"], p["_links"]["parent"]["href"]) for p in projects}
    assert tree == {
        (1, "demo", "Nepenthes Demo", None),
        (2, "website", "Website Relaunch", "/api/v3/projects/1"),
        (3, "mobile", "Mobile App", "/api/v3/projects/1"),
        (4, "mobile-backend", "Mobile Backend", "/api/v3/projects/3"),
        (5, "research", "Research Lab", None),
    }


def test_work_packages_spread_with_assignees_and_closed_ones(sandbox):
    # Other tests may add work packages to the shared sandbox; the seed's are the first 30.
    everything = (
        api(sandbox, "admin").get("/work_packages", params={"filters": "[]", "pageSize": 30}).json()
    )
    assert everything["total"] >= 30
    assert [e["id"] for e in everything["_embedded"]["elements"]] == list(range(1, 31))
    elements = everything["_embedded"]["elements"]
    assert {e["_links"]["project"]["href"] for e in elements} == {
        f"/api/v3/projects/{n}" for n in range(1, 6)
    }
    assert sum(e["_embedded"]["status"]["isClosed"] for e in elements) >= 5
    assert {e["_links"]["assignee"].get("title") for e in elements} >= {
        "Max Member",
        "Nora Newcomer",
        "Ada Admin",
        None,
    }
    assert {e["_embedded"]["type"]["name"] for e in elements} == {
        "Task",
        "Bug",
        "Feature",
        "Milestone",
    }
    first = api(sandbox, "member").get("/work_packages/1").json()
    assert (first["subject"], first["_links"]["project"]["title"]) == (
        "Prepare kickoff presentation",
        "Nepenthes Demo",
    )
    assert all("2026-01" <= e["createdAt"][:7] <= "2026-03" for e in elements)


def test_unread_notifications_of_every_reason_and_some_read(sandbox):
    notes = (
        api(sandbox, "member")
        .get("/notifications", params={"pageSize": 100})
        .json()["_embedded"]["elements"]
    )
    unread = {n["reason"] for n in notes if not n["readIAN"]}
    assert unread == {
        "mentioned",
        "assigned",
        "responsible",
        "watched",
        "commented",
        "dateAlert",
        "shared",
    }
    assert sum(n["readIAN"] for n in notes) >= 2


@pytest.fixture
def file_states(sandbox):
    def states(login: str) -> dict[str, str]:
        answer = api(sandbox, login).get("/work_packages/1/file_links")
        if answer.status_code == 404:
            pytest.skip("the file links module is not installed")
        return {
            e["originData"]["name"]: e["_links"]["status"]["title"]
            for e in answer.json()["_embedded"]["elements"]
        }

    return states


def test_work_package_1_carries_every_file_state(file_states):
    assert file_states("member") == {
        "Kickoff presentation.pdf": "View allowed",
        "Team photo.png": "View allowed",
        "Budget 2026.xlsx": "View allowed",
        "Slides drafts": "View allowed",
        "Old agenda.txt": "Not found",
        "Salaries.ods": "View not allowed",
    }


def test_newcomer_is_not_connected_to_nextcloud(sandbox, file_states):
    assert set(file_states("newcomer").values()) == {"Error"}
    storage = api(sandbox, "newcomer").get("/storages/1").json()
    assert storage["_links"]["authorizationState"]["href"].endswith(":NotConnected")
    assert "authorize" in storage["_links"]
    connected = api(sandbox, "member").get("/storages/1").json()
    assert connected["_links"]["authorizationState"]["href"].endswith(":Connected")


def test_automatic_project_folders(sandbox):
    answer = api(sandbox, "member").get("/storages/1/files", params={"parent": "/OpenProject"})
    if answer.status_code == 404:
        pytest.skip("the storage files module is not installed")
    names = {f["name"] for f in answer.json()["files"]}
    assert names == {
        "Nepenthes Demo (1)",
        "Website Relaunch (2)",
        "Mobile App (3)",
        "Mobile Backend (4)",
    }
    admin_names = {
        f["name"]
        for f in api(sandbox, "admin")
        .get("/storages/1/files", params={"parent": "/OpenProject"})
        .json()["files"]
    }
    assert "Research Lab (5)" in admin_names
