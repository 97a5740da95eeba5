"""The client against a mock server generated from the official OpenAPI spec.

For every request a `NepenthesClient` method sends, the mock finds the spec operation, validates
the request with openapi-core (path, query, headers, body), and answers with the operation's
documented success response: each of its examples in turn, or one synthesized from the response
schema when the spec has none. Each answer must parse into the model or raise a `NepError`; a
KeyError, TypeError or pydantic ValidationError leaking out is a client bug.

Where the client follows the real server instead of the spec, REAL_SERVER_DEVIATIONS says which
request and why; only that request skips validation. Nextcloud URLs (direct upload/download) are
not in the spec; a small stand-in answers them as the recordings show.
"""

from __future__ import annotations

import copy
import inspect
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pydantic
import pytest

from nep_tui.api import errors as err
from nep_tui.api import models as m
from nep_tui.api.activity import WorkPackageEdit
from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource

pytestmark = pytest.mark.spec

SERVER = "https://community.openproject.org"  # one of the spec's `servers`
# The host of the spec's Nextcloud storage example: its redirects and direct links point there.
NEXTCLOUD = "https://nextcloud.deathstar.rocks"
HAL_TYPES = ("application/hal+json", "application/json")
MAX_REQUESTS_PER_CALL = 40  # a paging loop that never ends shows up as a failure, not a hang
SYNTHESIS_DEPTH = 8


@dataclass(frozen=True)
class Deviation:
    """Where the client follows the real server: the spec's complaint that is expected
    (a substring of openapi-core's error; empty = the operation is not in the spec) and why."""

    complaint: str
    reason: str
    # For operations missing from the spec: the components schema to answer with (None: bytes).
    answer_schema: str | None = None


# "METHOD /template" -> the deviation. Any other complaint about that request still fails.
REAL_SERVER_DEVIATIONS: dict[str, Deviation] = {
    "GET /api/v3/attachments/{id}/content": Deviation(
        "",
        (
            "Not among the spec's operations; the real server serves the file there (or redirects to "
            "it), and the attachment's `downloadLocation` link points at it."
        ),
    ),
    "GET /api/v3/projects/{id}": Deviation(
        "Path parameter error: id",
        (
            "The real server addresses projects by id or identifier (API::V3::Projects::ProjectsAPI "
            "finds by either); the spec types {id} as integer."
        ),
    ),
    "GET /api/v3/projects/{id}/work_packages": Deviation(
        "Path parameter error: id", ("Projects by identifier, as above.")
    ),
    "POST /api/v3/projects/{id}/work_packages": Deviation(
        "Request body validation error",
        (
            "The spec reuses the read model (required `_links.self`, `schema`, `author`, ...) as the "
            "create body; the real server takes only the writable attributes, as its form does."
        ),
    ),
    "GET /api/v3/storages/{storage_id}/files/{file_id}": Deviation(
        "",
        (
            "Not in the spec; the real server has it (Storages::FilesAPI, file info by id) and answers "
            "a StorageFile."
        ),
        answer_schema="StorageFileModel",
    ),
    "POST /api/v3/file_links": Deviation(
        "",
        (
            "Not in the spec; the real server creates links without a container there (for work "
            "packages not saved yet), visible to their creator; answered as a FileLinkCollection."
        ),
        answer_schema="FileLinkCollectionReadModel",
    ),
    "POST /api/v3/storages/{id}/folders": Deviation(
        "'parentId' is a required property",
        (
            "The real endpoint's params are `parent_id` and `name` (Storages::FoldersAPI); the spec "
            "says `parentId`."
        ),
    ),
}


# --- the spec -----------------------------------------------------------------------------------


