"""Faults no real server can produce on demand (TLS failure, connection reset, 503 with
Retry-After, broken JSON) through a mock transport, plus header hygiene."""

from __future__ import annotations

import ssl

import httpx
import pytest
import respx

from nep_tui.api import errors as err
from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource

SERVER = "https://pm.example"
TOKEN = "opapi-" + "cd" * 32


class RecordingSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleeps() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def client(sleeps):
    return NepenthesClient(SERVER, ApiTokenSource(TOKEN), sleep=sleeps)


def assert_no_token(error: BaseException) -> None:
    for text in (
        str(error),
        repr(error),
        getattr(error, "message", ""),
        getattr(error, "hint", ""),
    ):
        assert TOKEN not in text and TOKEN[6:20] not in text
    assert error.__cause__ is None or TOKEN not in repr(error.__cause__)


@respx.mock
async def test_tls_failure_says_how_to_trust_a_private_ca(client):
    respx.get(f"{SERVER}/api/v3/users/me").mock(
        side_effect=httpx.ConnectError(
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate"
        )
    )
    with pytest.raises(err.TLSVerificationFailed) as caught:
        await client.me()
    assert "--ca-bundle" in caught.value.hint and "SSL_CERT_FILE" in caught.value.hint
    assert "pm.example" in caught.value.message
    assert_no_token(caught.value)


@respx.mock
async def test_connection_reset_is_retried_for_reads_then_reported(client, sleeps):
    route = respx.get(f"{SERVER}/api/v3/users/me").mock(
        side_effect=httpx.ReadError("Connection reset by peer")
    )
    with pytest.raises(err.NetworkUnreachable) as caught:
        await client.me()
    assert route.call_count == 4 and sleeps.delays == [0.25, 0.5, 1.0]
    assert_no_token(caught.value)


@respx.mock
async def test_writes_are_never_retried_blindly(client, sleeps):
    route = respx.post(f"{SERVER}/api/v3/notifications/3/read_ian").mock(
        side_effect=httpx.ReadError("Connection reset by peer")
    )
    # The answer was lost: the notification's state tells whether it was marked.
    respx.get(f"{SERVER}/api/v3/notifications/3").mock(
        return_value=httpx.Response(200, json={"id": 3, "readIAN": False, "reason": "mentioned"})
    )
    with pytest.raises(err.AnswerLost) as caught:
        await client.mark_notification_read(3)
    assert route.call_count == 1 and sleeps.delays == []
    assert "still unread" in caught.value.message
    route_503 = respx.delete(f"{SERVER}/api/v3/file_links/4").mock(
        return_value=httpx.Response(503, headers={"Retry-After": "1"})
    )
    with pytest.raises(err.ServerError):
        await client.delete_file_link(4)
    assert route_503.call_count == 1


@respx.mock
async def test_503_with_retry_after_is_honoured_when_short_and_reported_when_long(client, sleeps):
    user = {"_type": "User", "id": 1, "name": "Ann", "login": "ann"}
    route = respx.get(f"{SERVER}/api/v3/users/me").mock(
        side_effect=[
            httpx.Response(503, headers={"Retry-After": "2"}),
            httpx.Response(200, json=user),
            httpx.Response(503, headers={"Retry-After": "2"}),
            httpx.Response(429, headers={"Retry-After": "3600"}),
        ]
    )
    assert (await client.me()).login == "ann"
    with pytest.raises(err.ServerError) as caught:
        await client.me()
    assert route.call_count == 4 and sleeps.delays == [2.0, 2.0]
    assert caught.value.retry_after == 3600 and "1 h" in caught.value.message


@respx.mock
async def test_persistent_502_becomes_a_server_error(client, sleeps):
    respx.get(f"{SERVER}/api/v3/statuses").mock(return_value=httpx.Response(502))
    with pytest.raises(err.ServerError) as caught:
        await client.statuses()
    assert caught.value.status_code == 502 and len(sleeps.delays) == 3


@respx.mock
async def test_malformed_json_names_the_endpoint(client):
    respx.get(f"{SERVER}/api/v3/projects/demo").mock(
        return_value=httpx.Response(200, content=b"<html>proxy login</html>")
    )
    with pytest.raises(err.MalformedResponse) as caught:
        await client.project("demo")
    assert caught.value.endpoint == "GET /api/v3/projects/demo"


