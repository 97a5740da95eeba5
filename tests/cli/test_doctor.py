"""`nep-tui doctor` against the sandbox: every check passes for a connected member, and each
failure a person can meet shows up as a failed check with what to do."""

from __future__ import annotations

import asyncio
import socket

import httpx
from support.cli import as_user, nep

from nep_tui.api import profiles
from nep_tui.api.client import NepenthesClient
from nep_tui.api.doctor import CHECK_CONFIG_BEARER, Check, run_checks
from nep_tui.api.http import ApiTokenSource

STORAGE_AUTH = "Storage 'Nextcloud': authorization"


async def _no_wait(_seconds: float) -> None:
    await asyncio.sleep(0)


async def checks_for(url: str, token: str, **options) -> dict[str, Check]:
    async with NepenthesClient(url, ApiTokenSource(token), sleep=_no_wait) as client:
        found = await run_checks(client, **options)
    names = [check.name for check in found]
    assert len(names) == len(set(names)), f"check names repeat: {names}"
    return {check.name: check for check in found}


async def test_every_check_passes_for_a_connected_member(sandbox, member_token):
    checks = await checks_for(sandbox.nepenthes_url, member_token)
    failed = [check for check in checks.values() if not check.ok]
    assert not failed, failed
    assert list(checks) == [
        "Server reachable",
        "API v3 configuration",
        "Authenticated",
        "OAuth login",
        STORAGE_AUTH,
        "Storage 'Nextcloud': Nextcloud capabilities",
        "Storage 'Nextcloud': Authorization header",
        "Token file permissions",
    ]
    assert "Max Member (member)" in checks["Authenticated"].detail
    assert "device grant is offered" in checks["OAuth login"].detail
    assert "integration_openproject" in checks["Storage 'Nextcloud': Nextcloud capabilities"].detail


async def test_newcomer_is_told_to_connect_through_the_authorize_link(sandbox, newcomer_token):
    checks = await checks_for(sandbox.nepenthes_url, newcomer_token)
    storage = checks[STORAGE_AUTH]
    assert not storage.ok
    assert "NotConnected" in storage.detail
    assert f"{sandbox.nextcloud_url}/index.php/apps/oauth2/authorize?" in storage.hint
    # Nextcloud itself is fine: only the user's connection is missing.
    assert checks["Storage 'Nextcloud': Authorization header"].ok
    assert checks["Authenticated"].ok


async def test_nextcloud_unreachable_for_the_server_shows_as_a_storage_error(fresh_sandbox):
    fresh_sandbox.set_faults(nextcloud_unreachable=True)
    checks = await checks_for(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token)
    storage = checks[STORAGE_AUTH]
    assert not storage.ok
    assert "could not reach Nextcloud" in storage.detail
    assert "administrator" in storage.hint
    assert checks["Authenticated"].ok


async def test_a_rejected_token_fails_authentication_with_the_login_hint(sandbox):
    checks = await checks_for(sandbox.nepenthes_url, "opapi-" + "0" * 64)
    assert checks["Server reachable"].ok
    assert not checks["Authenticated"].ok
    assert "nep-tui login" in checks["Authenticated"].hint
    assert STORAGE_AUTH not in checks  # storages need a user


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_an_unreachable_server_stops_after_saying_so():
    checks = await checks_for(f"http://127.0.0.1:{_closed_port()}", "opapi-" + "0" * 64)
    assert list(checks) == ["Server reachable", "Token file permissions"]
    assert not checks["Server reachable"].ok
    assert "could not be reached" in checks["Server reachable"].detail


async def test_a_token_file_others_may_read_is_reported(sandbox, member_token, isolated_config):
    profiles.save_tokens(
        "default", profiles.StoredTokens(kind="api_token", access_token=member_token)
    )
    token_file = next((isolated_config / profiles.TOKENS_DIR).glob("*.json"))
    token_file.chmod(0o644)
    check = (await checks_for(sandbox.nepenthes_url, member_token))["Token file permissions"]
    assert not check.ok
    assert "chmod 600" in check.detail


