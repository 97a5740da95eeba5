"""Every answer recorded from real OpenProject servers (and every answer a real client's Pact
expects) in `../shared/reference/openproject-realworld/` read through the client's own parsers:
each parses, or gives the typed error its data deserves; none crashes.

The folder lies beside the checkout and may be absent (CI): the tests then skip and say so.
Its INDEX.md tells what each file is; most of integration_openproject's fixtures are the
`_embedded.elements` of an answer (a list, or a map keyed by id), wrapped back into a
Collection here, as its `check.py` does.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pydantic
import pytest
from support import SHARED_DIR

from nep_tui.api import errors as err
from nep_tui.api import models as m
from nep_tui.api.activity import Activity
from nep_tui.api.admin_models import AdminStorage
from nep_tui.api.auth import tokens_from_answer
from nep_tui.api.http import error_from_response

REALWORLD = Path(
    os.environ.get("NEP_TUI_REALWORLD_DIR") or SHARED_DIR / "reference" / "openproject-realworld"
)
LEAKS = (KeyError, TypeError, AttributeError, IndexError, ValueError, pydantic.ValidationError)

Factory = Callable[[m.Json], Any]

# What each `_type` is read with: the models the client parses that resource into.
BY_TYPE: dict[str, Factory] = {
    "Project": m.Project.from_hal,
    "WorkPackage": m.WorkPackage.from_hal,
    "User": m.User.from_hal,
    "Notification": m.Notification.from_hal,
    "Status": m.Status.from_hal,
    "Type": m.Type.from_hal,
    "Priority": m.Priority.from_hal,
    "Storage": m.Storage.from_hal,
    "FileLink": m.FileLink.from_hal,
    "Attachment": m.Attachment.from_hal,
    "Activity": Activity.from_hal,
    "Form": m.WorkPackageForm.from_hal,
}

# What the client reads a Pact's answer with, by the request (the bodies there rarely say).
BY_REQUEST: list[tuple[str, str, Factory, bool]] = [  # method, path pattern, factory, collection
    ("GET", r"/api/v3/notifications$", m.Notification.from_hal, True),
    ("GET", r"/api/v3/work_packages$", m.WorkPackage.from_hal, True),
    ("GET", r"/api/v3/work_packages/available_projects$", m.Project.from_hal, True),
    ("GET", r"/api/v3/work_packages/\d+/file_links$", m.FileLink.from_hal, True),
    ("POST", r"/api/v3/work_packages/\d+/file_links$", m.FileLink.from_hal, True),
    ("GET", r"/api/v3/projects/\d+/available_assignees$", m.User.from_hal, True),
    ("POST", r"/api/v3/projects/\d+/work_packages/form$", m.WorkPackageForm.from_hal, False),
    ("POST", r"/api/v3/work_packages$", m.WorkPackage.from_hal, False),
    ("GET", r"/api/v3/statuses/\d+$", m.Status.from_hal, False),
    ("GET", r"/api/v3/types/\d+$", m.Type.from_hal, False),
    ("GET", r"/api/v3/storages/\d+$", m.Storage.from_hal, False),
]

# Requests nep-tui never makes, whose answers it therefore never reads, and why.
NOT_READ = {
    r"/users/[^/]+/avatar$": "avatars: nep-tui shows names, it never asks for a user's avatar",
}

# name -> what the data deserves when it is not "parses, every element read", and why.
DESERVED: dict[str, tuple[type[err.NepError] | int, str]] = {
    "integration_openproject/php-validGetProjectAssigneesResponse.json": (
        err.MalformedResponse,
        "handwritten: a PHP nesting slip makes `elements` an object, not a list",
    ),
    "pact:testGetAvailableAssigneesOfAProjectPact": (
        err.MalformedResponse,
        "the same slip in the Pact's body: `elements` is an object",
    ),
    "pact:testGetNotificationsRequest": (1, "the element is `{'_links': 'data'}`, a placeholder"),
    "pact:79063f90:testGetNotificationsRequest": (
        1,
        "the element is `{'some': 'data'}`, a placeholder",
    ),
    "pact:testRequestRefreshOAuthToken#3": (2, "the elements are cut to their ids: no subject"),
    "pact:testGetWorkPackageFileLinksPact": (
        1,
        "the link's originData is cut to its id (no name): that link is skipped",
    ),
    "pact:testLinkWorkPackageToFilePact": (1, "the created link is cut to its id"),
    "pact:testLinkWorkPackageToMultipleFileRequestPact": (3, "each created link is cut to its id"),
}


@dataclass(frozen=True)
class Recorded:
    name: str
    status: int
    body: Any  # the JSON, or None when the answer has none
    method: str = "GET"
    path: str = ""  # the request's path, when known (Pacts)


def _responses() -> list[Recorded]:
    folder = REALWORLD / "responses"
    return [
        Recorded(str(path.relative_to(folder)), 200, json.loads(path.read_text()))
        for path in sorted(folder.rglob("*.json"))
    ]


def _pact_body(response: dict[str, Any]) -> Any:
    body = response.get("body")
    return body.get("json") if isinstance(body, dict) else None


def _pacts() -> list[Recorded]:
    cases = []
    for path in sorted((REALWORLD / "pacts").glob("*.json")):
        for interaction in json.loads(path.read_text())["interactions"]:
            request, response = interaction["request"], interaction["response"]
            cases.append(
                Recorded(
                    f"pact:{interaction['id']}",
                    response["status"],
                    _pact_body(response),
                    request["method"],
                    request["path"],
                )
            )
    return cases


def _all_recorded() -> list[Recorded]:
    if not REALWORLD.is_dir():
        return []
    return _responses() + _pacts()


RECORDED = _all_recorded()
needs_recordings = pytest.mark.skipif(
    not RECORDED,
    reason=f"no real-world recordings at {REALWORLD} (set NEP_TUI_REALWORLD_DIR to read them)",
)


def _as_collection(body: Any) -> Any:
    """A fixture that holds a collection's elements (a list, or a map keyed by id) → the
    Collection it came from; anything else as it is."""
    if isinstance(body, list):
        return {"_type": "Collection", "_embedded": {"elements": body}}
    if isinstance(body, dict) and body and all(key.isdigit() for key in body):
        return {"_type": "Collection", "_embedded": {"elements": list(body.values())}}
    if isinstance(body, dict) and {"payload", "schema"} <= body.keys():
        return {"_type": "Form", "_embedded": body}  # a Form's `_embedded`, as the app keeps it
    if isinstance(body, dict) and isinstance(body.get("work_package"), dict):
        return body["work_package"]  # a webhook: its work package is a whole GET answer
    return body


def _element_type(document: dict[str, Any]) -> str | None:
    elements = m.json_object(document, "_embedded").get("elements")
    items = elements if isinstance(elements, list) else [elements]
    found = {item.get("_type") for item in items if isinstance(item, dict)}
    return found.pop() if len(found) == 1 else None


def read(case: Recorded) -> Any:
    """The case through the client's own code: its error mapping for error statuses, the
    token parser for a token answer, else the model parser its request or `_type` names."""
    endpoint = f"{case.method} {case.path or case.name}"
    if case.status >= 400:
        request = httpx.Request(case.method, "https://op.example" + (case.path or "/"))
        answer = (
            httpx.Response(case.status, json=case.body, request=request)
            if case.body is not None
            else httpx.Response(case.status, request=request)
        )
        return error_from_response(answer, endpoint)
    if case.path == "/oauth/token":
        return tokens_from_answer(case.body, endpoint)
    for method, pattern, factory, is_collection in BY_REQUEST:
        if case.method == method and re.search(pattern, case.path):
            if is_collection:
                return m.parse_collection(factory, case.body, endpoint)
            return m.parse(factory, case.body, endpoint)
    document = _as_collection(case.body)
    if not isinstance(document, dict):
        raise AssertionError(f"{case.name}: no parser for {type(document).__name__}")
    if document.get("_type") == "Collection":
        factory = BY_TYPE[_element_type(document) or "?"]
        return m.parse_collection(factory, document, endpoint)
    if document.get("_type") == "Storage" and "hasApplicationPassword" in document:
        # The administrator's view of a storage, which the admin commands read as well.
        m.parse(AdminStorage.from_hal, document, endpoint)
    return m.parse(BY_TYPE[str(document.get("_type"))], document, endpoint)


def _never_asked(case: Recorded) -> bool:
    return any(re.search(pattern, case.path) for pattern in NOT_READ)


def _readable(case: Recorded) -> bool:
    """Not a request nep-tui never makes, and not a success without a body (204)."""
    return not _never_asked(case) and not (case.status < 300 and case.body is None)


@needs_recordings
@pytest.mark.parametrize("case", [c for c in RECORDED if _readable(c)], ids=lambda c: c.name)
def test_each_recorded_answer_parses_or_fails_typed(case):
    try:
        outcome: Any = read(case)
    except err.NepError as error:
        outcome = error
    except LEAKS as leak:
        pytest.fail(f"{case.name}: {type(leak).__name__} leaked out of the parser: {leak}")
    deserved, why = DESERVED.get(case.name, (0, "a whole answer"))
    if case.status >= 400:
        assert isinstance(outcome, err.NepError), outcome
        assert outcome.message.strip()
        return
    if isinstance(deserved, int):
        assert not isinstance(outcome, err.NepError), f"{case.name}: {outcome} ({why})"
        skipped = outcome.skipped if isinstance(outcome, m.Elements) else 0
        assert skipped == deserved, f"{case.name}: {why}"
    else:
        assert isinstance(outcome, deserved), f"{case.name}: {outcome!r} ({why})"


TYPED_BY_STATUS = {
    400: err.BadRequest,
    401: err.LoggedOut,
    403: err.PermissionDenied,
    404: err.NotFound,
    422: err.ValidationFailed,
}


@needs_recordings
@pytest.mark.parametrize("case", [c for c in RECORDED if c.status >= 400], ids=lambda c: c.name)
def test_each_recorded_error_is_typed_and_keeps_what_the_server_explained(case):
    error = read(case)
    assert isinstance(error, TYPED_BY_STATUS[case.status])
    said = m.sentences(case.body.get("message")) if isinstance(case.body, dict) else []
    if case.status in (400, 422):
        for sentence in said:
            assert sentence.rstrip(".") in error.message


RECORDED_BY_NAME = {case.name: case for case in RECORDED}


@needs_recordings
def test_the_lists_of_exceptions_name_only_recorded_answers():
    assert not set(DESERVED) - set(RECORDED_BY_NAME)
    assert all(any(re.search(p, case.path) for case in RECORDED) for p in NOT_READ)


@needs_recordings
def test_the_recorded_answers_say_what_the_models_read():
    """A few values checked by hand, so "parses" means "reads the right thing"."""
    by_name = RECORDED_BY_NAME
    projects = read(by_name["integration_openproject/openprojectAvailableProjectResponse.json"])
    assert len(projects) == 7 and projects.skipped == 0
    assert {p.parent_id for p in projects} >= {None}
    wp = read(by_name["integration_openproject/php-wpInformationResponse.json"])
    # Links with a title and no href still name what they link.
    assert (wp.type_name, wp.status_name, wp.project_name) == (
        "User story",
        "In specification",
        "Scrum project",
    )
    assert wp.type_id is None and wp.assignee_id == 3
    notes = read(by_name["integration_openproject/notificationsResponse.json"])
    assert len(notes) == 10 and notes.skipped == 0
    form = read(by_name["integration_openproject/php-validWorkPackageFormValidationResponse.json"])
    assert form.validation_errors == {}  # PHP's `[]` for an empty object
    required = read(by_name["integration_openproject/formValidationResponseRequiredType.json"])
    assert required.validation_errors["customField10"] == "CF DEV required text can't be blank."
    russian = read(by_name["node_op_client/soglasovanie.body.json"])
    assert (russian.type_name, russian.status_closed) == ("Согласование", False)
    storage = read(by_name["unattributed/mcp-live-storage-nextcloud.json"])
    assert storage.type == "Nextcloud"
