"""Every answer of the sandbox core validates against the official OpenAPI spec's response schema.

Skips (visibly) when the spec is not present. Where the sandbox follows the real server instead
of the spec, the spec is patched in memory for that one point, and the reason is listed in
REAL_SERVER_DEVIATIONS.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from werkzeug.datastructures import Headers, ImmutableMultiDict

pytestmark = pytest.mark.spec

SPEC_HOST = "https://community.openproject.org"

REAL_SERVER_DEVIATIONS: dict[str, str] = {
    "work package create answers 201": (
        "API::Utilities::Endpoints::Create uses status :created; the spec lists 200 for"
        " POST /api/v3/work_packages and POST /api/v3/projects/{id}/work_packages (notes §2, (code))."
    ),
    "notification reasons shared and reminder": (
        "app/models/notification.rb has the reasons `shared` and `reminder`; the spec enum lacks them"
        " (notes §2 Notifications). The demo seed has a `shared` notification."
    ),
    "401 on every endpoint": (
        "login_required is on by default, so every endpoint answers 401 without credentials; most"
        " operations do not list 401, so such answers are checked against the spec's ErrorResponse."
    ),
    "work package form answers hal+json": (
        "The form endpoints answer application/hal+json like every other endpoint; the spec's"
        " work package form endpoints list application/json only."
    ),
    "activity _type Activity": (
        "ActivityRepresenter names a journal without notes `Activity` and one with notes"
        " `Activity::Comment` (notes §2 Activities); the spec's ActivityModel enum has only the latter."
    ),
    "InvalidQuery message is a list": (
        "Endpoints::Index#render_error and the notifications' bulk_update_status raise"
        " InvalidQuery.new(query.errors.full_messages), so `message` is a list of sentences (the"
        " spec's own example for POST /notifications/read_ian is one); ErrorResponse says string."
    ),
    "bad notification filters answer 400": (
        "GET /api/v3/notifications is an Endpoints::Index, whose invalid query raises InvalidQuery"
        " (400) as everywhere; the spec lists 422 for it."
    ),
    "payload parent title": (
        "A real form payload names an unset parent `{href: null, title: null}`; the spec's Link"
        " has a string title, so the sandbox leaves the title out."
    ),
    # Where the sandbox still differs from the real server (not from the spec), and why:
    "filter names in sentences": (
        "InvalidQuery sentences name a filter by Rails' humanize of its name (`resourceId` →"
        " `Resource`, as recorded); the real server uses each filter's translated human_name,"
        " which may read differently for some (`readIAN` → `Read ian` here)."
    ),
    "other query sentences": (
        "Only the filter sentences are the real ones (does not exist, Operator is not set to"
        " one of the allowed values, can't be blank, filter has invalid values); the sentences"
        " for malformed filter JSON and for bad sortBy are the sandbox's own, not verified."
    ),
    "date filters": (
        "createdAt/updatedAt filters (operators t, w, <t-, >t-, =d, <>d …) are not played: they"
        " answer `does not exist`. The parser knows `t`/`w` take no values, but no sandbox"
        " filter offers them yet."
    ),
    "filter values checked": (
        "Work package status/type/priority/project and notification project/resourceId/reason"
        " values must name something visible, as the real list filters check; id filters are"
        " only checked to be integers, and a notification resourceType other than WorkPackage"
        " selects nothing instead of being invalid (not verified)."
    ),
    "create form project": (
        "The real create form links project to /api/v3/work_packages/available_projects; the"
        " sandbox does not play that route (nor its filters), so its create form lists the"
        " form's project; update forms link /work_packages/{id}/available_projects as real."
    ),
    "accountable allowed values": (
        "The schema links responsible to the same available_assignees collection as assignee;"
        " not verified against a real schema."
    ),
    "schema and payload breadth": (
        "No custom fields, _attributeGroups, parent, category or version in schemas; the form"
        " payload's estimatedTime/remainingTime are null and category/version/parent unset,"
        " because the sandbox does not model them."
    ),
    "project links": (
        "Projects lack `schema`, `update`, `updateImmediately`, `delete`, `favor`/`disfavor`:"
        " the sandbox has no project writes, project schema or favourites."
    ),
    "avatars": (
        "Every sandbox user has a local avatar (a generated PNG), so `avatar` is the absolute"
        " web route /users/{id}/avatar (AvatarHelper#avatar_url); that route answers API"
        " credentials like /api/v3/users/{id}/avatar, which is not in the spec (an image, not"
        " validated). No gravatar."
    ),
    "comment and watcher answers": (
        "POST /work_packages/{id}/activities answers 201 with the Activity (notes §2); the spec"
        " lists the 201 of POST /watchers and the 200 of PATCH /activities/{id} without a body schema,"
        " so they are checked against ActivityModel / UserModel here."
    ),
}


def _patch_spec(spec: dict[str, Any]) -> dict[str, Any]:
    spec = copy.deepcopy(spec)
    paths = spec["paths"]
    for path in ("/api/v3/work_packages", "/api/v3/projects/{id}/work_packages"):
        responses = paths[path]["post"]["responses"]
        responses.setdefault("201", responses["200"])
    activity_type = spec["components"]["schemas"]["ActivityModel"]["properties"]["_type"]
    activity_type["enum"] = [*activity_type["enum"], "Activity"]
    properties = spec["components"]["schemas"]["ErrorResponse"]["properties"]
    properties["message"] = {
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
    }
    listed = paths["/api/v3/notifications"]["get"]["responses"]
    listed.setdefault("400", listed["422"])
    reason = spec["components"]["schemas"]["NotificationModel"]["properties"]["reason"]
    reason["enum"] = [*reason["enum"], "shared", "reminder"]
    for path in (
        "/api/v3/work_packages/form",
        "/api/v3/projects/{id}/work_packages/form",
        "/api/v3/work_packages/{id}/form",
    ):
        operation = paths.get(path, {}).get("post")
        if operation:
            content = operation["responses"]["200"].get("content", {})
            if "application/json" in content:
                content.setdefault("application/hal+json", content["application/json"])
    return spec


def _hal_json(value: bytes | str, **_parameters: str) -> Any:
    """openapi-core passes the media type's parameters (charset) along."""
    return json.loads(value)


