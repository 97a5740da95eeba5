"""The server's own explanation reaches the user whatever shape its `message` has: a string, a
list of sentences (query errors), or the single errors a `MultipleErrors` embeds."""

from __future__ import annotations

import json

import httpx
import pytest

from nep_tui.api import errors as err
from nep_tui.api import models as m
from nep_tui.api.http import error_from_response

URN = "urn:openproject-org:api:v3:errors:"
# The real answer integration_openproject expects for a bulk "mark read" of a work package that
# does not exist (its Pact, `a POST request to mark notifications as read`).
INVALID_QUERY = {
    "_type": "Error",
    "errorIdentifier": URN + "InvalidQuery",
    "message": ["Filters Resource filter has invalid values."],
}


def answer(status: int, body: object) -> httpx.Response:
    request = httpx.Request("GET", "https://op.example/api/v3/work_packages")
    return httpx.Response(status, json=body, request=request)


def test_a_query_error_with_a_list_message_shows_the_servers_sentence():
    error = error_from_response(answer(400, INVALID_QUERY), "GET /api/v3/work_packages")
    assert isinstance(error, err.BadRequest)
    assert error.message == (
        "The server did not accept the query: Filters Resource filter has invalid values."
    )
    assert "bug in nep-tui" not in error.hint


def test_every_sentence_of_a_list_is_kept_in_order():
    body = {**INVALID_QUERY, "message": ["Status is unknown", " Subject  is invalid.", 7, None]}
    error = error_from_response(answer(400, body), "GET /api/v3/work_packages")
    assert error.message.endswith(": Status is unknown. Subject is invalid.")


def test_a_string_message_still_reads_as_before():
    body = {"_type": "Error", "errorIdentifier": URN + "BadRequest", "message": "Bad page size"}
    error = error_from_response(answer(400, body), "GET /api/v3/projects")
    assert error.message == "The server did not accept the request: Bad page size."


def test_multiple_errors_of_a_bad_request_are_all_shown_once():
    body = {
        "_type": "Error",
        "errorIdentifier": URN + "MultipleErrors",
        "message": "Multiple field constraints have been violated.",
        "_embedded": {
            "errors": [
                {"_type": "Error", "message": ["Filters Status is invalid."]},
                {"_type": "Error", "message": "Filters Type is invalid."},
                {"_type": "Error", "message": "Filters Type is invalid."},
                "not an error object",
            ]
        },
    }
    error = error_from_response(answer(400, body), "GET /api/v3/work_packages")
    assert error.message == (
        "The server did not accept the request: Multiple field constraints have been violated. "
        "Filters Status is invalid. Filters Type is invalid."
    )


def test_validation_errors_with_list_messages_name_each_field():
    body = {
        "_type": "Error",
        "errorIdentifier": URN + "MultipleErrors",
        "message": "Multiple field constraints have been violated.",
        "_embedded": {
            "errors": [
                {
                    "message": ["Subject can't be blank."],
                    "_embedded": {"details": {"attribute": "subject"}},
                },
                {"message": ["Due date is too early.", "Due date is not a date."]},
                {"message": {"unexpected": "shape"}, "_embedded": {"details": {"attribute": 3}}},
            ]
        },
    }
    error = error_from_response(answer(422, body), "POST /api/v3/work_packages")
    assert isinstance(error, err.ValidationFailed)
    assert error.details == {
        "subject": "Subject can't be blank.",
        "base": "Due date is too early. Due date is not a date. is invalid",
    }
    assert error.message.startswith("The server rejected the data: Subject can't be blank")


@pytest.mark.parametrize("message", [None, 42, {"text": "x"}, [], [None], "   "])
def test_a_message_of_no_use_falls_back_to_nep_tuis_own_words(message):
    body = {"_type": "Error", "errorIdentifier": URN + "InvalidQuery", "message": message}
    error = error_from_response(answer(400, body), "GET /api/v3/projects")
    assert error.message == "The server did not accept the query."


def test_a_conflict_keeps_the_servers_list_of_sentences():
    body = {"_type": "Error", "errorIdentifier": URN + "Conflict", "message": ["Already linked"]}
    error = error_from_response(answer(409, body), "POST /api/v3/work_packages/1/file_links")
    assert isinstance(error, err.Conflict)
    assert error.message == "Already linked."


def test_a_forms_validation_error_with_a_list_message_is_read():
    form = {
        "_type": "Form",
        "_embedded": {
            "payload": {},
            "validationErrors": {
                "subject": {"_type": "Error", "message": ["Subject can't be blank."]},
                "type": {"_type": "Error", "message": None},
            },
        },
        "_links": {},
    }
    parsed = m.parse(m.WorkPackageForm.from_hal, form, "POST /api/v3/work_packages/form")
    assert parsed.validation_errors == {"subject": "Subject can't be blank.", "type": "invalid"}


async def test_the_real_invalid_query_answer_reaches_the_user_through_http(
    through_proxy, fault_proxy
):
    fault_proxy.add(
        "status",
        method="POST",
        path=r"/read_ian$",
        status=400,
        body=json.dumps(INVALID_QUERY).encode(),
        type="application/hal+json; charset=utf-8",
    )
    with pytest.raises(err.BadRequest) as caught:
        await through_proxy.mark_all_notifications_read()
    assert "Filters Resource filter has invalid values." in caught.value.message


async def test_the_sandboxs_own_query_error_is_shown_in_its_words(sandbox):
    from nep_tui.api.client import NepenthesClient
    from nep_tui.api.http import ApiTokenSource

    token = sandbox.user("member").api_token
    filters = json.dumps([{"no_such_filter": {"operator": "=", "values": ["1"]}}])
    async with httpx.AsyncClient(auth=("apikey", token)) as raw:
        answer = await raw.get(
            f"{sandbox.nepenthes_url}/api/v3/projects", params={"filters": filters}
        )
    said = m.sentences(answer.json()["message"])  # a string or a list, as the server sends it
    assert answer.status_code == 400 and said
    client = NepenthesClient(sandbox.nepenthes_url, ApiTokenSource(token))
    async with client:
        with pytest.raises(err.BadRequest) as caught:
            await client.http.json("GET", "/api/v3/projects", params={"filters": filters})
    assert caught.value.message == "The server did not accept the query: " + " ".join(said)
