"""The OAuth server inside the real sandbox: nep-tui's client from credentials.json logs in by
device flow and by PKCE + oob, and the tokens work as Bearer on the API v3."""

from __future__ import annotations

import re
import secrets
from html import unescape

import httpx
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge

pytest.importorskip("nep_tui.sandbox.server", reason="the sandbox server is not there yet")

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
OOB = "urn:ietf:wg:oauth:2.0:oob"


@pytest.fixture(scope="module")
def metadata(sandbox) -> dict:
    answer = httpx.get(sandbox.nepenthes_url + "/.well-known/oauth-authorization-server")
    assert answer.status_code == 200
    return answer.json()


def me(sandbox, access_token: str) -> httpx.Response:
    return httpx.get(
        sandbox.nepenthes_url + "/api/v3/users/me",
        headers={"Authorization": f"Bearer {access_token}"},
    )


def start_device_flow(sandbox, metadata: dict) -> dict:
    answer = httpx.post(
        metadata["device_authorization_endpoint"],
        data={"client_id": sandbox.credentials["oauth_client_id"], "scope": "api_v3"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def poll(sandbox, metadata: dict, device_code: str) -> httpx.Response:
    return httpx.post(
        metadata["token_endpoint"],
        data={
            "grant_type": DEVICE_GRANT,
            "device_code": device_code,
            "client_id": sandbox.credentials["oauth_client_id"],
        },
    )


def test_metadata_points_at_the_sandbox(sandbox, metadata):
    assert metadata["issuer"] == sandbox.nepenthes_url
    assert DEVICE_GRANT in metadata["grant_types_supported"]
    assert metadata["device_authorization_endpoint"].startswith(sandbox.nepenthes_url + "/")


def test_device_flow_token_works_as_bearer(sandbox, metadata):
    member = sandbox.user("member")
    grant = start_device_flow(sandbox, metadata)
    assert grant["user_code"] == "WDJB-MJHT"  # the session sandbox fixes it for snapshots
    assert poll(sandbox, metadata, grant["device_code"]).json()["error"] == "authorization_pending"
    page = httpx.post(
        grant["verification_uri"],
        data={
            "user_code": grant["user_code"],
            "login": member.login,
            "password": member.password,
            "decision": "approve",
        },
    )
    assert page.status_code == 200
    token = poll(sandbox, metadata, grant["device_code"])
    assert token.status_code == 200, token.text
    answer = me(sandbox, token.json()["access_token"])
    assert answer.status_code == 200 and answer.json()["login"] == "member"


def test_the_demo_approves_a_device_by_itself(sandbox, metadata):
    grant = start_device_flow(sandbox, metadata)
    sandbox.approve_device_code(grant["user_code"], "admin")
    token = poll(sandbox, metadata, grant["device_code"])
    assert token.status_code == 200, token.text
    assert me(sandbox, token.json()["access_token"]).json()["login"] == "admin"


def test_pkce_oob_then_refresh_rotates(sandbox, metadata):
    member = sandbox.user("member")
    client_id = sandbox.credentials["oauth_client_id"]
    verifier = secrets.token_urlsafe(48)
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": OOB,
        "scope": "api_v3",
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    page = httpx.get(metadata["authorization_endpoint"], params=params)
    assert page.status_code == 200
    consent = httpx.post(
        metadata["authorization_endpoint"],
        data=params | {"login": member.login, "password": member.password, "decision": "authorize"},
        follow_redirects=True,
    )
    code = unescape(
        re.search(r'<code id="authorization_code">([^<]+)</code>', consent.text).group(1)
    )

    first = httpx.post(
        metadata["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": OOB,
            "client_id": client_id,
            "code_verifier": verifier,
        },
    ).json()
    assert me(sandbox, first["access_token"]).json()["login"] == "member"

    second = httpx.post(
        metadata["token_endpoint"],
        data={
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "client_id": client_id,
        },
    ).json()
    assert me(sandbox, second["access_token"]).status_code == 200
    assert me(sandbox, first["access_token"]).status_code == 401
    reused = httpx.post(
        metadata["token_endpoint"],
        data={
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "client_id": client_id,
        },
    )
    assert reused.json()["error"] == "invalid_grant"
