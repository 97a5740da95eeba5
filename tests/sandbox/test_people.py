"""Principals, users, memberships and roles, and the collections the sandbox has none of
(relations, time entries): what other clients ask for to resolve names and follow links."""

from __future__ import annotations

import json

import httpx

MEMBER, NEWCOMER, ADMIN = 2, 3, 1


def _api(sandbox, login: str) -> httpx.Client:
    return httpx.Client(
        base_url=sandbox.nepenthes_url,
        headers={"Authorization": f"Bearer {sandbox.user(login).api_token}"},
    )


def _filters(**filters: tuple[str, list[str]]) -> dict[str, str]:
    return {
        "filters": json.dumps(
            [{name: {"operator": op, "values": values}} for name, (op, values) in filters.items()]
        )
    }


def _ids(answer: httpx.Response) -> list[int]:
    assert answer.status_code == 200, answer.text
    return [element["id"] for element in answer.json()["_embedded"]["elements"]]


def test_principals_are_the_members_of_visible_projects_found_by_name(sandbox):
    member = _api(sandbox, "member")
    assert _ids(member.get("/api/v3/principals")) == [ADMIN, MEMBER, NEWCOMER]
    assert _ids(member.get("/api/v3/principals", params=_filters(name=("~", ["nor"])))) == [
        NEWCOMER
    ]
    assert _ids(member.get("/api/v3/principals", params=_filters(name=("=", ["max member"])))) == [
        MEMBER
    ]
    # a login is not a name, but any_name_attribute takes it
    assert _ids(member.get("/api/v3/principals", params=_filters(name=("~", ["newcomer"])))) == [
        NEWCOMER
    ]
    by_login = {"filters": '[{"any_name_attribute":{"operator":"~","values":["admin"]}}]'}
    assert _ids(member.get("/api/v3/principals", params=by_login)) == [ADMIN]
    assert _ids(member.get("/api/v3/principals", params=_filters(id=("=", ["2", "3"])))) == [
        MEMBER,
        NEWCOMER,
    ]
    assert _ids(member.get("/api/v3/principals", params=_filters(type=("=", ["Group"])))) == []
    assert _ids(member.get("/api/v3/principals", params=_filters(status=("=", ["1"])))) == [
        ADMIN,
        MEMBER,
        NEWCOMER,
    ]
    # Research Lab (5) has only the admin as member; newcomer sees nobody of it but herself.
    assert _ids(
        _api(sandbox, "admin").get("/api/v3/principals", params=_filters(member=("=", ["5"])))
    ) == [ADMIN]
    assert _ids(_api(sandbox, "newcomer").get("/api/v3/principals")) == [ADMIN, MEMBER, NEWCOMER]


def test_bad_principal_filters_are_the_real_invalid_query(sandbox):
    member = _api(sandbox, "member")
    unknown = member.get("/api/v3/principals", params=_filters(colour=("=", ["red"])))
    assert unknown.status_code == 400
    assert unknown.json()["message"] == ["Filters Colour filter does not exist."]
    bad_status = member.get("/api/v3/principals", params=_filters(status=("=", ["9"])))
    assert bad_status.status_code == 400
    assert bad_status.json()["errorIdentifier"].endswith(":InvalidQuery")


def test_the_user_list_is_for_admins(sandbox):
    assert _api(sandbox, "member").get("/api/v3/users").status_code == 403
    admin = _api(sandbox, "admin")
    assert _ids(admin.get("/api/v3/users", params=_filters(login=("=", ["member"])))) == [MEMBER]
    logins = [user["login"] for user in admin.get("/api/v3/users").json()["_embedded"]["elements"]]
    assert logins == ["admin", "member", "newcomer"]


def test_memberships_link_their_project_principal_and_role(sandbox):
    member = _api(sandbox, "member")
    answer = member.get("/api/v3/memberships", params=_filters(project=("=", ["1"])))
    elements = answer.json()["_embedded"]["elements"]
    assert [element["_links"]["principal"]["title"] for element in elements] == [
        "Ada Admin",
        "Max Member",
        "Nora Newcomer",
    ]
    roles = [element["_links"]["roles"][0] for element in elements]
    assert [role["title"] for role in roles] == ["Project admin", "Member", "Member"]
    assert member.get(roles[1]["href"]).json()["name"] == "Member"
    assert member.get(elements[0]["_links"]["self"]["href"]).json()["id"] == elements[0]["id"]
    # member sees no membership of Research Lab; the admin does
    research = _filters(project=("=", ["5"]))
    assert _ids(member.get("/api/v3/memberships", params=research)) == []
    assert len(_ids(_api(sandbox, "admin").get("/api/v3/memberships", params=research))) == 1
    mine = member.get("/api/v3/memberships", params=_filters(principal=("=", ["2"])))
    assert mine.json()["total"] == 4


def test_links_to_relations_and_time_entries_resolve(sandbox):
    member = _api(sandbox, "member")
    work_package = member.get("/api/v3/work_packages/1").json()
    moved = member.get(work_package["_links"]["relations"]["href"])
    assert moved.status_code == 308
    target = moved.headers["location"]
    assert target.startswith("/api/v3/relations?filters=")
    assert "moved to " + target in moved.text
    assert member.get(target).json()["total"] == 0
    assert member.get("/api/v3/work_packages/999/relations").status_code == 404
    root = member.get("/api/v3").json()
    assert member.get(root["_links"]["time_entries"]["href"]).json()["total"] == 0
    bad = member.get("/api/v3/time_entries", params=_filters(colour=("=", ["1"])))
    assert bad.status_code == 400