@respx.mock
async def test_error_urns_are_compared_case_insensitively(client):
    respx.patch(f"{SERVER}/api/v3/x").mock(
        return_value=httpx.Response(
            409,
            json={
                "_type": "Error",
                "errorIdentifier": "URN:OPENPROJECT-ORG:API:V3:ERRORS:UPDATECONFLICT",
                "message": "Stale",
            },
        )
    )
    with pytest.raises(err.UpdateConflict):
        await client.http.request("PATCH", "/api/v3/x", json={})


@respx.mock
async def test_requests_carry_identity_headers_and_basic_apikey(client):
    route = respx.get(f"{SERVER}/api/v3/users/me").mock(
        return_value=httpx.Response(200, json={"id": 1, "name": "Ann"})
    )
    await client.me()
    sent = route.calls.last.request
    assert sent.headers["User-Agent"].startswith("nep-tui/")
    assert sent.headers["Accept"] == "application/hal+json"
    assert sent.headers["Authorization"].startswith("Basic ")
    auth = httpx.BasicAuth("apikey", TOKEN)
    assert sent.headers["Authorization"] == auth._auth_header


@respx.mock
async def test_authorization_never_follows_a_redirect_to_another_host(client, tmp_path):
    respx.get(f"{SERVER}/api/v3/attachments/5").mock(
        return_value=httpx.Response(
            200,
            json={
                "id": 5,
                "fileName": "a.txt",
                "_links": {"downloadLocation": {"href": "/api/v3/attachments/5/content"}},
            },
        )
    )
    respx.get(f"{SERVER}/api/v3/attachments/5/content").mock(
        return_value=httpx.Response(302, headers={"Location": "https://bucket.example/a.txt?sig=1"})
    )
    foreign = respx.get("https://bucket.example/a.txt").mock(
        return_value=httpx.Response(200, content=b"hello")
    )
    path = await client.download_attachment(5, tmp_path)
    assert path.read_bytes() == b"hello"
    assert "Authorization" not in foreign.calls.last.request.headers


@respx.mock
async def test_absolute_urls_to_other_hosts_go_without_authorization(client):
    other = respx.get("https://nc.example/x").mock(return_value=httpx.Response(200, json={}))
    own = respx.get(f"{SERVER}/api/v3/x").mock(return_value=httpx.Response(200, json={}))
    await client.http.request("GET", "https://nc.example/x")
    await client.http.request("GET", f"{SERVER}/api/v3/x")
    assert "Authorization" not in other.calls.last.request.headers
    assert "Authorization" in own.calls.last.request.headers


@respx.mock
async def test_redirect_location_is_read_not_followed(client):
    respx.get(f"{SERVER}/api/v3/file_links/9/open").mock(
        return_value=httpx.Response(
            303, headers={"Location": "https://nc.example/index.php/f/9?openfile=1"}
        )
    )
    nc = respx.get("https://nc.example/index.php/f/9").mock(return_value=httpx.Response(200))
    assert await client.file_link_open_url(9) == "https://nc.example/index.php/f/9?openfile=1"
    assert nc.call_count == 0