class Spec:
    """The spec as plain data (for examples and schemas) and as openapi-core (for validation)."""

    def __init__(self, path: Path) -> None:
        from openapi_core import Config, OpenAPI

        self.data: dict[str, Any] = json.loads(path.read_text())
        self.openapi = OpenAPI.from_dict(
            copy.deepcopy(self.data), config=Config(spec_validator_cls=None)
        )

    def resolve(self, node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            target: Any = self.data
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    def operation(self, method: str, url: str) -> tuple[str, dict[str, Any]]:
        from openapi_core.templating.paths.finders import APICallPathFinder

        without_query = url.split("?", 1)[0]  # the finder matches query strings as part of the path
        found = APICallPathFinder(self.openapi.spec).find(method.lower(), without_query)
        template = found.path.parts[-1]
        return template, self.data["paths"][template][method.lower()]


class RequestAdapter:
    """An httpx request as openapi-core's Request protocol."""

    def __init__(self, request: httpx.Request) -> None:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self._request = request
        self._url = urlsplit(str(request.url))
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(self._url.query, keep_blank_values=True)),
            header=Headers(list(request.headers.multi_items())),
            cookie=ImmutableMultiDict(),
        )

    @property
    def host_url(self) -> str:
        return f"{self._url.scheme}://{self._url.netloc}"

    @property
    def path(self) -> str:
        return self._url.path

    @property
    def method(self) -> str:
        return self._request.method.lower()

    @property
    def body(self) -> bytes | None:
        return self._request.content or None

    @property
    def content_type(self) -> str:
        return self._request.headers.get("content-type", "").lower()


# --- answers: examples, or synthesized from the schema ------------------------------------------


