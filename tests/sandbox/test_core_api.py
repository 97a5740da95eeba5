"""The sandbox's core API v3 over real HTTP: auth, root, users, lookups, projects, work packages."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import httpx
import pytest


def get(sandbox, token: str | None, path: str, **params) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for key in ("filters", "sortBy"):
        if key in params and not isinstance(params[key], str):
            params[key] = json.dumps(params[key])
    return httpx.get(f"{sandbox.nepenthes_url}{path}", params=params, headers=headers)


def assert_error(answer: httpx.Response, status: int, identifier: str) -> dict:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["_type"] == "Error"
    assert body["errorIdentifier"] == f"urn:openproject-org:api:v3:errors:{identifier}"
    assert body["message"]
    return body


def ids(answer: httpx.Response) -> list[int]:
    assert answer.status_code == 200, answer.text
    return [element["id"] for element in answer.json()["_embedded"]["elements"]]


# --- authentication --------------------------------------------------------------------------


def test_basic_apikey_and_bearer_api_token_both_work(sandbox, member_token):
    basic = base64.b64encode(f"apikey:{member_token}".encode()).decode()
    by_basic = httpx.get(
        f"{sandbox.nepenthes_url}/api/v3/users/me", headers={"Authorization": f"Basic {basic}"}
    )
    assert by_basic.status_code == 200 and by_basic.json()["login"] == "member"
    assert get(sandbox, member_token, "/api/v3/users/me").json()["login"] == "member"


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer opapi-" + "0" * 64,
        "Bearer not-a-token",
        "Basic " + base64.b64encode(b"member:member-password").decode(),
        "Basic %%%",
    ],
)
def test_missing_or_wrong_credentials_are_401_with_www_authenticate(sandbox, header):
    headers = {"Authorization": header} if header else {}
    answer = httpx.get(f"{sandbox.nepenthes_url}/api/v3/work_packages", headers=headers)
    assert_error(answer, 401, "Unauthenticated")
    assert answer.headers["WWW-Authenticate"].startswith('Bearer realm="OpenProject API"')


def test_answers_are_hal_json_whatever_the_accept_header(sandbox, member_token):
    for accept in ("application/json", "application/hal+json", "*/*"):
        answer = httpx.get(
            f"{sandbox.nepenthes_url}/api/v3/projects",
            headers={"Authorization": f"Bearer {member_token}", "Accept": accept},
        )
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/hal+json")


# --- root, configuration, users, lookups --------------------------------------------------------


def test_root_shows_the_core_version_to_admins_only(sandbox, member_token, admin_token):
    member_root = get(sandbox, member_token, "/api/v3").json()
    assert member_root["_type"] == "Root" and "coreVersion" not in member_root
    assert member_root["_links"]["user"]["href"] == "/api/v3/users/2"
    assert "coreVersion" in get(sandbox, admin_token, "/api/v3").json()


def test_configuration_gives_the_limits_clients_need(sandbox, member_token):
    config = get(sandbox, member_token, "/api/v3/configuration").json()
    assert config["_type"] == "Configuration"
    assert config["maximumApiV3PageSize"] == 1000
    assert config["perPageOptions"] == [20, 100]
    assert config["maximumAttachmentFileSize"] > 0


def test_users_me_and_other_users(sandbox, member_token):
    me = get(sandbox, member_token, "/api/v3/users/me").json()
    assert (me["id"], me["login"], me["admin"], me["name"]) == (2, "member", False, "Max Member")
    other = get(sandbox, member_token, "/api/v3/users/3").json()
    assert other["name"] == "Nora Newcomer" and "login" not in other and "email" not in other
    assert_error(get(sandbox, member_token, "/api/v3/users/999"), 404, "NotFound")
    assert_error(get(sandbox, member_token, "/api/v3/users/abc"), 404, "NotFound")


def test_statuses_types_priorities(sandbox, member_token):
    statuses = get(sandbox, member_token, "/api/v3/statuses").json()["_embedded"]["elements"]
    assert [(s["name"], s["isClosed"]) for s in statuses] == [
        ("New", False),
        ("In progress", False),
        ("Closed", True),
        ("Rejected", True),
    ]
    types = get(sandbox, member_token, "/api/v3/types").json()["_embedded"]["elements"]
    assert [t["name"] for t in types] == ["Task", "Bug", "Feature", "Milestone"]
    priorities = get(sandbox, member_token, "/api/v3/priorities").json()["_embedded"]["elements"]
    assert [(p["name"], p["isDefault"]) for p in priorities] == [
        ("Low", False),
        ("Normal", True),
        ("High", False),
        ("Immediate", False),
    ]
    assert get(sandbox, member_token, "/api/v3/statuses/3").json()["isClosed"] is True
    assert_error(get(sandbox, member_token, "/api/v3/priorities/99"), 404, "NotFound")
    project_types = get(sandbox, member_token, "/api/v3/projects/demo/types").json()
    assert (
        project_types["total"] == 4 and project_types["_embedded"]["elements"][0]["_type"] == "Type"
    )


# --- projects --------------------------------------------------------------------------------


def test_member_sees_the_demo_tree_but_not_research_lab(sandbox, member_token, admin_token):
    assert ids(get(sandbox, member_token, "/api/v3/projects")) == [1, 2, 3, 4]
    assert ids(get(sandbox, admin_token, "/api/v3/projects")) == [1, 2, 3, 4, 5]
    assert_error(get(sandbox, member_token, "/api/v3/projects/research"), 404, "NotFound")
    assert_error(get(sandbox, member_token, "/api/v3/projects/5"), 404, "NotFound")


def test_project_by_id_or_identifier_with_hierarchy_links(sandbox, member_token):
    by_identifier = get(sandbox, member_token, "/api/v3/projects/mobile-backend").json()
    by_id = get(sandbox, member_token, "/api/v3/projects/4").json()
    assert by_identifier == by_id
    assert by_id["name"] == "Mobile Backend"
    assert by_id["_links"]["parent"] == {"href": "/api/v3/projects/3", "title": "Mobile App"}
    assert [a["href"] for a in by_id["_links"]["ancestors"]] == [
        "/api/v3/projects/1",
        "/api/v3/projects/3",
    ]
    root = get(sandbox, member_token, "/api/v3/projects/demo").json()
    assert root["_links"]["parent"] == {"href": None} and root["_links"]["ancestors"] == []
    assert root["_links"]["createWorkPackage"]["method"] == "post"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ([{"parent_id": {"operator": "=", "values": ["1"]}}], [2, 3]),
        ([{"parentId": {"operator": "=", "values": ["3"]}}], [4]),
        ([{"ancestor": {"operator": "=", "values": ["1"]}}], [2, 3, 4]),
        ([{"id": {"operator": "=", "values": ["2", "4"]}}], [2, 4]),
        ([{"id": {"operator": "!", "values": ["1"]}}], [2, 3, 4]),
        ([{"name_and_identifier": {"operator": "~", "values": ["mobile"]}}], [3, 4]),
        ([{"nameAndIdentifier": {"operator": "~", "values": ["relaunch"]}}], [2]),
        ([{"active": {"operator": "=", "values": ["t"]}}], [1, 2, 3, 4]),
        ([{"active": {"operator": "=", "values": ["f"]}}], []),
        ([{"visible": {"operator": "=", "values": ["3"]}}], [1, 2, 3, 4]),
        ([{"parent_id": {"operator": "!*", "values": []}}], [1]),
    ],
)
def test_project_filters(sandbox, member_token, filters, expected):
    assert ids(get(sandbox, member_token, "/api/v3/projects", filters=filters)) == expected


def test_project_sort_and_paging(sandbox, member_token):
    by_name = get(sandbox, member_token, "/api/v3/projects", sortBy=[["name", "asc"]])
    assert ids(by_name) == [3, 4, 1, 2]
    page = get(sandbox, member_token, "/api/v3/projects", pageSize=2, offset=2).json()
    assert (page["total"], page["count"], page["pageSize"], page["offset"]) == (4, 2, 2, 2)
    assert [e["id"] for e in page["_embedded"]["elements"]] == [3, 4]
    assert "nextByOffset" not in page["_links"]
    assert page["_links"]["previousByOffset"]["href"] == "/api/v3/projects?offset=1&pageSize=2"
    assert page["_links"]["jumpTo"] == {
        "href": "/api/v3/projects?offset=%7Boffset%7D&pageSize=2",
        "templated": True,
    }


@pytest.mark.parametrize(
    "params",
    [
        {"filters": "not json"},
        {"filters": json.dumps({"id": {}})},
        {"filters": json.dumps([{"nope": {"operator": "=", "values": ["1"]}}])},
        {"filters": json.dumps([{"id": {"operator": "~", "values": ["1"]}}])},
        {"filters": json.dumps([{"id": {"operator": "=", "values": ["x"]}}])},
        {"filters": json.dumps([{"id": {"operator": "="}}])},
        {"sortBy": "[[1]]"},
        {"sortBy": json.dumps([["nope", "asc"]])},
        {"sortBy": json.dumps([["id", "up"]])},
    ],
)
def test_bad_project_queries_are_400_invalid_query(sandbox, member_token, params):
    assert_error(get(sandbox, member_token, "/api/v3/projects", **params), 400, "InvalidQuery")


# --- work packages ---------------------------------------------------------------------------

ALL = "[]"
# Other tests may add work packages to the shared sandbox: count only the seeded ones.
SEEDED = [{"id": {"operator": "=", "values": [str(n) for n in range(1, 31)]}}]


def test_default_filter_is_open_only_and_empty_filters_mean_all(sandbox, member_token):
    open_ids = ids(get(sandbox, member_token, "/api/v3/projects/demo/work_packages", pageSize=100))
    all_ids = ids(
        get(sandbox, member_token, "/api/v3/projects/demo/work_packages", pageSize=100, filters=ALL)
    )
    assert 4 not in open_ids and 7 not in open_ids  # closed, rejected
    assert {4, 7} <= set(all_ids)
    assert set(open_ids) < set(all_ids)


def test_project_work_packages_include_subprojects_and_respect_membership(
    sandbox, member_token, admin_token
):
    demo_all = set(
        ids(
            get(
                sandbox, member_token, "/api/v3/projects/1/work_packages", pageSize=100, filters=ALL
            )
        )
    )
    assert set(range(1, 27)) <= demo_all
    member_all = set(
        ids(get(sandbox, member_token, "/api/v3/work_packages", pageSize=100, filters=ALL))
    )
    assert not member_all & {27, 28, 29, 30}  # Research Lab
    admin_all = set(
        ids(get(sandbox, admin_token, "/api/v3/work_packages", pageSize=100, filters=ALL))
    )
    assert {27, 28, 29, 30} <= admin_all
    assert_error(get(sandbox, member_token, "/api/v3/work_packages/27"), 404, "NotFound")
    assert_error(
        get(sandbox, member_token, "/api/v3/projects/research/work_packages"), 404, "NotFound"
    )


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ([{"typeahead": {"operator": "**", "values": ["kickoff"]}}], [1, 2]),
        ([{"typeahead": {"operator": "**", "values": ["kickoff presentation"]}}], [1]),
        ([{"typeahead": {"operator": "**", "values": ["#17"]}}], [17]),
        ([{"typeahead": {"operator": "**", "values": ["Backend rate"]}}], [23]),
        ([{"subjectOrId": {"operator": "**", "values": [" 5 "]}}], [5]),
        ([{"subject_or_id": {"operator": "**", "values": ["mugs"]}}], [7]),
        ([{"search": {"operator": "**", "values": ["hidden rows"]}}], [5]),
        ([{"id": {"operator": "=", "values": ["3", "9"]}}], [3, 9]),
        (
            [
                {"status": {"operator": "c", "values": []}},
                {"project": {"operator": "=", "values": ["1"]}},
            ],
            [4, 7],
        ),
        ([{"status_id": {"operator": "=", "values": ["4"]}}], [7]),
        ([{"type": {"operator": "=", "values": ["4"]}}], [2, 14, 21]),
        (
            [
                {"type_id": {"operator": "=", "values": ["2"]}},
                {"status": {"operator": "o", "values": []}},
            ],
            [5, 11, 17, 24],
        ),
        (
            [
                {"project_id": {"operator": "=", "values": ["4"]}},
                {"status": {"operator": "o", "values": []}},
            ],
            [22, 23, 24, 26],
        ),
        ([{"assignee": {"operator": "=", "values": ["3"]}}], [5, 8, 11, 18, 24]),
        (
            [
                {"assignee": {"operator": "!*", "values": []}},
                {"project": {"operator": "=", "values": ["2"]}},
            ],
            [14, 15],
        ),
        (
            [
                {"author": {"operator": "=", "values": ["2"]}},
                {"id": {"operator": "=", "values": ["3", "4"]}},
            ],
            [3],
        ),
        ([{"priority": {"operator": "=", "values": ["4"]}}], [5, 17]),
    ],
)
def test_work_package_filters(sandbox, member_token, filters, expected):
    answer = get(
        sandbox, member_token, "/api/v3/work_packages", filters=filters + SEEDED, pageSize=100
    )
    assert sorted(ids(answer)) == expected


def test_assignee_me(sandbox, newcomer_token):
    mine = ids(
        get(
            sandbox,
            newcomer_token,
            "/api/v3/work_packages",
            pageSize=100,
            filters=[{"assignee": {"operator": "=", "values": ["me"]}}, *SEEDED],
        )
    )
    assert sorted(mine) == [5, 8, 11, 18, 24]


def test_file_link_and_storage_filters(sandbox, member_token):
    links = get(sandbox, member_token, "/api/v3/work_packages/1/file_links")
    if links.status_code == 404:
        pytest.skip("the file links module is not installed")
    origin_id = links.json()["_embedded"]["elements"][0]["originData"]["id"]
    by_origin = get(
        sandbox,
        member_token,
        "/api/v3/work_packages",
        pageSize=100,
        filters=[{"file_link_origin_id": {"operator": "=", "values": [origin_id]}}],
    )
    assert ids(by_origin) == [1]
    escaped_url = quote(sandbox.nextcloud_url + "/", safe="")
    for storage_filter in (
        {"linkable_to_storage_id": {"operator": "=", "values": ["1"]}},
        {"linkableToStorageUrl": {"operator": "=", "values": [escaped_url]}},
    ):
        linkable = set(
            ids(
                get(
                    sandbox,
                    member_token,
                    "/api/v3/work_packages",
                    filters=[storage_filter],
                    pageSize=100,
                )
            )
        )
        assert 1 in linkable and not linkable & {27, 28, 29, 30}
    nowhere = get(
        sandbox,
        member_token,
        "/api/v3/work_packages",
        filters=[
            {"linkable_to_storage_url": {"operator": "=", "values": ["https://elsewhere.example"]}}
        ],
    )
    assert ids(nowhere) == []


def test_work_package_sort_and_paging(sandbox, member_token):
    newest_first = ids(
        get(
            sandbox,
            member_token,
            "/api/v3/work_packages",
            sortBy=[["id", "desc"]],
            filters=SEEDED,
            pageSize=3,
        )
    )
    assert newest_first == [26, 25, 24]
    by_subject = get(
        sandbox,
        member_token,
        "/api/v3/work_packages",
        sortBy=[["subject", "asc"]],
        filters=ALL,
        pageSize=100,
    )
    subjects = [e["subject"] for e in by_subject.json()["_embedded"]["elements"]]
    assert subjects == sorted(subjects, key=str.lower)
    page = get(
        sandbox, member_token, "/api/v3/work_packages", filters=SEEDED, pageSize=10, offset=3
    ).json()
    assert (page["total"], page["count"], page["offset"]) == (26, 6, 3)
    assert "nextByOffset" not in page["_links"]
    first = get(sandbox, member_token, "/api/v3/work_packages", filters=SEEDED, pageSize=10).json()
    assert first["_links"]["nextByOffset"]["href"].endswith("offset=2&pageSize=10")
    assert "filters=%5B%7B%22id%22" in first["_links"]["nextByOffset"]["href"], (
        "the query is kept in the links"
    )


@pytest.mark.parametrize(
    ("size", "expected"), [("-1", 1000), ("5000", 1000), ("0", 0), ("abc", 20)]
)
def test_page_size_is_capped_like_the_real_server(sandbox, member_token, size, expected):
    page = get(sandbox, member_token, "/api/v3/work_packages", filters=SEEDED, pageSize=size).json()
    assert page["pageSize"] == expected
    assert page["count"] == min(expected, 26)


def test_offset_past_the_end_is_an_empty_page(sandbox, member_token):
    page = get(sandbox, member_token, "/api/v3/work_packages", filters=SEEDED, offset=99).json()
    assert page["total"] == 26 and page["count"] == 0 and page["_embedded"]["elements"] == []


@pytest.mark.parametrize(
    "filters",
    [
        "[{",
        json.dumps([{"status": {"operator": "~", "values": ["1"]}}]),
        json.dumps([{"unknown": {"operator": "=", "values": ["1"]}}]),
        json.dumps([{"project": {"operator": "=", "values": ["demo"]}}]),
        json.dumps([{"typeahead": {"operator": "**"}}]),
    ],
)
def test_bad_work_package_filters_are_400(sandbox, member_token, filters):
    assert_error(
        get(sandbox, member_token, "/api/v3/work_packages", filters=filters), 400, "InvalidQuery"
    )


def test_one_work_package_with_links_by_permission(sandbox, member_token):
    wp = get(sandbox, member_token, "/api/v3/work_packages/1").json()
    assert wp["_type"] == "WorkPackage" and wp["subject"] == "Prepare kickoff presentation"
    links = wp["_links"]
    assert links["project"] == {"href": "/api/v3/projects/1", "title": "Nepenthes Demo"}
    assert links["status"]["title"] == "In progress"
    assert links["assignee"]["title"] == "Max Member"
    assert links["fileLinks"]["href"] == "/api/v3/work_packages/1/file_links"
    assert links["addFileLink"]["method"] == "post"
    assert links["attachments"]["href"] == "/api/v3/work_packages/1/attachments"
    assert links["addAttachment"]["method"] == "post"
    assert links["schema"]["href"] == "/api/v3/work_packages/schemas/1-1"
    milestone = get(sandbox, member_token, "/api/v3/work_packages/2").json()
    assert milestone["date"] == "2026-01-26" and "startDate" not in milestone
    assert_error(get(sandbox, member_token, "/api/v3/work_packages/9999"), 404, "NotFound")
    assert_error(get(sandbox, member_token, "/api/v3/work_packages/abc"), 404, "NotFound")


def test_schema_lists_allowed_values(sandbox, member_token):
    schema = get(sandbox, member_token, "/api/v3/work_packages/schemas/1-1").json()
    assert schema["subject"]["required"] is True
    assert [v["title"] for v in schema["type"]["_links"]["allowedValues"]] == [
        "Task",
        "Bug",
        "Feature",
        "Milestone",
    ]
    # As the real schema: the assignees are a collection of their own, linked, not listed.
    assignees = get(sandbox, member_token, schema["assignee"]["_links"]["allowedValues"]["href"])
    assert "Max Member" in [user["name"] for user in assignees.json()["_embedded"]["elements"]]
    assert_error(get(sandbox, member_token, "/api/v3/work_packages/schemas/5-1"), 404, "NotFound")
    assert_error(
        get(sandbox, member_token, "/api/v3/work_packages/schemas/nonsense"), 404, "NotFound"
    )


def test_unknown_routes_are_404_in_the_error_shape(sandbox, member_token):
    assert_error(get(sandbox, member_token, "/api/v3/nothing/here"), 404, "NotFound")


def test_other_methods_on_known_paths_are_404(sandbox, member_token):
    answer = httpx.put(
        f"{sandbox.nepenthes_url}/api/v3/projects",
        headers={"Authorization": f"Bearer {member_token}"},
    )
    assert_error(answer, 404, "NotFound")


def test_broken_multipart_is_400_not_a_crash(sandbox, member_token):
    answer = httpx.post(
        f"{sandbox.nepenthes_url}/api/v3/work_packages/1/attachments",
        content=b"--nope\r\nbroken",
        headers={"Authorization": f"Bearer {member_token}", "Content-Type": "multipart/form-data"},
    )
    assert_error(answer, 400, "InvalidRequestBody")


async def test_unexpected_errors_become_500_in_the_error_shape(tmp_path):
    from starlette.routing import Route

    from nep_tui.sandbox.faults import FaultState
    from nep_tui.sandbox.nepenthes.app import NepenthesConfig, create_app
    from nep_tui.sandbox.nepenthes.store import NepenthesStore

    def broken(request):
        raise RuntimeError("a bug")

    app = create_app(
        NepenthesStore(tmp_path / "n.sqlite3"),
        FaultState(),
        config=NepenthesConfig(
            public_url=lambda: "http://x", nextcloud_url=lambda: "http://y", data_dir=tmp_path
        ),
    )
    app.router.routes.append(Route("/api/v3/broken", broken))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        answer = await client.get("/api/v3/broken")
    assert_error(answer, 500, "InternalServerError")
    assert "a bug" not in answer.text


HUGE = "9" * 30


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v3/work_packages/{HUGE}",
        f"/api/v3/projects/{HUGE}",
        f"/api/v3/users/{HUGE}",
        f"/api/v3/statuses/{HUGE}",
        f"/api/v3/notifications/{HUGE}",
        f"/api/v3/attachments/{HUGE}",
        f"/api/v3/attachments/{HUGE}/content",
        f"/api/v3/work_packages/{HUGE}/attachments",
        f"/api/v3/work_packages/schemas/{HUGE}-1",
        f"/api/v3/projects/{HUGE}/work_packages",
    ],
)
def test_ids_too_big_for_any_row_are_404(sandbox, member_token, path):
    assert_error(get(sandbox, member_token, path), 404, "NotFound")


def test_absurd_numbers_in_queries_are_not_500s(sandbox, member_token):
    far = get(sandbox, member_token, "/api/v3/work_packages", offset=HUGE, pageSize=HUGE)
    assert far.status_code == 200 and far.json()["count"] == 0
    huge_id = [{"id": {"operator": "=", "values": [HUGE]}}]
    assert_error(
        get(sandbox, member_token, "/api/v3/work_packages", filters=huge_id), 400, "InvalidQuery"
    )
    assert_error(
        get(sandbox, member_token, "/api/v3/projects", filters=huge_id), 400, "InvalidQuery"
    )
    answer = httpx.get(
        f"{sandbox.nepenthes_url}/api/v3/notifications",
        params={"filters": json.dumps(huge_id)},
        headers={"Authorization": f"Bearer {member_token}"},
    )
    assert_error(answer, 400, "InvalidQuery")
