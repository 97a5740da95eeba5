"""Login three ways against a real sandbox (device grant, PKCE + oob, PKCE + loopback, API
token), silent refresh of a token that expires mid-session, logout, and no token in any
error or log line."""

from __future__ import annotations

import asyncio
import html
import logging
import re

import httpx
import pytest
from support.oauth import SHORT_TOKEN_TTL, oauth_login

from nep_tui.api import auth, session
from nep_tui.api import errors as err
from nep_tui.api import profiles as store


@pytest.fixture
def client_id(short_lived) -> str:
    return short_lived.credentials["oauth_client_id"]


async def approve_in_browser(sandbox, user_code: str, *, decision: str = "approve") -> None:
    """What the user does on the verification page: code, login, password, Approve."""
    member = sandbox.user("member")
    async with httpx.AsyncClient() as browser:
        answer = await browser.post(
            f"{sandbox.nepenthes_url}/oauth/device",
            data={
                "user_code": user_code,
                "login": member.login,
                "password": member.password,
                "decision": decision,
            },
        )
    assert answer.status_code == 200, answer.text


async def authorize_in_browser(sandbox, authorization_url: str) -> httpx.Response:
    """Log in on the consent page and press Authorize; returns the redirect answer."""
    member = sandbox.user("member")
    async with httpx.AsyncClient() as browser:
        page = await browser.get(authorization_url)
        assert page.status_code == 200, page.text
        hidden = dict(
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text)
        )
        fields = {html.unescape(k): html.unescape(v) for k, v in hidden.items()}
        fields.update(login=member.login, password=member.password, decision="authorize")
        action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
        return await browser.post(httpx.URL(authorization_url).join(action), data=fields)


def client_log(caplog) -> str:
    """What the client side logged (the sandbox's own server logs are not the client's)."""
    return "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name.split(".")[0] in ("nep_tui", "httpx", "httpcore")
        and not record.name.startswith("nep_tui.sandbox")
    )


class Sleeps:
    def __init__(self, on_sleep=None) -> None:
        self.delays: list[float] = []
        self.on_sleep = on_sleep

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        if self.on_sleep:
            await self.on_sleep(len(self.delays))


async def test_device_grant_login(short_lived, client_id, caplog):
    caplog.set_level(logging.DEBUG)
    metadata = await auth.discover(short_lived.nepenthes_url)
    assert metadata.supports_device_flow
    device = await auth.start_device_flow(metadata, client_id)
    assert device.user_code and device.verification_uri.startswith(short_lived.nepenthes_url)
    assert device.verification_uri_complete and device.user_code in device.verification_uri_complete
    assert device.device_code not in repr(device)

    async def approve_on_second_poll(count: int) -> None:
        if count == 2:
            await approve_in_browser(short_lived, device.user_code)

    sleeps = Sleeps(approve_on_second_poll)
    tokens = await auth.poll_device_flow(metadata, client_id, device, sleep=sleeps)
    assert sleeps.delays == [device.interval, device.interval]  # pending once, then granted
    user = await session.save_oauth_login(
        short_lived.nepenthes_url, client_id, tokens, profile="device"
    )
    assert user.login == "member"
    async with session.open_client(profile="device") as client:
        assert (await client.me()).login == "member"
    log = client_log(caplog)
    assert log and tokens.access_token not in log and tokens.refresh_token not in log


async def test_device_grant_denied(short_lived, client_id):
    metadata = await auth.discover(short_lived.nepenthes_url)
    device = await auth.start_device_flow(metadata, client_id)

    async def deny(count: int) -> None:
        if count == 1:
            await approve_in_browser(short_lived, device.user_code, decision="deny")

    with pytest.raises(err.AccessDenied):
        await auth.poll_device_flow(metadata, client_id, device, sleep=Sleeps(deny))


async def test_device_grant_expiry_and_slow_down_are_honoured(short_lived, client_id):
    metadata = await auth.discover(short_lived.nepenthes_url)
    device = await auth.start_device_flow(metadata, client_id)
    fake_now = [0.0]
    sleeps = Sleeps()

    async def advancing_sleep(seconds: float) -> None:
        await sleeps(seconds)
        fake_now[0] += seconds

    with pytest.raises(err.DeviceFlowExpired):
        await auth.poll_device_flow(
            metadata, client_id, device, sleep=advancing_sleep, clock=lambda: fake_now[0]
        )
    # Polling faster than the interval earns `slow_down`: the interval grows by 5 s each time.
    assert sleeps.delays[0] == device.interval
    assert all(
        later >= earlier for earlier, later in zip(sleeps.delays, sleeps.delays[1:], strict=False)
    )
    assert device.interval + 5 in sleeps.delays, sleeps.delays