def synthesize(spec: Spec, schema: Any, depth: int = 0) -> Any:
    """A value that fits `schema`, preferring the spec's own examples, defaults and enums."""
    schema = spec.resolve(schema)
    if not isinstance(schema, dict):
        return None
    for key in ("const", "example", "default"):
        if key in schema:
            return copy.deepcopy(schema[key])
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return copy.deepcopy(schema["examples"][0])
    if "enum" in schema:
        return schema["enum"][0]
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = synthesize(spec, part, depth + 1)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return synthesize(spec, schema[key][0], depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((item for item in kind if item != "null"), "null")
    if kind == "object" or "properties" in schema:
        if depth >= SYNTHESIS_DEPTH:
            return {}
        return {
            name: synthesize(spec, sub, depth + 1)
            for name, sub in schema.get("properties", {}).items()
        }
    if kind == "array":
        return (
            []
            if depth >= SYNTHESIS_DEPTH
            else [synthesize(spec, schema.get("items", {}), depth + 1)]
        )
    return _scalar(kind, schema.get("format"))


def _scalar(kind: str | None, fmt: str | None) -> Any:
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return {
        "date-time": "2026-01-02T03:04:05Z",
        "date": "2026-01-02",
        "duration": "PT1H",
        "uri": f"{NEXTCLOUD}/synthesized",
        "email": "someone@example.org",
    }.get(fmt or "", "text")


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # JSON body, or None for an empty one
    headers: dict[str, str] = field(default_factory=dict)
    source: str = ""  # which example, for failure messages


def success_status(operation: dict[str, Any]) -> str:
    codes = [code for code in operation.get("responses", {}) if code.isdigit() and code < "400"]
    assert codes, "the operation documents no success answer"
    return min(codes)


def error_statuses(operation: dict[str, Any]) -> list[str]:
    return sorted(
        code for code in operation.get("responses", {}) if code.isdigit() and code >= "400"
    )


def documented_answers(
    spec: Spec, operation: dict[str, Any], status: str | None = None
) -> list[Answer]:
    """The answers documented for `status` (default: the success one): one per example, else
    one synthesized from the schema."""
    status = status or success_status(operation)
    response = spec.resolve(operation["responses"][status])
    headers = {
        name: str(synthesize(spec, (spec.resolve(header) or {}).get("schema", {})))
        for name, header in (response.get("headers") or {}).items()
    }
    if int(status) in (301, 302, 303, 307):
        headers.setdefault("Location", f"{NEXTCLOUD}/index.php/f/42")
    content = response.get("content") or {}
    media = next((content[kind] for kind in HAL_TYPES if kind in content), None)
    if media is None:
        return [Answer(int(status), None, headers, "no content")]
    answers = [
        Answer(int(status), spec.resolve(example).get("value"), headers, f"example {name!r}")
        for name, example in (media.get("examples") or {}).items()
    ]
    if "example" in media:
        answers.append(Answer(int(status), media["example"], headers, "example"))
    schema = spec.resolve(media.get("schema", {}))
    source = "the schema's example" if "example" in schema else "synthesized from the schema"
    return answers or [Answer(int(status), synthesize(spec, schema), headers, source)]


# --- the mock server ----------------------------------------------------------------------------


@dataclass
class Exchange:
    template: str
    method: str
    answer: Answer
    validation_error: str | None


class SpecMock:
    """An httpx transport answering from the spec; `variant` picks which example to answer, and
    `error_status` answers that documented error instead wherever the operation has it."""

    def __init__(self, spec: Spec, variant: int = 0, error_status: str | None = None) -> None:
        self.spec = spec
        self.variant = variant
        self.error_status = error_status
        self.exchanges: list[Exchange] = []
        self.variants_seen = 1  # the most examples any operation of this call had

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if len(self.exchanges) >= MAX_REQUESTS_PER_CALL:
            raise AssertionError(f"more than {MAX_REQUESTS_PER_CALL} requests for one call")
        from openapi_core.templating.paths.exceptions import PathError

        try:
            template, operation = self.spec.operation(request.method, str(request.url))
        except PathError:
            return self._undocumented(request)
        validation_error = self._validate(request)
        deviation = REAL_SERVER_DEVIATIONS.get(f"{request.method} {template}")
        if (
            validation_error
            and deviation
            and deviation.complaint
            and deviation.complaint in validation_error
        ):
            validation_error = None
        failing = self.error_status in operation.get("responses", {})
        answers = documented_answers(self.spec, operation, self.error_status if failing else None)
        self.variants_seen = max(self.variants_seen, len(answers))
        answer = answers[min(self.variant, len(answers) - 1)]
        self.exchanges.append(Exchange(template, request.method, answer, validation_error))
        return _response(answer)

    def _validate(self, request: httpx.Request) -> str | None:
        from openapi_core.exceptions import OpenAPIError

        try:
            self.spec.openapi.validate_request(RequestAdapter(request))
        except OpenAPIError as error:
            cause = f" ({error.__cause__})" if error.__cause__ else ""
            return f"{type(error).__name__}: {error}{cause}"
        return _json_query_problem(request)

    def _undocumented(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        for template, deviation in REAL_SERVER_DEVIATIONS.items():
            method, _, pattern = template.partition(" ")
            if not deviation.complaint and method == request.method and _matches(pattern, path):
                return self._answer_undocumented(pattern, method, deviation)
        raise AssertionError(
            f"{request.method} {path} is not in the spec and not a listed deviation"
        )

    def _answer_undocumented(
        self, template: str, method: str, deviation: Deviation
    ) -> httpx.Response:
        if deviation.answer_schema is None:
            answer = Answer(200, None, {"Content-Type": "application/octet-stream"}, "file bytes")
            self.exchanges.append(Exchange(template, method, answer, None))
            return httpx.Response(200, content=b"attachment bytes", headers=answer.headers)
        schema = {"$ref": f"#/components/schemas/{deviation.answer_schema}"}
        answer = Answer(
            200, synthesize(self.spec, schema), {}, f"synthesized {deviation.answer_schema}"
        )
        self.exchanges.append(Exchange(template, method, answer, None))
        return _response(answer)


def _json_query_problem(request: httpx.Request) -> str | None:
    """The spec types `filters` and `sortBy` as plain strings; their content must be JSON arrays."""
    for name in ("filters", "sortBy"):
        for value in request.url.params.get_list(name):
            try:
                parsed = json.loads(value)
            except ValueError:
                return f"{name} is not JSON: {value!r}"
            if not isinstance(parsed, list):
                return f"{name} is not a JSON array: {value!r}"
    return None


def _matches(template: str, path: str) -> bool:
    want, have = template.strip("/").split("/"), path.strip("/").split("/")
    return len(want) == len(have) and all(
        part == actual or part.startswith("{") for part, actual in zip(want, have, strict=True)
    )


def _response(answer: Answer) -> httpx.Response:
    if answer.body is None:
        return httpx.Response(answer.status, headers=answer.headers)
    return httpx.Response(
        answer.status,
        headers={"Content-Type": "application/hal+json", **answer.headers},
        content=json.dumps(answer.body).encode(),
    )


def nextcloud(request: httpx.Request) -> httpx.Response:
    """Direct download and direct upload, in the shapes of the recordings and notes."""
    assert "authorization" not in request.headers, "the API token went to Nextcloud"
    if request.method == "POST":
        return httpx.Response(201, json={"file_name": "report.pdf", "file_id": 4711})
    return httpx.Response(200, content=b"file bytes", headers={"Content-Type": "application/pdf"})


# --- every public client method -----------------------------------------------------------------

FILE = m.StorageFile(
    id="42",
    name="report.pdf",
    mime_type="application/pdf",
    location="/report.pdf",
    created_at=datetime(2026, 1, 2, tzinfo=UTC),
)

Call = Callable[[NepenthesClient, Path], Awaitable[Any]]


async def _first_work_packages(client: NepenthesClient, _tmp: Path) -> list[m.WorkPackage]:
    found = []
    async for item in client.iter_work_packages(1, page_size=2, search="kickoff"):
        found.append(item)
        if len(found) >= 3:
            break
    return found


def _upload_source(tmp: Path) -> Path:
    source = tmp / "report.pdf"
    source.write_bytes(b"%PDF-1.4 tiny")
    return source


SEEN = m.WorkPackage(id=1, display_id="1", subject="Seen", lock_version=3)
CALLS: dict[str, list[tuple[str, Call]]] = {
    "me": [("me", lambda c, t: c.me())],
    "configuration": [("configuration", lambda c, t: c.configuration())],
    "projects": [
        ("projects", lambda c, t: c.projects()),
        ("projects-search", lambda c, t: c.projects(search="demo")),
    ],
    "project": [
        ("project-id", lambda c, t: c.project(1)),
        ("project-identifier", lambda c, t: c.project("demo")),
    ],
    "work_packages_page": [
        ("work_packages_page", lambda c, t: c.work_packages_page()),
        (
            "work_packages_page-filtered",
            lambda c, t: c.work_packages_page(
                "demo", page=2, page_size=5, search="kickoff", open_only=True, assigned_to_me=True
            ),
        ),
        ("work_packages_page-all", lambda c, t: c.work_packages_page(1, open_only=False)),
    ],
    "iter_work_packages": [("iter_work_packages", _first_work_packages)],
    "work_packages": [
        ("work_packages", lambda c, t: c.work_packages(1, limit=3, page_size=2, search="kickoff"))
    ],
    "work_package": [("work_package", lambda c, t: c.work_package(1))],
    "types": [("types", lambda c, t: c.types()), ("types-project", lambda c, t: c.types(1))],
    "statuses": [("statuses", lambda c, t: c.statuses())],
    "priorities": [("priorities", lambda c, t: c.priorities())],
    "work_package_schema": [
        ("work_package_schema", lambda c, t: c.work_package_schema(1, 1)),
        ("work_package_schema-identifier", lambda c, t: c.work_package_schema("demo", 1)),
    ],
    "work_package_form": [
        (
            "work_package_form",
            lambda c, t: c.work_package_form(
                1, type_id=1, subject="New", description="Some *text*"
            ),
        )
    ],
    "create_work_package": [
        (
            "create_work_package",
            lambda c, t: c.create_work_package(
                1, type_id=1, subject="New", description="Some *text*"
            ),
        )
    ],
    "file_links": [("file_links", lambda c, t: c.file_links(1))],
    "create_file_links": [("create_file_links", lambda c, t: c.create_file_links(1, 1, [FILE]))],
    "create_unattached_file_links": [
        ("create_unattached_file_links", lambda c, t: c.create_unattached_file_links(1, [FILE]))
    ],
    "file_link": [("file_link", lambda c, t: c.file_link(1))],
    "delete_file_link": [("delete_file_link", lambda c, t: c.delete_file_link(1))],
    "file_link_open_url": [
        ("file_link_open_url", lambda c, t: c.file_link_open_url(1)),
        ("file_link_open_url-location", lambda c, t: c.file_link_open_url(1, location=True)),
    ],
    "file_link_download_url": [
        ("file_link_download_url", lambda c, t: c.file_link_download_url(1))
    ],
    "download_file_link": [
        ("download_file_link", lambda c, t: c.download_file_link(1, t / "down"))
    ],
    "storages": [("storages", lambda c, t: c.storages())],
    "storage": [("storage", lambda c, t: c.storage(1))],
    "storage_file": [("storage_file", lambda c, t: c.storage_file(1, "42"))],
    "create_folder": [
        ("create_folder", lambda c, t: c.create_folder(1, parent_id="42", name="Minutes"))
    ],
    "project_storages": [
        ("project_storages", lambda c, t: c.project_storages()),
        ("project_storages-project", lambda c, t: c.project_storages(1)),
    ],
    "storage_files": [
        ("storage_files", lambda c, t: c.storage_files(1)),
        ("storage_files-folder", lambda c, t: c.storage_files(1, "/Demo project")),
    ],
    "storage_files_at": [
        ("storage_files_at", lambda c, t: c.storage_files_at(1, ["/Demo project/readme.md"]))
    ],
    "prepare_upload": [
        (
            "prepare_upload",
            lambda c, t: c.prepare_upload(1, project_id=1, file_name="report.pdf", parent_id="/"),
        )
    ],
    "upload_file": [
        (
            "upload_file",
            lambda c, t: c.upload_file(1, project_id=1, folder_id="/", path=_upload_source(t)),
        )
    ],
    "work_packages_of_file": [
        ("work_packages_of_file", lambda c, t: c.work_packages_of_file(1, "42"))
    ],
    "notifications": [
        ("notifications", lambda c, t: c.notifications()),
        ("notifications-unread", lambda c, t: c.notifications(unread_only=True)),
    ],
    "unread_count": [("unread_count", lambda c, t: c.unread_count())],
    "mark_notification_read": [
        ("mark_notification_read", lambda c, t: c.mark_notification_read(1))
    ],
    "activities": [("activities", lambda c, t: c.activities(1))],
    "user": [("user", lambda c, t: c.user(1))],
    "add_comment": [("add_comment", lambda c, t: c.add_comment(1, "A *comment*"))],
    "edit_comment": [("edit_comment", lambda c, t: c.edit_comment(1, "Edited"))],
    "update_form": [
        ("update_form", lambda c, t: c.update_form(SEEN, WorkPackageEdit(status_id=2)))
    ],
    "update_work_package": [
        (
            "update_work_package",
            lambda c, t: c.update_work_package(
                SEEN, WorkPackageEdit(subject="New", assignee_id=None, start_date=None)
            ),
        )
    ],
    "available_assignees": [("available_assignees", lambda c, t: c.available_assignees(1))],
    "watchers": [("watchers", lambda c, t: c.watchers(1))],
    "watch": [("watch", lambda c, t: c.watch(1, 2))],
    "unwatch": [("unwatch", lambda c, t: c.unwatch(1, 2))],
    "mark_all_notifications_read": [
        ("mark_all_notifications_read", lambda c, t: c.mark_all_notifications_read())
    ],
    "attachments": [("attachments", lambda c, t: c.attachments(1))],
    "attachment": [("attachment", lambda c, t: c.attachment(1))],
    "upload_attachment": [
        ("upload_attachment", lambda c, t: c.upload_attachment(1, _upload_source(t)))
    ],
    "download_attachment": [
        ("download_attachment", lambda c, t: c.download_attachment(1, t / "down"))
    ],
    "delete_attachment": [("delete_attachment", lambda c, t: c.delete_attachment(1))],
}

NOT_SERVER_CALLS = {
    "aclose",
    "report_reachable",
    "server_url",
    "work_package_web_url",
}  # no request


def test_every_public_client_method_is_driven():
    public = {
        name for name, _ in inspect.getmembers(NepenthesClient) if not name.startswith("_")
    } - NOT_SERVER_CALLS
    assert public == set(CALLS), (
        f"drive these too: {public - set(CALLS)}; gone: {set(CALLS) - public}"
    )


@pytest.fixture(scope="module")
def spec(openapi_spec_path) -> Spec:
    return Spec(openapi_spec_path)


LEAKS = (KeyError, TypeError, AttributeError, IndexError, ValueError, pydantic.ValidationError)


async def _run(
    spec: Spec, call: Call, variant: int, tmp: Path, error_status: str | None = None
) -> tuple[SpecMock, Any]:
    mock = SpecMock(spec, variant, error_status)
    client = NepenthesClient(
        SERVER,
        ApiTokenSource("opapi-" + "a" * 64),
        transport=httpx.MockTransport(mock),
        foreign_transport=httpx.MockTransport(nextcloud),
    )
    tmp.mkdir(parents=True, exist_ok=True)
    async with client:
        try:
            return mock, await call(client, tmp)
        except err.NepError as error:
            return mock, error


# label -> a client bug this test found; xfail(strict=True) until the client is fixed.
KNOWN_CLIENT_BUGS: dict[str, str] = {}


# label -> why the spec's answer cannot parse, so a typed error is the right outcome. Any other
# call must parse the spec's answer into its model.
UNPARSEABLE_SPEC_ANSWERS = {
    **dict.fromkeys(
        ("work_package_schema", "work_package_schema-identifier"),
        "the spec documents the 200 without any content: MalformedResponse (not JSON)",
    ),
    "add_comment": "the spec documents the 201 without any content: MalformedResponse (not JSON)",
}

WORK_PACKAGES_SHORTENED = (
    2,
    "the collection's only example lists two work packages 'shortened for brevity' (no "
    "subject, no links): both are skipped and counted, the list itself parses",
)
# label -> (how many elements of the spec's example cannot be read, why). Every other call's
# answer has none. `iter_work_packages` yields only readable ones (nothing here) and cannot
# count: the CLI lists through `work_packages`.
SKIPPED_SPEC_ELEMENTS = {
    **dict.fromkeys(
        (
            "work_packages_page",
            "work_packages_page-filtered",
            "work_packages_page-all",
            "work_packages",
            "work_packages_of_file",
        ),
        WORK_PACKAGES_SHORTENED,
    ),
    **dict.fromkeys(
        ("file_links", "create_unattached_file_links"),
        (1, "the collection example's second link is 'shortened for brevity' (no originData)"),
    ),
}


def _skipped(outcome: Any) -> int:
    return outcome.skipped if isinstance(outcome, (m.Elements, m.Page)) else 0


# (label, status) -> why the call itself handles that error of one of its requests.
HANDLED_BY_THE_CALL = {
    ("edit_comment", "404"): (
        "only the author lookup (GET /users/{id}) documents a 404: a user one may not see leaves"
        " the activity's author name empty"
    ),
}


def _call_params() -> list[Any]:
    return [
        pytest.param(
            label,
            call,
            id=label,
            marks=[pytest.mark.xfail(reason=KNOWN_CLIENT_BUGS[label], strict=True)]
            if label in KNOWN_CLIENT_BUGS
            else [],
        )
        for calls in CALLS.values()
        for label, call in calls
    ]


@pytest.mark.parametrize(("label", "call"), _call_params())
async def test_client_requests_are_valid_and_spec_examples_parse(spec, tmp_path, label, call):
    variant, variants = 0, 1
    while variant < variants:
        try:
            mock, outcome = await _run(spec, call, variant, tmp_path / str(variant))
        except LEAKS as leak:
            pytest.fail(
                f"{label}: {type(leak).__name__} leaked out of the client on the spec's "
                f"answer (variant {variant}): {leak}"
            )
        invalid = [
            f"{exchange.method} {exchange.template}: {exchange.validation_error}"
            for exchange in mock.exchanges
            if exchange.validation_error
        ]
        assert not invalid, f"{label}: requests the spec rejects:\n" + "\n".join(invalid)
        assert mock.exchanges, f"{label} sent no request"
        if isinstance(outcome, err.NepError):
            answered = ", ".join(
                f"{e.method} {e.template} [{e.answer.source}]" for e in mock.exchanges
            )
            assert label in UNPARSEABLE_SPEC_ANSWERS, (
                f"{label}: the spec's answer did not parse ({answered}): {outcome.message}"
            )
            assert outcome.message.strip(), f"{label}: an error without a message"
        else:
            assert label not in UNPARSEABLE_SPEC_ANSWERS, f"{label} parses now: {outcome!r}"
            expected, why = SKIPPED_SPEC_ELEMENTS.get(label, (0, "every element is whole"))
            assert _skipped(outcome) == expected, f"{label} (variant {variant}): {why}"
        variants = mock.variants_seen
        variant += 1


TYPED_BY_STATUS: dict[str, tuple[type[err.NepError], ...]] = {
    "400": (err.BadRequest,),
    "403": (err.PermissionDenied, err.NextcloudNotConnected),
    "404": (err.NotFound,),
    "406": (err.BadRequest,),
    "409": (err.Conflict,),
    "415": (err.BadRequest,),
    "422": (err.ValidationFailed,),
    "500": (err.ServerError, err.NextcloudUnreachable),
}


@pytest.mark.parametrize(("label", "call"), _call_params())
async def test_documented_error_answers_become_typed_errors(spec, tmp_path, label, call):
    """Each error the spec documents for the call's operations (with its example body) ends as
    a NepError (or is handled by the call), never as a leaked exception."""
    mock, _ = await _run(spec, call, 0, tmp_path / "probe")
    statuses = sorted(
        {
            status
            for exchange in mock.exchanges
            if exchange.template in spec.data["paths"]
            for status in error_statuses(
                spec.data["paths"][exchange.template][exchange.method.lower()]
            )
        }
    )
    for status in statuses:
        try:
            _mock, outcome = await _run(spec, call, 0, tmp_path / status, error_status=status)
        except LEAKS as leak:
            pytest.fail(f"{label}: {type(leak).__name__} leaked out on the spec's {status}: {leak}")
        if (label, status) in HANDLED_BY_THE_CALL:
            assert not isinstance(outcome, err.NepError), HANDLED_BY_THE_CALL[label, status]
            continue
        if isinstance(outcome, m.LinkBatchResult):  # linking reports failures per file
            assert outcome.failed and not outcome.linked
            outcome = outcome.failed[0][1]
        assert isinstance(outcome, TYPED_BY_STATUS.get(status, (err.NepError,))), (
            f"{label}: the spec's {status} became {outcome!r}"
        )
        assert outcome.message.strip()


def test_the_mock_rejects_requests_the_spec_forbids(spec):
    """The validator is live: a wrong type, a missing body field and no auth are all caught."""
    mock = SpecMock(spec)
    auth = {"Authorization": "Basic YXBpa2V5OnNlY3JldA=="}
    mock(httpx.Request("GET", f"{SERVER}/api/v3/work_packages/abc", headers=auth))
    mock(
        httpx.Request(
            "POST",
            f"{SERVER}/api/v3/storages/1/files/prepare_upload",
            headers=auth,
            json={"fileName": "a.txt"},
        )
    )
    mock(httpx.Request("GET", f"{SERVER}/api/v3/statuses"))
    mock(
        httpx.Request(
            "GET", f"{SERVER}/api/v3/projects", headers=auth, params={"filters": "status=1"}
        )
    )
    errors = [exchange.validation_error or "" for exchange in mock.exchanges]
    assert "Failed to cast value to integer type: abc" in errors[0]
    assert "InvalidRequestBody" in errors[1]
    assert "SecurityValidationError" in errors[2]
    assert "filters is not JSON" in errors[3]


def test_the_mock_answers_each_documented_example(spec):
    template, operation = spec.operation("GET", f"{SERVER}/api/v3/storages/1")
    assert template == "/api/v3/storages/{id}"
    sources = [answer.source for answer in documented_answers(spec, operation)]
    assert len(sources) > 1 and all(source.startswith("example") for source in sources)
