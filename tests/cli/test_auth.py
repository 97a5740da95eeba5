"""`nep-tui login` (API token, device grant, PKCE + oob), `whoami`, `logout`, and the QR code."""

from __future__ import annotations

import os
import re
import stat
import threading
from html import unescape
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import segno
from support.cli import nep

import nep_tui.cli.auth as cli_auth
from nep_tui.cli.qr import DARK_ON_LIGHT, QUIET_ZONE, RESET, qr_lines


def token_file(config_dir, profile: str = "default"):
    return config_dir / "tokens" / f"{profile}.json"


def test_login_with_an_api_token_then_whoami_and_logout(sandbox, isolated_config):
    token = sandbox.user("member").api_token
    run = nep("--json", "login", sandbox.nepenthes_url, "--token", token)
    assert run.exit_code == 0, run.stderr
    assert run.json["user"]["login"] == "member"
    assert run.json["auth"] == "api_token"
    assert stat.S_IMODE(token_file(isolated_config).stat().st_mode) == 0o600

    who = nep("--json", "whoami")
    assert who.exit_code == 0
    assert who.json["default"] == "default"
    assert who.json["profiles"] == [
        {
            "name": "default",
            "server": sandbox.nepenthes_url,
            "user": "member",
            "auth": "api_token",
            "default": True,
        }
    ]
    assert who.json["warnings"] == []

    # The stored login is used when no --server/--token is given.
    projects = nep("--json", "projects", "list")
    assert projects.exit_code == 0 and projects.json

    human = nep("whoami")
    assert "member" in human.stdout and sandbox.nepenthes_url in human.stdout

    out = nep("logout")
    assert out.exit_code == 0
    assert "API token itself stays valid" in out.stderr
    assert not token_file(isolated_config).exists()
    assert nep("whoami").exit_code == 3
    assert nep("projects", "list").exit_code == 3

    for result in (run, who, projects, human, out):
        assert token not in result.stdout + result.stderr


def test_login_with_a_wrong_token_stores_nothing(sandbox, isolated_config):
    run = nep("login", sandbox.nepenthes_url, "--token", "opapi-" + "f" * 64)
    assert run.exit_code == 3
    assert "f" * 64 not in run.stderr
    assert not token_file(isolated_config).exists()


def test_whoami_warns_about_a_readable_token_file(sandbox, isolated_config):
    assert (
        nep(
            "login",
            sandbox.nepenthes_url,
            "--token",
            sandbox.user("member").api_token,
            "--profile",
            "work",
        ).exit_code
        == 0
    )
    token_file(isolated_config, "work").chmod(0o644)
    who = nep("--json", "whoami")
    assert who.exit_code == 0
    assert who.json["warnings"] and "chmod 600" in who.json["warnings"][0]
    assert "warning:" in who.stderr


def test_login_without_a_client_id_says_how_to_get_one(sandbox):
    run = nep("login", sandbox.nepenthes_url, "--no-browser")
    assert run.exit_code == 3
    assert "--client-id" in run.stderr


def test_device_login_shows_the_code_and_polls_until_approved(
    fresh_sandbox, isolated_config, monkeypatch
):
    shown: list[str] = []

    def approve_when_the_code_is_shown(message: str) -> None:
        shown.append(message)
        if message.startswith("Code: "):
            fresh_sandbox.approve_device_code(message.removeprefix("Code: "), "member")

    monkeypatch.setattr(cli_auth, "info", approve_when_the_code_is_shown)
    run = nep(
        "--json",
        "login",
        fresh_sandbox.nepenthes_url,
        "--no-browser",
        "--client-id",
        fresh_sandbox.credentials["oauth_client_id"],
    )
    assert run.exit_code == 0, run.stderr
    assert run.json["user"]["login"] == "member" and run.json["auth"] == "oauth"
    assert any(fresh_sandbox.nepenthes_url in line for line in shown)
    assert stat.S_IMODE(token_file(isolated_config).stat().st_mode) == 0o600

    assert nep("--json", "wp", "show", "1").json["id"] == 1

    out = nep("--json", "logout")
    assert out.exit_code == 0 and out.json["revoked"] is True
    assert nep("projects", "list").exit_code == 3


def consent_code(sandbox, authorization_url: str, login: str = "member") -> str:
    """What a person does in the browser: log in, authorize, read the code shown."""
    user = sandbox.user(login)
    endpoint = authorization_url.split("?", 1)[0]
    params = {key: values[0] for key, values in parse_qs(urlsplit(authorization_url).query).items()}
    page = httpx.post(
        endpoint,
        data=params | {"login": user.login, "password": user.password, "decision": "authorize"},
        follow_redirects=True,
    )
    return unescape(re.search(r'<code id="authorization_code">([^<]+)</code>', page.text).group(1))


