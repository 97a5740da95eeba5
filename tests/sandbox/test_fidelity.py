"""The sandbox answers as real servers do where real clients rely on it (issue 12 §1): filter
operators without values, the real InvalidQuery (400, a list of sentences) on every endpoint
that takes filters, forms with embedded allowed values, the links real projects, storages and
users carry, and the avatar route."""

from __future__ import annotations

import json

import httpx
import pytest

INVALID_QUERY = "urn:openproject-org:api:v3:errors:InvalidQuery"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def client(sandbox, login: str = "member") -> httpx.Client:
    return httpx.Client(
        base_url=sandbox.nepenthes_url,
        headers={"Authorization": f"Bearer {sandbox.user(login).api_token}"},
        timeout=30,
    )


def filtered(api: httpx.Client, path: str, filters: list, method: str = "GET") -> httpx.Response:
    return api.request(method, path, params={"filters": json.dumps(filters)})


def elements(answer: httpx.Response) -> list[dict]:
    assert answer.status_code == 200, answer.text
    return answer.json()["_embedded"]["elements"]


def invalid_query(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["_type"] == "Error" and body["errorIdentifier"] == INVALID_QUERY
    assert isinstance(body["message"], list)
    return body["message"]


# --- operators that take no values -----------------------------------------------------------


@pytest.mark.parametrize("values", [{"values": None}, {}, {"values": []}])
def test_status_open_and_closed_take_null_or_no_values(sandbox, values):
    api = client(sandbox)
    closed_ids = {
        status["id"] for status in elements(api.get("/api/v3/statuses")) if status["isClosed"]
    }
    everything = elements(
        api.get("/api/v3/work_packages", params={"filters": "[]", "pageSize": "100"})
    )
    closed = elements(
        filtered(api, "/api/v3/work_packages", [{"status": {"operator": "c", **values}}])
    )
    opened = elements(
        filtered(api, "/api/v3/work_packages", [{"status": {"operator": "o", **values}}])
    )

    def status_id(wp: dict) -> int:
        return int(wp["_links"]["status"]["href"].rsplit("/", 1)[1])

    assert closed and all(status_id(wp) in closed_ids for wp in closed)
    assert opened and all(status_id(wp) not in closed_ids for wp in opened)
    assert len(closed) + len(opened) == len(everything)


def test_any_and_none_take_null_values(sandbox):
    api = client(sandbox)
    unassigned = elements(
        filtered(api, "/api/v3/work_packages", [{"assignee": {"operator": "!*", "values": None}}])
    )
    assigned = elements(
        filtered(api, "/api/v3/work_packages", [{"assignee": {"operator": "*", "values": None}}])
    )
    assert unassigned and all(wp["_links"]["assignee"]["href"] is None for wp in unassigned)
    assert assigned and all(wp["_links"]["assignee"]["href"] for wp in assigned)
    children = elements(
        filtered(api, "/api/v3/projects", [{"parent_id": {"operator": "*", "values": None}}])
    )
    assert children and all(project["_links"]["parent"]["href"] for project in children)


def test_operators_that_need_values_still_need_them(sandbox):
    api = client(sandbox)
    answer = filtered(
        api, "/api/v3/work_packages", [{"subjectOrId": {"operator": "**", "values": None}}]
    )
    assert invalid_query(answer) == ["Filters Subject or can't be blank."]


# --- InvalidQuery on every endpoint that takes filters ---------------------------------------

FILTERED_ENDPOINTS = [
    ("GET", "/api/v3/work_packages"),
    ("GET", "/api/v3/projects/1/work_packages"),
    ("GET", "/api/v3/projects"),
    ("GET", "/api/v3/notifications"),
    ("POST", "/api/v3/notifications/read_ian"),
    ("POST", "/api/v3/notifications/unread_ian"),
    ("GET", "/api/v3/project_storages"),
    ("GET", "/api/v3/work_packages/1/file_links"),
]


@pytest.mark.parametrize(("method", "path"), FILTERED_ENDPOINTS)
def test_unknown_filters_are_the_real_invalid_query(sandbox, method, path):
    answer = filtered(
        client(sandbox), path, [{"colour_id": {"operator": "=", "values": ["1"]}}], method
    )
    assert invalid_query(answer) == ["Filters Colour filter does not exist."]


@pytest.mark.parametrize(("method", "path"), FILTERED_ENDPOINTS)
def test_malformed_filters_are_400_with_a_list(sandbox, method, path):
    answer = client(sandbox).request(method, path, params={"filters": "[{"})
    assert invalid_query(answer) == ["Filters are not valid JSON."]


def test_an_operator_the_filter_lacks_names_the_filter(sandbox):
    answer = filtered(
        client(sandbox), "/api/v3/work_packages", [{"status": {"operator": "~", "values": ["1"]}}]
    )
    assert invalid_query(answer) == [
        "Filters Status Operator is not set to one of the allowed values."
    ]


@pytest.mark.parametrize(
    ("path", "name", "value", "human"),
    [
        ("/api/v3/work_packages", "status", "999", "Status"),
        ("/api/v3/work_packages", "type_id", "999", "Type"),
        ("/api/v3/work_packages", "priority", "x", "Priority"),
        ("/api/v3/work_packages", "project", "5", "Project"),  # exists, member cannot see it
        ("/api/v3/notifications", "reason", "sleeping", "Reason"),
        ("/api/v3/notifications", "project", "5", "Project"),
        ("/api/v3/notifications", "readIAN", "maybe", "Read ian"),
        ("/api/v3/project_storages", "projectId", "one", "Project"),
    ],
)
def test_values_naming_nothing_are_invalid_values(sandbox, path, name, value, human):
    answer = filtered(client(sandbox), path, [{name: {"operator": "=", "values": [value]}}])
    assert invalid_query(answer) == [f"Filters {human} filter has invalid values."]


def _unread(api: httpx.Client) -> int:
    answer = filtered(
        api, "/api/v3/notifications", [{"readIAN": {"operator": "=", "values": ["f"]}}]
    )
    assert answer.status_code == 200
    return answer.json()["total"]


def test_bulk_read_for_a_missing_work_package_is_400_and_marks_nothing(fresh_sandbox):
    """The Nextcloud integration's pact: 400 InvalidQuery, not 204 (nothing was done)."""
    api = client(fresh_sandbox)
    before = _unread(api)
    missing = [{"resourceId": {"operator": "=", "values": ["789"]}}]
    answer = filtered(api, "/api/v3/notifications/read_ian", missing, "POST")
    assert answer.json() == {
        "_type": "Error",
        "errorIdentifier": INVALID_QUERY,
        "message": ["Filters Resource filter has invalid values."],
    }
    assert answer.status_code == 400
    assert _unread(api) == before > 0
    hidden = [{"resourceId": {"operator": "=", "values": [str(_research_work_package())]}}]
    invalid_query(filtered(api, "/api/v3/notifications/read_ian", hidden, "POST"))
    assert _unread(api) == before


def _research_work_package() -> int:
    """A work package of `research` (project 5), which member does not belong to."""
    from nep_tui.sandbox.seed import DEMO_WORK_PACKAGES

    return next(wp[0] for wp in DEMO_WORK_PACKAGES if wp[1] == 5)


def test_bulk_read_for_a_work_package_without_notifications_is_204(fresh_sandbox):
    api = client(fresh_sandbox)
    before = _unread(api)
    quiet = [{"resourceId": {"operator": "=", "values": ["2"]}}]
    answer = filtered(api, "/api/v3/notifications/read_ian", quiet, "POST")
    assert answer.status_code == 204
    assert _unread(api) == before - len(
        [
            n
            for n in elements(filtered(api, "/api/v3/notifications", quiet))
            if n["readIAN"] is False
        ]
    )


# --- forms, projects, storages, users --------------------------------------------------------


def test_create_form_embeds_and_links_the_allowed_values(sandbox):
    form = client(sandbox).post("/api/v3/projects/1/work_packages/form", json={"subject": "F"})
    assert form.status_code == 200, form.text
    schema = form.json()["_embedded"]["schema"]
    for name, kind in (("type", "Type"), ("status", "Status"), ("priority", "Priority")):
        embedded = schema[name]["_embedded"]["allowedValues"]
        linked = schema[name]["_links"]["allowedValues"]
        assert embedded and all(value["_type"] == kind for value in embedded)
        assert linked == [
            {"href": value["_links"]["self"]["href"], "title": value["name"]} for value in embedded
        ]
        assert schema[name]["location"] == "_links"
    assignees = schema["assignee"]["_links"]["allowedValues"]
    assert assignees == {"href": "/api/v3/projects/1/available_assignees"}
    assert elements(client(sandbox).get(assignees["href"]))


def test_form_payload_links_carry_titles(sandbox):
    body = {"subject": "F", "_links": {"assignee": {"href": "/api/v3/users/2"}}}
    form = client(sandbox).post("/api/v3/projects/1/work_packages/form", json=body)
    links = form.json()["_embedded"]["payload"]["_links"]
    assert links["project"] == {"href": "/api/v3/projects/1", "title": "Nepenthes Demo"}
    for name in ("type", "status", "priority", "assignee"):
        assert links[name]["href"] and links[name]["title"], name
    assert links["responsible"] == {"href": None}
    assert links["parent"] == {"href": None}
    payload = form.json()["_embedded"]["payload"]
    # The recorded real payload's fields, those the sandbox does not play left unset.
    for name in ("scheduleManually", "estimatedTime", "duration", "remainingTime"):
        assert name in payload, name


def test_work_packages_and_users_carry_the_recorded_fields(sandbox):
    api = client(sandbox)
    wp = api.get("/api/v3/work_packages/1").json()
    assert wp["_links"]["customActions"] == []
    assert wp["remainingTime"] is None and wp["derivedRemainingTime"] is None
    me = api.get("/api/v3/users/me").json()
    assert me["identityUrl"] is None
    assert "identityUrl" not in api.get("/api/v3/users/1").json()


def test_update_form_links_the_work_packages_own_collections(sandbox):
    api = client(sandbox)
    lock = api.get("/api/v3/work_packages/3").json()["lockVersion"]
    form = api.post("/api/v3/work_packages/3/form", json={"lockVersion": lock})
    schema = form.json()["_embedded"]["schema"]
    for name, collection in (
        ("project", "available_projects"),
        ("assignee", "available_assignees"),
    ):
        href = schema[name]["_links"]["allowedValues"]["href"]
        assert href == f"/api/v3/work_packages/3/{collection}"
        assert elements(api.get(href))


def test_projects_link_immediate_creation_and_their_project_storages(sandbox):
    api = client(sandbox)
    project = api.get("/api/v3/projects/1").json()
    create = project["_links"]["createWorkPackageImmediately"]
    assert create == {"href": "/api/v3/projects/1/work_packages", "method": "post"}
    assert "createWorkPackageImmediate" not in project["_links"]
    project_storages = elements(api.get(project["_links"]["projectStorages"]["href"]))
    assert project_storages
    assert all(
        element["_links"]["project"]["href"] == "/api/v3/projects/1" for element in project_storages
    )
    assert project["_links"]["projectStorages"]["href"].startswith(
        "/api/v3/project_storages?filters=%5B%7B%22projectId%22"
    )


def test_immediate_creation_link_creates(fresh_sandbox):
    api = client(fresh_sandbox)
    create = api.get("/api/v3/projects/1").json()["_links"]["createWorkPackageImmediately"]
    created = api.request(create["method"], create["href"], json={"subject": "Immediately"})
    assert created.status_code == 201 and created.json()["subject"] == "Immediately"


def test_storages_carry_forbidden_file_name_characters(sandbox):
    storage = client(sandbox).get("/api/v3/storages/1").json()
    assert storage["forbiddenFileNameCharacters"] == '<>:"\\/|?*'


def test_users_have_an_avatar_that_is_a_real_image(sandbox):
    api = client(sandbox)
    me = api.get("/api/v3/users/me").json()
    assert me["avatar"] == f"{sandbox.nepenthes_url}/users/{me['id']}/avatar"
    for url in (me["avatar"], f"/api/v3/users/{me['id']}/avatar"):
        image = api.get(url)
        assert image.status_code == 200
        assert image.headers["content-type"] == "image/png"
        assert image.content.startswith(PNG_SIGNATURE)
    other = api.get("/api/v3/users/1/avatar")
    assert other.status_code == 200 and other.content != image.content
    missing = api.get("/api/v3/users/999/avatar")
    assert missing.status_code == 404
    assert missing.json()["errorIdentifier"].endswith(":NotFound")
    assert httpx.get(f"{sandbox.nepenthes_url}/api/v3/users/1/avatar").status_code == 401
