"""Helpers for the TUI tests: an app logged in to the session sandbox, and waiting for it."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input

from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource
from nep_tui.app import NepTuiApp


def app_for(sandbox, login: str = "member", **options) -> NepTuiApp:
    """The TUI logged in to `sandbox` as `login` with that user's API token."""
    token = sandbox.user(login).api_token

    def client_factory(profile: str | None) -> NepenthesClient:
        return NepenthesClient(sandbox.nepenthes_url, ApiTokenSource(token), profile_name="sandbox")

    return NepTuiApp(client_factory, **options)


async def settle(pilot: Pilot) -> None:
    """Wait until every worker is done and the screen has caught up."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def freeze_cursors(monkeypatch) -> None:
    """A blinking cursor makes snapshots differ from run to run."""
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


async def wait_for(pilot: Pilot, condition, timeout: float = 10.0) -> None:
    """Let the app run until `condition()` holds (fails the test after `timeout` seconds)."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for the app")
        await pilot.pause(0.05)