def _nextcloud_stripping_authorization(request: httpx.Request) -> httpx.Response:
    """A Nextcloud behind a web server that drops the Authorization header (no sandbox fault
    can do this: the sandbox is the web server)."""
    if request.url.path.endswith("/cloud/capabilities"):
        return httpx.Response(
            200,
            json={
                "ocs": {
                    "meta": {"status": "ok"},
                    "data": {
                        "version": {"major": 30, "string": "30.0.4"},
                        "capabilities": {"integration_openproject": {"app_version": "2.8.1"}},
                    },
                }
            },
        )
    assert request.headers["Authorization"] == CHECK_CONFIG_BEARER
    return httpx.Response(200, json={"user_id": "", "authorization_header": ""})


async def test_a_stripped_authorization_header_is_named(sandbox, member_token):
    checks = await checks_for(
        sandbox.nepenthes_url,
        member_token,
        nextcloud_transport=httpx.MockTransport(_nextcloud_stripping_authorization),
    )
    header = checks["Storage 'Nextcloud': Authorization header"]
    assert not header.ok
    assert "strips" in header.detail
    assert checks["Storage 'Nextcloud': Nextcloud capabilities"].ok


def _old_nextcloud(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "ocs": {
                "meta": {"status": "ok"},
                "data": {"version": {"major": 21, "string": "21.0.9"}, "capabilities": {}},
            }
        },
    )


async def test_a_too_old_nextcloud_is_named(sandbox, member_token):
    checks = await checks_for(
        sandbox.nepenthes_url, member_token, nextcloud_transport=httpx.MockTransport(_old_nextcloud)
    )
    capabilities = checks["Storage 'Nextcloud': Nextcloud capabilities"]
    assert not capabilities.ok
    assert "21.0.9 is too old" in capabilities.detail


def test_cli_json_lists_every_check_and_exits_zero(sandbox):
    run = nep(*as_user(sandbox), "--json", "doctor")
    assert run.exit_code == 0, run.stderr
    assert {tuple(sorted(entry)) for entry in run.json} == {("detail", "hint", "name", "ok")}
    assert all(entry["ok"] for entry in run.json)


def test_cli_text_shows_the_failure_and_what_to_do(sandbox):
    run = nep(*as_user(sandbox, "newcomer"), "doctor")
    assert run.exit_code == 1
    failed = [line for line in run.stdout.splitlines() if line.startswith("FAIL")]
    assert failed == [
        f"FAIL  {STORAGE_AUTH}: Nextcloud (Nextcloud): you are not connected yet (NotConnected)."
    ]
    assert "what to do: Open the authorize link" in run.stdout
    assert "pass  Authenticated: Logged in as Nora Newcomer (newcomer)." in run.stdout


def test_cli_without_a_login_still_reports_and_says_how_to_log_in():
    run = nep("--json", "doctor")
    assert run.exit_code == 1
    by_name = {entry["name"]: entry for entry in run.json}
    assert not by_name["Logged in"]["ok"]
    assert "nep-tui login" in by_name["Logged in"]["hint"]
    assert by_name["Token file permissions"]["ok"]


def _nextcloud_refusing_connections(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


async def test_a_nextcloud_unreachable_from_here_is_named_with_why_it_matters(
    sandbox, member_token
):
    checks = await checks_for(
        sandbox.nepenthes_url,
        member_token,
        nextcloud_transport=httpx.MockTransport(_nextcloud_refusing_connections),
    )
    unreachable = checks["Storage 'Nextcloud': Nextcloud reachable from here"]
    assert not unreachable.ok
    assert "could not be reached" in unreachable.detail
    assert "Uploads and downloads go straight from this machine" in unreachable.hint
    assert checks[STORAGE_AUTH].ok  # the server itself still reaches it