class SpecChecker:
    """openapi-core for the documented answers, plain JSON Schema for undocumented 401s."""

    def __init__(self, document: dict[str, Any]) -> None:
        from jsonschema import Draft202012Validator
        from openapi_core import Config, OpenAPI
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        # HAL is JSON; openapi-core only knows plain application/json out of the box. Checking
        # the spec document itself takes ~20 s and is not what these tests are about.
        config = Config(
            extra_media_type_deserializers={"application/hal+json": _hal_json},
            spec_validator_cls=None,
        )
        self.openapi = OpenAPI.from_dict(document, config=config)
        registry = Registry().with_resource(
            "urn:spec", Resource.from_contents(document, default_specification=DRAFT202012)
        )
        self.error_validator = Draft202012Validator(
            {"$ref": "urn:spec#/components/schemas/ErrorResponse"}, registry=registry
        )


@pytest.fixture(scope="session")
def openapi(openapi_spec_path) -> SpecChecker:
    return SpecChecker(_patch_spec(json.loads(openapi_spec_path.read_text())))


@dataclass
class SpecRequest:
    """openapi-core's Request protocol for an httpx request, as if sent to the spec's host."""

    path: str
    method: str
    query: dict[str, str]
    content_type: str = ""
    body: bytes | None = None
    host_url: str = SPEC_HOST
    parameters: Any = field(init=False)

    def __post_init__(self) -> None:
        from openapi_core.datatypes import RequestParameters

        self.parameters = RequestParameters(query=ImmutableMultiDict(self.query))


@dataclass
class SpecResponse:
    status_code: int
    content_type: str
    headers: Headers
    data: bytes


def validate(checker: SpecChecker, answer: httpx.Response) -> None:
    if answer.status_code == 401:
        _validate_error(checker, answer)
        return
    request = answer.request
    spec_request = SpecRequest(
        path=request.url.path,
        method=request.method.lower(),
        query=dict(request.url.params),
        content_type=request.headers.get("content-type", ""),
        body=None,
    )
    spec_response = SpecResponse(
        status_code=answer.status_code,
        content_type=answer.headers.get("content-type", "").lower(),
        headers=Headers(list(answer.headers.items())),
        data=answer.content,
    )
    checker.openapi.validate_response(spec_request, spec_response)


def _validate_error(checker: SpecChecker, answer: httpx.Response) -> None:
    checker.error_validator.validate(answer.json())
    assert answer.headers["content-type"].startswith("application/hal+json")


