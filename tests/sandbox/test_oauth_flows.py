"""The sandbox's OAuth 2 server over real HTTP: device flow (RFC 8628), PKCE + oob and loopback,
refresh rotation, revocation, metadata.

These run the OAuth module on its own small Starlette app (a users table in a temporary SQLite
file, served by uvicorn on loopback) with a clock the tests can move, so expiry is tested
without waiting. `test_sandbox_oauth_sandbox.py` checks the same server inside the real sandbox.
"""

from __future__ import annotations

import re
import secrets
import socket
import sqlite3
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from starlette.applications import Starlette

from nep_tui.sandbox.nepenthes.oauth import NATIVE_REDIRECT_URIS, OAuthServer

with warnings.catch_warnings():
    # authlib announces a future rename of its httpx integration on import.
    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.integrations.httpx_client import OAuth2Client

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
CLIENT_ID = "test-cli"
OOB = "urn:ietf:wg:oauth:2.0:oob"
USERS = {"member": (2, "member-password"), "admin": (1, "admin-password")}


class Clock:
    """Real time plus an offset the tests move forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


class TinyStore:
    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)


@dataclass
class Site:
    url: str
    oauth: OAuthServer
    clock: Clock

    def metadata(self) -> dict:
        return httpx.get(self.url + "/.well-known/oauth-authorization-server").json()


def _check_password(login: str, password: str) -> int | None:
    user = USERS.get(login)
    return user[0] if user and secrets.compare_digest(user[1], password) else None


@pytest.fixture(scope="module")
def site_factory(tmp_path_factory) -> Iterator:
    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(*, device_grant: bool = True, token_ttl: int = 7200) -> Site:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        clock = Clock()
        store = TinyStore(tmp_path_factory.mktemp("oauth") / "nepenthes.sqlite3")
        oauth = OAuthServer(
            store,
            token_ttl=token_ttl,
            device_grant=device_grant,
            fixed_user_code=None,
            public_url=lambda: url,
            check_password=_check_password,
            find_user=lambda login: USERS[login][0] if login in USERS else None,
            clock=clock,
        )
        oauth.init_schema(store.db)
        oauth.register_client(CLIENT_ID, name="Test <CLI>", redirect_uris=NATIVE_REDIRECT_URIS)
        oauth.register_client(
            "confidential-app",
            name="Web app",
            redirect_uris=["https://app.example/cb"],
            confidential=True,
            secret="s3cret",
        )
        server = uvicorn.Server(
            uvicorn.Config(Starlette(routes=oauth.routes), log_level="warning", lifespan="off")
        )
        server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "the OAuth test server did not start"
            time.sleep(0.01)
        running.append((server, thread))
        return Site(url, oauth, clock)

    yield start
    for server, thread in running:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def site(site_factory) -> Site:
    return site_factory()


# --- helpers: what a client does ------------------------------------------------------------


def device_authorization(site: Site, **extra: str) -> dict:
    answer = httpx.post(
        site.metadata()["device_authorization_endpoint"], data={"client_id": CLIENT_ID, **extra}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def poll(site: Site, device_code: str) -> httpx.Response:
    return httpx.post(
        site.metadata()["token_endpoint"],
        data={"grant_type": DEVICE_GRANT, "device_code": device_code, "client_id": CLIENT_ID},
    )


def verify_device(
    site: Site,
    user_code: str,
    *,
    login: str = "member",
    password: str = "member-password",
    decision: str = "approve",
) -> httpx.Response:
    return httpx.post(
        site.url + "/oauth/device",
        data={"user_code": user_code, "login": login, "password": password, "decision": decision},
    )


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, create_s256_code_challenge(verifier)


def authorize_params(redirect_uri: str, challenge: str | None, **extra: str) -> dict:
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": redirect_uri,
        "scope": "api_v3",
        "state": "xyz",
        **extra,
    }
    if challenge:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    return params


def hidden_fields(page: str) -> dict[str, str]:
    return {
        unescape(name): unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page)
    }


def consent(
    site: Site,
    params: dict,
    *,
    login: str = "member",
    password: str = "member-password",
    decision: str = "authorize",
) -> httpx.Response:
    """Opens the consent page like a browser and submits its form."""
    page = httpx.get(site.url + "/oauth/authorize", params=params)
    assert page.status_code == 200, page.text
    form = hidden_fields(page.text) | {"login": login, "password": password, "decision": decision}
    return httpx.post(site.url + "/oauth/authorize", data=form)


def oob_code(site: Site, params: dict) -> str:
    answer = consent(site, params)
    assert answer.status_code == 302
    page = httpx.get(answer.headers["location"])
    found = re.search(r'<code id="authorization_code">([^<]+)</code>', page.text)
    assert found, page.text
    return unescape(found.group(1))


def exchange(
    site: Site, code: str, verifier: str | None, redirect_uri: str = OOB
) -> httpx.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": CLIENT_ID,
        "redirect_uri": redirect_uri,
    }
    if verifier:
        data["code_verifier"] = verifier
    return httpx.post(site.url + "/oauth/token", data=data)


def tokens(site: Site) -> dict:
    verifier, challenge = pkce_pair()
    answer = exchange(site, oob_code(site, authorize_params(OOB, challenge)), verifier)
    assert answer.status_code == 200, answer.text
    return answer.json()


def refresh(site: Site, refresh_token: str) -> httpx.Response:
    return httpx.post(
        site.url + "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": CLIENT_ID,
        },
    )


# --- metadata ---------------------------------------------------------------------------------


def test_metadata_advertises_the_device_grant_and_validates(site):
    metadata = site.metadata()
    AuthorizationServerMetadata(metadata).validate()
    assert metadata["issuer"] == site.url
    assert metadata["device_authorization_endpoint"] == site.url + "/oauth/device_authorization"
    assert metadata["grant_types_supported"] == [
        "authorization_code",
        "refresh_token",
        DEVICE_GRANT,
    ]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["scopes_supported"] == ["api_v3"]
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["revocation_endpoint"] == site.url + "/oauth/revoke"
    assert metadata["introspection_endpoint"] == site.url + "/oauth/introspect"


def test_protected_resource_metadata_names_the_authorization_server(site):
    answer = httpx.get(site.url + "/.well-known/oauth-protected-resource").json()
    assert answer["authorization_servers"] == [site.metadata()["issuer"]]
    assert answer["scopes_supported"] == ["api_v3"]


def test_without_the_device_grant_nothing_of_it_is_left(site_factory):
    stock = site_factory(device_grant=False)
    metadata = stock.metadata()
    AuthorizationServerMetadata(metadata).validate()
    assert "device_authorization_endpoint" not in metadata
    assert DEVICE_GRANT not in metadata["grant_types_supported"]
    assert (
        httpx.post(
            stock.url + "/oauth/device_authorization", data={"client_id": CLIENT_ID}
        ).status_code
        == 404
    )
    assert httpx.get(stock.url + "/oauth/device").status_code == 404
    answer = httpx.post(
        stock.url + "/oauth/token",
        data={"grant_type": DEVICE_GRANT, "device_code": "x", "client_id": CLIENT_ID},
    )
    assert (answer.status_code, answer.json()["error"]) == (400, "unsupported_grant_type")


# --- device flow (RFC 8628) -------------------------------------------------------------------


def test_device_flow_end_to_end(site):
    grant = device_authorization(site)
    assert set(grant) == {
        "device_code",
        "user_code",
        "verification_uri",
        "verification_uri_complete",
        "expires_in",
        "interval",
    }
    assert re.fullmatch(r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}", grant["user_code"])
    assert grant["verification_uri"] == site.url + "/oauth/device"
    assert (
        grant["verification_uri_complete"]
        == f"{site.url}/oauth/device?user_code={grant['user_code']}"
    )
    assert (grant["expires_in"], grant["interval"]) == (600, 5)

    pending = poll(site, grant["device_code"])
    assert (pending.status_code, pending.json()["error"]) == (400, "authorization_pending")

    page = httpx.get(grant["verification_uri_complete"])
    assert page.status_code == 200
    assert f'name="user_code" value="{grant["user_code"]}"' in page.text
    # People type codes in lower case and without the dash.
    approved = verify_device(site, grant["user_code"].lower().replace("-", ""))
    assert approved.status_code == 200 and "connected" in approved.text

    site.clock.advance(grant["interval"])
    answer = poll(site, grant["device_code"])
    assert answer.status_code == 200, answer.text
    token = answer.json()
    assert (
        token["token_type"] == "Bearer"
        and token["expires_in"] == 7200
        and token["scope"] == "api_v3"
    )
    assert answer.headers["cache-control"] == "no-store"
    assert site.oauth.verify_access_token(token["access_token"]) == USERS["member"][0]

    # A device code gives one token, once.
    again = poll(site, grant["device_code"])
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


def test_polling_faster_than_the_interval_slows_down(site):
    grant = device_authorization(site)
    assert poll(site, grant["device_code"]).json()["error"] == "authorization_pending"
    assert poll(site, grant["device_code"]).json()["error"] == "slow_down"
    # The interval is now 5 s longer: 5 s later is still too soon, 10 s is fine.
    site.clock.advance(5)
    assert poll(site, grant["device_code"]).json()["error"] == "slow_down"
    site.clock.advance(15)
    assert poll(site, grant["device_code"]).json()["error"] == "authorization_pending"


def test_an_expired_device_code_cannot_be_approved_or_used(site):
    grant = device_authorization(site)
    site.clock.advance(grant["expires_in"] + 1)
    refused = verify_device(site, grant["user_code"])
    assert refused.status_code == 422 and "unknown, expired or already used" in refused.text
    answer = poll(site, grant["device_code"])
    assert (answer.status_code, answer.json()["error"]) == (400, "expired_token")


def test_a_denied_device_gets_access_denied(site):
    grant = device_authorization(site)
    denied = verify_device(site, grant["user_code"], decision="deny")
    assert denied.status_code == 200 and "not given access" in denied.text
    answer = poll(site, grant["device_code"])
    assert (answer.status_code, answer.json()["error"]) == (400, "access_denied")
    # A decided code cannot be decided again.
    assert verify_device(site, grant["user_code"]).status_code == 422


def test_the_verification_page_says_what_went_wrong_and_escapes_input(site):
    grant = device_authorization(site)
    wrong = verify_device(site, grant["user_code"], password="nope")
    assert wrong.status_code == 422 and "Invalid login or password." in wrong.text
    assert poll(site, grant["device_code"]).json()["error"] == "authorization_pending"
    unknown = verify_device(site, '"><script>alert(1)</script>')
    assert unknown.status_code == 422 and "unknown, expired or already used" in unknown.text
    assert "<script>" not in unknown.text and "&lt;script&gt;" in unknown.text
    prefilled = httpx.get(site.url + "/oauth/device", params={"user_code": "<b>"})
    assert "<b>" not in prefilled.text


def test_approving_from_the_demo_needs_no_page(site):
    grant = device_authorization(site)
    site.oauth.approve_device_code(grant["user_code"], "member")
    site.clock.advance(grant["interval"])
    assert poll(site, grant["device_code"]).status_code == 200


def test_device_flow_with_authlibs_client(site):
    with OAuth2Client(CLIENT_ID, scope="api_v3", token_endpoint_auth_method="none") as client:
        grant = client.request(
            "POST",
            site.metadata()["device_authorization_endpoint"],
            withhold_token=True,
            data={"client_id": CLIENT_ID, "scope": "api_v3"},
        ).json()
        verify_device(site, grant["user_code"], login="admin", password="admin-password")
        token = client.fetch_token(
            site.metadata()["token_endpoint"],
            grant_type=DEVICE_GRANT,
            device_code=grant["device_code"],
        )
    assert site.oauth.verify_access_token(token["access_token"]) == USERS["admin"][0]


def test_device_authorization_refuses_unknown_clients_and_scopes(site):
    unknown = httpx.post(site.url + "/oauth/device_authorization", data={"client_id": "nobody"})
    assert (unknown.status_code, unknown.json()["error"]) == (400, "invalid_client")
    scope = httpx.post(
        site.url + "/oauth/device_authorization", data={"client_id": CLIENT_ID, "scope": "admin"}
    )
    assert (scope.status_code, scope.json()["error"]) == (400, "invalid_scope")


# --- authorization code + PKCE ----------------------------------------------------------------


def test_pkce_with_oob_shows_the_code_and_exchanges_it(site):
    verifier, challenge = pkce_pair()
    page = httpx.get(site.url + "/oauth/authorize", params=authorize_params(OOB, challenge))
    assert page.status_code == 200
    assert "Test &lt;CLI&gt;" in page.text  # the client's name is escaped
    assert page.headers["x-frame-options"] == "DENY"
    code = oob_code(site, authorize_params(OOB, challenge))

    wrong = exchange(site, code, pkce_pair()[0])
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")
    answer = exchange(site, code, verifier)
    assert answer.status_code == 200, answer.text
    token = answer.json()
    assert {
        "access_token",
        "refresh_token",
        "expires_in",
        "token_type",
        "scope",
        "created_at",
    } <= set(token)
    assert abs(token["created_at"] - site.clock()) < 60
    assert site.oauth.verify_access_token(token["access_token"]) == USERS["member"][0]
    # Codes are single use.
    assert exchange(site, code, verifier).json()["error"] == "invalid_grant"


def test_authorization_codes_expire_after_ten_minutes(site):
    verifier, challenge = pkce_pair()
    code = oob_code(site, authorize_params(OOB, challenge))
    site.clock.advance(600)
    assert exchange(site, code, verifier).json()["error"] == "invalid_grant"


def test_pkce_is_mandatory_for_public_clients(site):
    page = httpx.get(site.url + "/oauth/authorize", params=authorize_params(OOB, None))
    assert page.status_code == 400 and "code_challenge" in page.text
    plain = authorize_params(
        "http://127.0.0.1:5000/callback",
        None,
        code_challenge="a" * 43,
        code_challenge_method="plain",
    )
    redirected = httpx.get(site.url + "/oauth/authorize", params=plain)
    assert redirected.status_code == 302
    assert parse_qs(urlsplit(redirected.headers["location"]).query)["error"] == ["invalid_request"]


def test_loopback_redirect_with_any_port_via_authlibs_client(site):
    verifier = secrets.token_urlsafe(48)
    redirect_uri = "http://127.0.0.1:53123/callback"
    with OAuth2Client(
        CLIENT_ID, redirect_uri=redirect_uri, scope="api_v3", code_challenge_method="S256"
    ) as client:
        url, state = client.create_authorization_url(
            site.url + "/oauth/authorize", code_verifier=verifier
        )
        params = {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
        answer = consent(site, params)
        assert answer.status_code == 302
        location = answer.headers["location"]
        assert location.startswith(redirect_uri + "?")
        assert parse_qs(urlsplit(location).query)["state"] == [state]
        token = client.fetch_token(
            site.url + "/oauth/token", authorization_response=location, code_verifier=verifier
        )
    assert token["token_type"] == "Bearer"
    assert site.oauth.verify_access_token(token["access_token"]) == USERS["member"][0]


def test_deny_redirects_access_denied_and_oob_shows_it(site):
    _, challenge = pkce_pair()
    loopback = consent(
        site, authorize_params("http://localhost:4000/callback", challenge), decision="deny"
    )
    assert loopback.status_code == 302
    query = parse_qs(urlsplit(loopback.headers["location"]).query)
    assert query["error"] == ["access_denied"] and query["state"] == ["xyz"]
    oob = consent(site, authorize_params(OOB, challenge), decision="deny")
    shown = httpx.get(oob.headers["location"])
    assert shown.status_code == 400 and "access_denied" in shown.text


def test_wrong_password_shows_the_form_again(site):
    _, challenge = pkce_pair()
    answer = consent(site, authorize_params(OOB, challenge), password="wrong")
    assert answer.status_code == 422 and "Invalid login or password." in answer.text
    assert hidden_fields(answer.text)["code_challenge"] == challenge


def test_bad_client_or_redirect_is_shown_not_redirected(site):
    _, challenge = pkce_pair()
    unknown = httpx.get(
        site.url + "/oauth/authorize",
        params=authorize_params(OOB, challenge) | {"client_id": "nobody"},
    )
    assert unknown.status_code == 400 and "invalid_client" in unknown.text
    foreign = httpx.get(
        site.url + "/oauth/authorize", params=authorize_params("https://evil.example/cb", challenge)
    )
    assert foreign.status_code == 400 and "invalid_request" in foreign.text
    other_path = httpx.get(
        site.url + "/oauth/authorize",
        params=authorize_params("http://127.0.0.1:5000/elsewhere", challenge),
    )
    assert other_path.status_code == 400


def test_confidential_clients_authenticate(site):
    params = {
        "response_type": "code",
        "client_id": "confidential-app",
        "redirect_uri": "https://app.example/cb",
    }
    answer = consent(site, params)
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": "https://app.example/cb",
    }
    refused = httpx.post(site.url + "/oauth/token", data=data | {"client_id": "confidential-app"})
    assert refused.json()["error"] == "invalid_client"
    token = httpx.post(site.url + "/oauth/token", data=data, auth=("confidential-app", "s3cret"))
    assert token.status_code == 200, token.text


# --- tokens -----------------------------------------------------------------------------------


def test_refresh_rotates_and_the_old_pair_dies(site):
    first = tokens(site)
    answer = refresh(site, first["refresh_token"])
    assert answer.status_code == 200, answer.text
    second = answer.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert site.oauth.verify_access_token(second["access_token"]) == USERS["member"][0]
    assert site.oauth.verify_access_token(first["access_token"]) is None
    reused = refresh(site, first["refresh_token"])
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")
    assert refresh(site, second["refresh_token"]).status_code == 200


def test_access_tokens_expire_after_the_ttl_and_refresh_still_works(site):
    token = tokens(site)
    site.clock.advance(token["expires_in"] - 1)
    assert site.oauth.verify_access_token(token["access_token"]) == USERS["member"][0]
    site.clock.advance(1)
    assert site.oauth.verify_access_token(token["access_token"]) is None
    assert refresh(site, token["refresh_token"]).status_code == 200


def test_revocation_always_answers_200_and_revokes_the_pair(site):
    token = tokens(site)
    revoke = site.url + "/oauth/revoke"
    assert (
        httpx.post(revoke, data={"token": "not-a-token", "client_id": CLIENT_ID}).status_code == 200
    )
    answer = httpx.post(
        revoke,
        data={
            "token": token["refresh_token"],
            "token_type_hint": "refresh_token",
            "client_id": CLIENT_ID,
        },
    )
    assert answer.status_code == 200
    assert site.oauth.verify_access_token(token["access_token"]) is None
    assert refresh(site, token["refresh_token"]).json()["error"] == "invalid_grant"


def test_another_clients_token_is_not_revoked(site):
    token = tokens(site)
    answer = httpx.post(
        site.url + "/oauth/revoke",
        data={"token": token["access_token"]},
        auth=("confidential-app", "s3cret"),
    )
    assert answer.status_code == 200
    assert site.oauth.verify_access_token(token["access_token"]) == USERS["member"][0]


def test_token_values_are_stored_hashed(site):
    token = tokens(site)
    dump = "\n".join(site.oauth._store.db.iterdump())
    assert token["access_token"] not in dump and token["refresh_token"] not in dump


def test_introspection_tells_a_client_about_its_own_tokens(site):
    token = tokens(site)
    introspect = site.url + "/oauth/introspect"
    answer = httpx.post(introspect, data={"token": token["access_token"], "client_id": CLIENT_ID})
    assert answer.status_code == 200
    found = answer.json()
    assert (
        found["active"] is True and found["client_id"] == CLIENT_ID and found["scope"] == "api_v3"
    )
    assert found["exp"] - found["iat"] == token["expires_in"]
    foreign = httpx.post(
        introspect, data={"token": token["access_token"]}, auth=("confidential-app", "s3cret")
    )
    assert foreign.json() == {"active": False}
    site.clock.advance(token["expires_in"])
    expired = httpx.post(introspect, data={"token": token["access_token"], "client_id": CLIENT_ID})
    assert expired.json() == {"active": False}


@pytest.mark.parametrize(
    "request_args",
    [
        {"data": {"grant_type": "authorization_code", "client_id": CLIENT_ID}},
        {"data": {"grant_type": "password", "username": "member", "password": "member-password"}},
        {"json": {"grant_type": "refresh_token", "refresh_token": "x", "client_id": CLIENT_ID}},
        {
            "content": b"\xff\xfe=%%%",
            "headers": {"content-type": "application/x-www-form-urlencoded"},
        },
        {
            "data": {"grant_type": "refresh_token", "refresh_token": "x"},
            "headers": {"authorization": "Basic !!!"},
        },
        {"data": {"grant_type": "refresh_token", "refresh_token": "x", "client_id": "nobody"}},
    ],
)
def test_bad_token_requests_get_oauth_errors_not_500(site, request_args):
    answer = httpx.post(site.url + "/oauth/token", **request_args)
    assert answer.status_code in (400, 401), answer.text
    assert answer.json()["error"] in {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unsupported_grant_type",
    }


def test_bad_authorization_requests_get_a_page_not_500(site):
    for params in (
        {},
        {"client_id": CLIENT_ID},
        {"response_type": "token", "client_id": CLIENT_ID, "redirect_uri": OOB},
        {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": OOB,
            "code_challenge": "short",
            "code_challenge_method": "S256",
        },
    ):
        answer = httpx.get(site.url + "/oauth/authorize", params=params)
        assert answer.status_code == 400, (params, answer.text)
        assert answer.headers["content-type"].startswith("text/html")