@pytest.fixture
def sandbox_without_device_grant(tmp_path):
    from nep_tui.sandbox.server import start_in_thread

    running = start_in_thread(tmp_path / "sandbox", seed="demo", device_grant=False)
    yield running
    running.stop()


def test_pkce_login_with_a_pasted_code(sandbox_without_device_grant, isolated_config, monkeypatch):
    sandbox = sandbox_without_device_grant
    links: list[str] = []
    monkeypatch.setattr(cli_auth, "show_link", lambda label, url: links.append(url))
    monkeypatch.setattr(
        cli_auth.click, "prompt", lambda *args, **kwargs: consent_code(sandbox, links[-1])
    )
    run = nep(
        "--json",
        "login",
        sandbox.nepenthes_url,
        "--no-browser",
        "--client-id",
        sandbox.credentials["oauth_client_id"],
        "--profile",
        "lab",
    )
    assert run.exit_code == 0, run.stderr
    assert run.json == {
        "profile": "lab",
        "server": sandbox.nepenthes_url,
        "user": run.json["user"],
        "auth": "oauth",
    }
    assert "redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob" in links[0]
    assert "code_challenge_method=S256" in links[0]
    assert nep("--profile", "lab", "--json", "wp", "show", "1").json["id"] == 1


def test_pkce_login_with_a_wrong_code_fails_cleanly(sandbox_without_device_grant, monkeypatch):
    sandbox = sandbox_without_device_grant
    monkeypatch.setattr(cli_auth, "show_link", lambda label, url: None)
    monkeypatch.setattr(cli_auth.click, "prompt", lambda *args, **kwargs: "not-a-code")
    run = nep(
        "login",
        sandbox.nepenthes_url,
        "--no-browser",
        "--client-id",
        sandbox.credentials["oauth_client_id"],
    )
    assert run.exit_code == 3
    assert run.stderr.startswith("error: ") and "Traceback" not in run.stderr


@pytest.mark.parametrize("color", [True, False])
def test_qr_code_is_the_segno_matrix_in_half_blocks(color):
    data = "http://127.0.0.1:47100/oauth/device?user_code=WDJB-MJHT"
    matrix = [
        [bool(m) for m in row]
        for row in segno.make(data, error="l", micro=False).matrix_iter(border=QUIET_ZONE)
    ]
    lines = qr_lines(data, color=color)
    assert len(lines) == (len(matrix) + 1) // 2
    rows: list[list[bool]] = []
    for line in lines:
        if color:
            assert line.startswith(DARK_ON_LIGHT) and line.endswith(RESET)
            line = line[len(DARK_ON_LIGHT) : -len(RESET)]
        assert len(line) == len(matrix[0])
        decoded = [[char in "▀█" for char in line], [char in "▄█" for char in line]]
        if not color:  # without colours the light modules are the ones drawn
            decoded = [[not module for module in row] for row in decoded]
        rows.extend(decoded)
    assert rows[: len(matrix)] == matrix


def test_pkce_login_through_the_browser_and_a_loopback_redirect(
    sandbox_without_device_grant, monkeypatch
):
    sandbox = sandbox_without_device_grant
    opened: list[str] = []

    def browser(url: str) -> bool:
        # The person logs in and authorizes; the server redirects to nep-tui's listener.
        opened.append(url)
        user = sandbox.user("member")
        endpoint, _, query = url.partition("?")
        params = {key: values[0] for key, values in parse_qs(query).items()}
        threading.Thread(
            target=httpx.post,
            args=(endpoint,),
            kwargs={
                "data": params
                | {"login": user.login, "password": user.password, "decision": "authorize"},
                "follow_redirects": True,
            },
        ).start()
        return True

    monkeypatch.setattr(cli_auth, "has_local_browser", lambda: True)
    monkeypatch.setattr(cli_auth.webbrowser, "open", browser)
    run = nep(
        "--json",
        "login",
        sandbox.nepenthes_url,
        "--client-id",
        sandbox.credentials["oauth_client_id"],
    )
    assert run.exit_code == 0, run.stderr
    assert run.json["user"]["login"] == "member"
    assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A" in opened[0]


def test_plain_nep_tui_opens_the_tui_with_the_command_line_login(monkeypatch):
    calls: list[tuple] = []

    def run_app(start_url=None, profile=None):
        calls.append(
            (start_url, profile, os.environ.get("NEP_TUI_SERVER"), os.environ.get("NEP_TUI_TOKEN"))
        )
        return 0

    monkeypatch.setattr("nep_tui.app.run_app", run_app)
    monkeypatch.delenv("NEP_TUI_SERVER", raising=False)
    monkeypatch.delenv("NEP_TUI_TOKEN", raising=False)
    assert nep("--server", "http://127.0.0.1:1", "--token", "t").exit_code == 0
    assert calls == [(None, None, "http://127.0.0.1:1", "t")]