async def test_pkce_with_oob_code(short_lived, client_id):
    metadata = await auth.discover(short_lived.nepenthes_url)
    login = auth.PkceLogin(metadata, client_id)
    assert "code_challenge_method=S256" in login.authorization_url
    assert login.code_verifier not in login.authorization_url
    answer = await authorize_in_browser(short_lived, login.authorization_url)
    async with httpx.AsyncClient(follow_redirects=True) as browser:
        if answer.is_redirect:
            answer = await browser.get(
                answer.headers["Location"]
                if "://" in answer.headers["Location"]
                else short_lived.nepenthes_url + answer.headers["Location"]
            )
    code = re.search(r'<code id="authorization_code">([^<]+)</code>', answer.text).group(1)
    tokens = await login.exchange(html.unescape(code))
    await session.save_oauth_login(short_lived.nepenthes_url, client_id, tokens, profile="oob")
    async with session.open_client(profile="oob") as client:
        assert (await client.me()).login == "member"
    with pytest.raises(err.AuthError):  # codes are single-use
        await login.exchange(html.unescape(code))


async def test_pkce_with_loopback_redirect(short_lived, client_id):
    metadata = await auth.discover(short_lived.nepenthes_url)
    browser_tasks = []

    async def browser(url: str) -> None:
        assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A" in url
        answer = await authorize_in_browser(short_lived, url)
        async with httpx.AsyncClient() as redirected:
            await redirected.get(answer.headers["Location"])

    tokens = await auth.login_with_loopback(
        metadata,
        client_id,
        open_browser=lambda url: browser_tasks.append(asyncio.create_task(browser(url))),
        timeout=20,
    )
    await asyncio.gather(*browser_tasks)
    assert tokens.kind == "oauth" and tokens.refresh_token


async def test_api_token_login_and_whoami(short_lived):
    member = short_lived.user("member")
    user = await session.login_with_token(
        short_lived.nepenthes_url, member.api_token, profile="tok", make_default=True
    )
    assert user.login == "member"
    statuses = session.list_profiles()
    assert [
        (s.profile.name, s.profile.user_login, s.logged_in, s.is_default) for s in statuses
    ] == [("tok", "member", True, True)]
    async with session.open_client() as client:
        assert (await client.me()).login == "member"


async def test_a_wrong_api_token_is_refused_without_storing_it(short_lived):
    with pytest.raises(err.NotLoggedIn) as caught:
        await session.login_with_token(
            short_lived.nepenthes_url, "opapi-" + "0" * 64, profile="bad"
        )
    assert "opapi-" not in str(caught.value)
    assert store.load_tokens("bad") is None


async def test_an_expiring_token_is_refreshed_silently_and_saved(short_lived, client_id, caplog):
    caplog.set_level(logging.DEBUG)
    first = await oauth_login(short_lived, "refresh")
    async with session.open_client(profile="refresh") as client:
        assert (await client.me()).login == "member"
        await asyncio.sleep(SHORT_TOKEN_TTL + 0.5)  # expired mid-session
        results = await asyncio.gather(*(client.me() for _ in range(5)))
        assert {user.login for user in results} == {"member"}
        assert client.http._tokens.refresh_count == 1  # concurrent requests shared one refresh
    saved = store.load_tokens("refresh")
    assert saved.access_token != first.access_token and saved.refresh_token != first.refresh_token
    log = client_log(caplog)
    assert log and first.access_token not in log and saved.access_token not in log


async def test_a_rejected_token_is_refreshed_once_after_401(short_lived, client_id):
    tokens = await oauth_login(short_lived, "reject")
    # The server does not know this access token, but we believe it never expires.
    tokens.access_token = "forgotten-by-the-server"
    tokens.expires_at = tokens.issued_at = None
    store.save_tokens("reject", tokens)
    async with session.open_client(profile="reject") as client:
        assert (await client.me()).login == "member"
        assert client.http._tokens.refresh_count == 1


async def test_a_failed_refresh_means_logged_out(short_lived, client_id):
    tokens = await oauth_login(short_lived, "gone")
    await auth.revoke(short_lived.nepenthes_url, client_id, tokens.refresh_token)
    await auth.revoke(short_lived.nepenthes_url, client_id, tokens.access_token)
    async with session.open_client(profile="gone") as client:
        with pytest.raises(err.LoggedOut) as caught:
            await client.me()
    assert "nep-tui login" in str(caught.value)
    for secret in (tokens.access_token, tokens.refresh_token):
        assert secret not in str(caught.value) and secret not in repr(caught.value)


async def test_logout_revokes_and_forgets(short_lived, client_id):
    tokens = await oauth_login(short_lived, "bye")
    assert await session.logout("bye") is True
    assert store.load_tokens("bye") is None
    with pytest.raises(err.NotLoggedIn):
        session.open_client(profile="bye")
    store.save_tokens("bye", tokens)  # a copy someone kept no longer works
    async with session.open_client(profile="bye") as client:
        with pytest.raises(err.LoggedOut):
            await client.me()