# (login, method, path, params or json body, expected status)
READS = [
    ("member", "GET", "/api/v3", None, 200),
    ("admin", "GET", "/api/v3", None, 200),
    ("member", "GET", "/api/v3/configuration", None, 200),
    ("member", "GET", "/api/v3/users/me", None, 200),
    ("admin", "GET", "/api/v3/users/3", None, 200),
    ("member", "GET", "/api/v3/users/999", None, 404),
    ("member", "GET", "/api/v3/statuses", None, 200),
    ("member", "GET", "/api/v3/statuses/1", None, 200),
    ("member", "GET", "/api/v3/types", None, 200),
    ("member", "GET", "/api/v3/types/4", None, 200),
    ("member", "GET", "/api/v3/priorities", None, 200),
    ("member", "GET", "/api/v3/priorities/2", None, 200),
    ("member", "GET", "/api/v3/projects", {"pageSize": "2", "offset": "2"}, 200),
    ("member", "GET", "/api/v3/projects", {"filters": '[{"nope":{}}]'}, 400),
    ("member", "GET", "/api/v3/projects/4", None, 200),
    ("member", "GET", "/api/v3/projects/research", None, 404),
    ("member", "GET", "/api/v3/projects/1/types", None, 200),
    ("member", "GET", "/api/v3/projects/1/versions", None, 200),
    ("member", "GET", "/api/v3/versions/1", None, 200),
    (
        "member",
        "GET",
        "/api/v3/principals",
        {"filters": '[{"name":{"operator":"~","values":["nor"]}}]'},
        200,
    ),
    (
        "member",
        "GET",
        "/api/v3/principals",
        {"filters": '[{"colour":{"operator":"=","values":["1"]}}]'},
        400,
    ),
    ("member", "GET", "/api/v3/users", None, 403),
    ("admin", "GET", "/api/v3/users", None, 200),
    (
        "member",
        "GET",
        "/api/v3/memberships",
        {"filters": '[{"project":{"operator":"=","values":["1"]}}]'},
        200,
    ),
    ("member", "GET", "/api/v3/memberships/1", None, 200),
    ("member", "GET", "/api/v3/roles/4", None, 200),
    ("member", "GET", "/api/v3/relations", None, 200),
    ("member", "GET", "/api/v3/time_entries", None, 200),
    ("member", "GET", "/api/v3/versions/99", None, 404),
    ("newcomer", "GET", "/api/v3/projects/research/versions", None, 404),
    ("member", "GET", "/api/v3/projects/1/work_packages", {"pageSize": "5"}, 200),
    ("member", "GET", "/api/v3/projects/5/work_packages", None, 404),
    ("member", "GET", "/api/v3/work_packages", {"filters": "[]", "pageSize": "100"}, 200),
    (
        "member",
        "GET",
        "/api/v3/work_packages",
        {"filters": '[{"status":{"operator":"~","values":[]}}]'},
        400,
    ),
    (
        "member",
        "GET",
        "/api/v3/work_packages",
        {"filters": '[{"status":{"operator":"c","values":null}}]'},
        200,
    ),
    (
        "member",
        "GET",
        "/api/v3/work_packages",
        {"filters": '[{"status":{"operator":"=","values":["999"]}}]'},
        400,
    ),
    ("member", "GET", "/api/v3/projects/1/available_assignees", None, 200),
    ("member", "GET", "/api/v3/work_packages/1", None, 200),
    ("member", "GET", "/api/v3/work_packages/2", None, 200),
    ("member", "GET", "/api/v3/work_packages/9999", None, 404),
    ("member", "GET", "/api/v3/work_packages/schemas/1-1", None, 200),
    ("member", "GET", "/api/v3/work_packages/schemas/5-1", None, 404),
    ("member", "GET", "/api/v3/work_packages/1/attachments", None, 200),
    ("member", "GET", "/api/v3/work_packages/1/activities", None, 200),
    ("member", "GET", "/api/v3/activities/1", None, 200),
    ("member", "GET", "/api/v3/work_packages/1/watchers", None, 200),
    ("member", "GET", "/api/v3/work_packages/1/available_watchers", None, 200),
    ("member", "GET", "/api/v3/work_packages/1/available_assignees", None, 200),
    ("member", "GET", "/api/v3/work_packages/1/available_projects", None, 200),
    ("member", "GET", "/api/v3/notifications", {"pageSize": "100"}, 200),
    (
        "member",
        "GET",
        "/api/v3/notifications",
        {"filters": '[{"readIAN":{"operator":"=","values":["f"]}}]'},
        200,
    ),
    ("member", "GET", "/api/v3/notifications", {"filters": "{"}, 400),
    (
        "member",
        "GET",
        "/api/v3/notifications",
        {"filters": '[{"resourceId":{"operator":"=","values":["789"]}}]'},
        400,
    ),
    ("member", "GET", "/api/v3/notifications/6", None, 200),
    ("member", "GET", "/api/v3/notifications/6/details/0", None, 200),
    ("member", "GET", "/api/v3/notifications/11", None, 404),
    (None, "GET", "/api/v3/work_packages", None, 401),
]


