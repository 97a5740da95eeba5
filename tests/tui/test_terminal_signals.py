"""Unread notifications reach the terminal: its title, the bell, a desktop notification."""

from __future__ import annotations

import httpx
from support.tui import app_for, settle, wait_for

from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource
from nep_tui.api.models import Notification
from nep_tui.terminal_signals import (
    BELL,
    notification_protocol,
    notification_sequence,
    notifications_enabled,
    title_sequence,
)

WEZTERM = {"TERM_PROGRAM": "WezTerm", "TERM": "xterm-256color"}


async def _newest_unread(sandbox) -> Notification:
    token = sandbox.user("member").api_token
    async with NepenthesClient(sandbox.nepenthes_url, ApiTokenSource(token)) as client:
        return (await client.notifications(unread_only=True))[0]


def _mark(sandbox, notification_id: int, state: str) -> None:
    response = httpx.post(
        f"{sandbox.nepenthes_url}/api/v3/notifications/{notification_id}/{state}_ian",
        auth=("apikey", sandbox.user("member").api_token),
    )
    assert response.status_code == 204, response.text


def _terminal(monkeypatch, **environ: str) -> None:
    for variable in ("TERM_PROGRAM", "TERM", "VTE_VERSION", "NEP_TUI_DESKTOP_NOTIFICATIONS"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environ.items():
        monkeypatch.setenv(variable, value)


async def test_a_new_unread_notification_rings_and_notifies(fresh_sandbox, monkeypatch):
    _terminal(monkeypatch, **WEZTERM)
    newest = await _newest_unread(fresh_sandbox)
    assert newest.resource_title and newest.actor_name
    _mark(fresh_sandbox, newest.id, "read")
    app = app_for(fresh_sandbox)
    written: list[str] = []
    app.terminal_signals.write = written.append
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        start = app.unread_count
        assert start
        # the count the app starts with is not news: no bell
        assert written == [title_sequence("nep-tui"), title_sequence(f"nep-tui ({start})")]

        _mark(fresh_sandbox, newest.id, "unread")
        written.clear()
        app.refresh_unread_count()
        await wait_for(pilot, lambda: BELL in written)
        await settle(pilot)
    assert written[0] == title_sequence(f"nep-tui ({start + 1})")
    assert written[1] == BELL
    assert written[2] == (
        f"\x1b]9;nep-tui: {start + 1} unread notifications: "
        f"#{newest.resource_id} {newest.resource_title} by {newest.actor_name}\x1b\\"
    )


async def test_reading_notifications_only_updates_the_title(fresh_sandbox, monkeypatch):
    _terminal(monkeypatch, **WEZTERM)
    newest_id = (await _newest_unread(fresh_sandbox)).id
    app = app_for(fresh_sandbox)
    written: list[str] = []
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.terminal_signals.write = written.append
        start = app.unread_count
        assert start
        _mark(fresh_sandbox, newest_id, "read")
        app.refresh_unread_count()
        await settle(pilot)
    assert written == [title_sequence(f"nep-tui ({start - 1})")]


async def test_the_setting_turns_bell_and_desktop_notification_off(fresh_sandbox, monkeypatch):
    _terminal(monkeypatch, NEP_TUI_DESKTOP_NOTIFICATIONS="0", **WEZTERM)
    newest_id = (await _newest_unread(fresh_sandbox)).id
    _mark(fresh_sandbox, newest_id, "read")
    app = app_for(fresh_sandbox)
    written: list[str] = []
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.terminal_signals.write = written.append
        start = app.unread_count
        _mark(fresh_sandbox, newest_id, "unread")
        app.refresh_unread_count()
        await wait_for(pilot, lambda: app.unread_count == start + 1)
        await settle(pilot)
    assert written == [title_sequence(f"nep-tui ({start + 1})")]


def test_which_terminals_get_which_desktop_notification():
    assert notification_protocol({"TERM_PROGRAM": "iTerm.app"}) == "osc9"
    assert notification_protocol({"TERM": "xterm-kitty"}) == "osc9"
    assert notification_protocol({"TERM": "foot"}) == "osc777"
    assert notification_protocol({"TERM": "xterm-256color", "VTE_VERSION": "7600"}) == "osc777"
    assert notification_protocol({"TERM": "xterm-256color"}) is None
    assert notification_protocol({"TERM_PROGRAM": "tmux", "TERM": "screen"}) is None
    assert notifications_enabled({}) is True
    assert notifications_enabled({"NEP_TUI_DESKTOP_NOTIFICATIONS": "off"}) is False


def test_server_text_cannot_end_the_sequence_early():
    hostile = "Subject\x07\x1b]2;owned\x1b\\; more\nlines"
    for protocol in ("osc9", "osc777"):
        sequence = notification_sequence(protocol, "a;b", hostile)
        inner = sequence.removeprefix("\x1b]").removesuffix("\x1b\\")
        assert "\x1b" not in inner and "\x07" not in inner and "\n" not in inner
    assert notification_sequence("osc777", "a;b", "x").startswith("\x1b]777;notify;a,b;x")
    assert title_sequence("nep-tui\x1b]0;x\x07") == "\x1b]2;nep-tui\x1b\\"