@respx.mock
async def test_a_missing_redirect_is_malformed(client):
    respx.get(f"{SERVER}/api/v3/file_links/9/download").mock(return_value=httpx.Response(200))
    with pytest.raises(err.MalformedResponse):
        await client.file_link_download_url(9)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, {}, err.LoggedOut),
        (
            403,
            {"errorIdentifier": "urn:openproject-org:api:v3:errors:MissingPermission"},
            err.PermissionDenied,
        ),
        (404, {}, err.NotFound),
        (409, {}, err.Conflict),
        (413, {"upload_limit": 1024}, err.TooLarge),
        (
            422,
            {
                "errorIdentifier": "urn:openproject-org:api:v3:errors:PropertyConstraintViolation",
                "message": "Subject can't be blank.",
                "_embedded": {"details": {"attribute": "subject"}},
            },
            err.ValidationFailed,
        ),
        (
            400,
            {"errorIdentifier": "urn:openproject-org:api:v3:errors:InvalidQuery"},
            err.BadRequest,
        ),
        (
            500,
            {"errorIdentifier": "urn:openproject-org:api:v3:errors:OutboundRequest:Forbidden"},
            err.NextcloudUnreachable,
        ),
        (500, {}, err.ServerError),
        (507, {}, err.QuotaExceeded),
    ],
)
async def test_status_mapping(status, body, expected, sleeps):
    transport = httpx.MockTransport(lambda request: httpx.Response(status, json=body))
    client = NepenthesClient(SERVER, ApiTokenSource(TOKEN), transport=transport, sleep=sleeps)
    with pytest.raises(expected) as caught:
        await client.http.request("POST", "/api/v3/anything", json={})
    error = caught.value
    assert error.message.endswith(".") and error.hint
    assert_no_token(error)
    if expected is err.ValidationFailed:
        assert error.details == {"subject": "Subject can't be blank."}
    if expected is err.TooLarge:
        assert error.limit_bytes == 1024


def test_every_error_class_has_a_sentence_and_a_hint():
    classes = [
        err.NotLoggedIn,
        err.LoggedOut,
        err.PermissionDenied,
        err.NotFound,
        err.Conflict,
        err.UpdateConflict,
        err.FileNameExists,
        err.TooLarge,
        err.QuotaExceeded,
        err.NextcloudNotConnected,
        err.NextcloudUnreachable,
        err.ValidationFailed,
        err.BadRequest,
        err.ServerError,
        err.NetworkUnreachable,
        err.TLSVerificationFailed,
        err.InsecureServer,
    ]
    for cls in classes:
        error = cls()
        assert error.message and error.message[0].isupper() and error.message.endswith(".")
        assert error.hint, cls
    assert err.MalformedResponse("GET /x").endpoint == "GET /x"


def test_tls_context_uses_the_ca_bundle(tmp_path, monkeypatch):
    from nep_tui.api.http import tls_verification

    assert tls_verification(None) is True
    bad = tmp_path / "missing.pem"
    with pytest.raises((FileNotFoundError, ssl.SSLError)):
        tls_verification(str(bad))
    monkeypatch.setenv("SSL_CERT_FILE", str(bad))
    with pytest.raises((FileNotFoundError, ssl.SSLError)):
        tls_verification(None)


def test_certificates_are_read_at_the_first_tls_connection_only(monkeypatch):
    from nep_tui.api import tls

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    context = tls.default_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 0  # a plain-HTTP command never pays for them
    context.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="example.org")
    assert context.cert_store_stats()["x509_ca"] > 0


async def test_authorization_values_hide_in_reprs():
    header = await ApiTokenSource(TOKEN).authorization()
    assert repr({"Authorization": header}) == "{'Authorization': '<hidden>'}"
    assert httpx.BasicAuth("apikey", TOKEN)._auth_header == header


@respx.mock
async def test_older_servers_open_files_through_origin_open(client):
    respx.get(f"{SERVER}/api/v3/file_links/3/open").mock(
        return_value=httpx.Response(
            404,
            json={
                "_type": "Error",
                "errorIdentifier": "urn:openproject-org:api:v3:errors:NotFound",
            },
        )
    )
    respx.get(f"{SERVER}/api/v3/file_links/3").mock(
        return_value=httpx.Response(
            200,
            json={
                "id": 3,
                "originData": {"id": "12", "name": "a.txt"},
                "_links": {"originOpen": {"href": "https://nc.example/index.php/f/12"}},
            },
        )
    )
    assert await client.file_link_open_url(3) == "https://nc.example/index.php/f/12"


@respx.mock
async def test_unusable_urls_from_the_server_are_malformed_answers(client):
    respx.get(f"{SERVER}/api/v3/file_links/4/download").mock(
        return_value=httpx.Response(303, headers={"Location": "urn:openproject-org:api:v3:nothing"})
    )
    with pytest.raises(err.MalformedResponse):
        await client.file_link_download_url(4)


async def test_a_non_http_url_is_a_malformed_answer_not_a_crash(client):
    with pytest.raises(err.MalformedResponse):
        await client.http.foreign("POST", "urn:openproject-org:api:v3:storages:upload_link:x")