@pytest.mark.parametrize(
    ("login", "method", "path", "params", "status"),
    READS,
    ids=[f"{r[1]} {r[2]} {r[4]}" for r in READS],
)
def test_read_answers_match_the_spec(sandbox, openapi, login, method, path, params, status):
    headers = {"Authorization": f"Bearer {sandbox.user(login).api_token}"} if login else {}
    answer = httpx.request(method, f"{sandbox.nepenthes_url}{path}", params=params, headers=headers)
    assert answer.status_code == status, answer.text
    validate(openapi, answer)


def test_write_answers_match_the_spec(fresh_sandbox, openapi):
    api = httpx.Client(
        base_url=fresh_sandbox.nepenthes_url,
        headers={"Authorization": f"Bearer {fresh_sandbox.user('member').api_token}"},
    )
    answers = [
        (api.post("/api/v3/projects/1/work_packages/form", json={"subject": "Form"}), 200),
        (
            api.post(
                "/api/v3/work_packages/form",
                json={"subject": "", "_links": {"project": {"href": "/api/v3/projects/1"}}},
            ),
            200,
        ),
        (api.post("/api/v3/projects/1/work_packages", json={"subject": "Created"}), 201),
        (
            api.post(
                "/api/v3/work_packages",
                json={"subject": "G", "_links": {"project": {"href": "/api/v3/projects/2"}}},
            ),
            201,
        ),
        (api.post("/api/v3/projects/1/work_packages", json={"subject": ""}), 422),
        (
            api.post(
                "/api/v3/projects/1/work_packages",
                content=b"{",
                headers={"Content-Type": "application/json"},
            ),
            400,
        ),
        (api.post("/api/v3/projects/1/work_packages", content=b"{}"), 406),
        (
            api.post(
                "/api/v3/projects/1/work_packages",
                content=b"{}",
                headers={"Content-Type": "text/plain"},
            ),
            415,
        ),
        (api.post("/api/v3/notifications/1/read_ian"), 204),
        (api.post("/api/v3/notifications/1/unread_ian"), 204),
        (api.post("/api/v3/notifications/read_ian"), 204),
        (api.post("/api/v3/notifications/unread_ian"), 204),
        (
            api.post(
                "/api/v3/notifications/read_ian",
                params={"filters": '[{"resourceId":{"operator":"=","values":["789"]}}]'},
            ),
            400,
        ),
    ]
    lock = api.get("/api/v3/work_packages/3").json()["lockVersion"]
    answers += [
        (
            api.post("/api/v3/work_packages/3/form", json={"lockVersion": lock, "subject": "Form"}),
            200,
        ),
        (
            api.patch("/api/v3/work_packages/3", json={"lockVersion": lock, "subject": "Patched"}),
            200,
        ),
        (api.patch("/api/v3/work_packages/3", json={"lockVersion": lock, "subject": "Stale"}), 409),
        (api.patch("/api/v3/work_packages/3", json={"lockVersion": lock + 1, "subject": ""}), 422),
        (api.delete("/api/v3/work_packages/8"), 204),
        (api.delete("/api/v3/work_packages/8"), 404),
    ]
    uploaded = api.post(
        "/api/v3/work_packages/1/attachments",
        files={
            "metadata": (None, '{"fileName":"a.txt"}', "application/json"),
            "file": ("a.txt", b"abc", "text/plain"),
        },
    )
    answers.append((uploaded, 200))
    answers.append((api.get(f"/api/v3/attachments/{uploaded.json()['id']}"), 200))
    answers.append((api.get("/api/v3/work_packages/1/attachments"), 200))
    answers.append((api.delete(f"/api/v3/attachments/{uploaded.json()['id']}"), 204))
    answers.append((api.get(f"/api/v3/attachments/{uploaded.json()['id']}"), 404))
    comment = api.post("/api/v3/work_packages/3/activities", json={"comment": {"raw": "Hi"}})
    answers.append((comment, 201))
    answers.append(
        (
            api.patch(
                f"/api/v3/activities/{comment.json()['id']}", json={"comment": {"raw": "Ho"}}
            ),
            200,
        )
    )
    watcher = {"user": {"href": "/api/v3/users/2"}}
    answers.append((api.post("/api/v3/work_packages/3/watchers", json=watcher), 201))
    answers.append((api.get("/api/v3/work_packages/3/watchers"), 200))
    answers.append((api.delete("/api/v3/work_packages/3/watchers/2"), 204))
    for answer, status in answers:
        assert answer.status_code == status, (answer.request.url, answer.text)
        validate(openapi, answer)
