"""Logging in from the TUI: device flow approved in the sandbox's page, PKCE oob, API token."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
from support.tui import wait_for

from nep_tui.api import profiles
from nep_tui.app import NepTuiApp
from nep_tui.screens.login import LoginScreen, spaced, time_left
from nep_tui.screens.projects import ProjectsScreen
from nep_tui.widgets.qr_code import QRCode, qr_lines


def save_profile(sandbox, name: str = "work", *, client_id: bool = True) -> None:
    profiles.save_profile(
        profiles.Profile(
            name=name,
            server_url=sandbox.nepenthes_url,
            client_id=sandbox.credentials["oauth_client_id"] if client_id else None,
        ),
        make_default=True,
    )


def approve_in_browser(sandbox, user_code: str, login: str = "member") -> None:
    """What the user does in the browser: the verification form, with password."""
    user = sandbox.user(login)
    response = httpx.post(
        f"{sandbox.nepenthes_url}/oauth/device",
        data={
            "user_code": user_code,
            "login": login,
            "password": user.password,
            "decision": "approve",
        },
    )
    assert response.status_code < 400, response.text


async def test_device_flow_approved_in_the_browser_lands_in_projects(sandbox):
    save_profile(sandbox)
    app = NepTuiApp(start_at="login", profile="work")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, LoginScreen)
        await wait_for(pilot, lambda: screen.device is not None)
        assert "W D J B - M J H T" in str(screen.query_one("#device-code").render())
        assert screen.query_one(QRCode).display  # 120x40 has room for it
        approve_in_browser(sandbox, screen.device.user_code)
        await wait_for(pilot, lambda: isinstance(app.screen, ProjectsScreen), timeout=15)
        assert app.client is not None and app.profile_name == "work"
    assert profiles.load_tokens("work").kind == "oauth"


async def test_small_terminal_hides_the_qr_code_but_keeps_the_code(sandbox):
    save_profile(sandbox)
    app = NepTuiApp(start_at="login", profile="work")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.device is not None)
        await pilot.pause()
        assert not screen.query_one(QRCode).display
        assert screen.query_one("#device-code").region.width > 0


async def test_copy_code_uses_the_clipboard(sandbox):
    save_profile(sandbox)
    app = NepTuiApp(start_at="login", profile="work")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.device is not None)
        await pilot.press("c")
        assert app.clipboard == screen.device.user_code


async def test_api_token_login(sandbox, member_token):
    save_profile(sandbox, client_id=False)
    app = NepTuiApp(start_at="login", profile="work")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.query_one("#login-method").current == "login-no-oauth")
        await pilot.press("t")
        screen.query_one("#token-input").value = member_token
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ProjectsScreen), timeout=15)
    assert profiles.load_tokens("work").kind == "api_token"


async def test_wrong_api_token_says_so(sandbox):
    save_profile(sandbox, client_id=False)
    app = NepTuiApp(start_at="login", profile="work")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await pilot.press("t")
        screen.query_one("#token-input").value = "opapi-" + "0" * 64
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.query_one("#login-method").current == "login-error")
        assert isinstance(app.screen, LoginScreen)
    assert profiles.load_tokens("work") is None


async def test_pkce_fallback_when_the_server_has_no_device_grant(tmp_path):
    from nep_tui.sandbox.server import start_in_thread

    sandbox = start_in_thread(tmp_path / "sandbox", seed="demo", device_grant=False)
    try:
        save_profile(sandbox)
        app = NepTuiApp(start_at="login", profile="work")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            await wait_for(pilot, lambda: screen.pkce is not None)
            assert screen.query_one("#login-method").current == "pkce-flow"
            code = authorize_in_browser(sandbox, screen.pkce.authorization_url)
            screen.query_one("#pkce-code").value = code
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ProjectsScreen), timeout=15)
    finally:
        sandbox.stop()


def authorize_in_browser(sandbox, authorization_url: str) -> str:
    """Log in on the consent page and read the code off the oob page, as a user would."""
    query = {key: values[0] for key, values in parse_qs(urlsplit(authorization_url).query).items()}
    user = sandbox.user("member")
    with httpx.Client(follow_redirects=False) as browser:
        answer = browser.post(
            authorization_url.split("?")[0],
            data={**query, "login": "member", "password": user.password, "decision": "approve"},
        )
        assert answer.status_code in (302, 303), answer.text
        location = answer.headers["location"]
    code = parse_qs(urlsplit(location).query).get("code")
    assert code, location
    return code[0]


def test_countdown_and_code_formatting():
    assert time_left(600) == "10 minutes"
    assert time_left(61) == "2 minutes"
    assert time_left(60) == "1 minute"
    assert time_left(42.5) == "42 seconds"
    assert spaced("AB-C") == "A B - C"


def test_qr_code_has_a_quiet_zone_and_half_block_rows():
    lines = qr_lines("http://127.0.0.1:47100/oauth/device?user_code=WDJB-MJHT")
    assert len({len(line) for line in lines}) == 1
    assert lines[0].strip() == ""  # the quiet zone above
    assert all(line.startswith("  ") for line in lines)
    assert set("".join(lines)) <= set(" ▀▄█")
