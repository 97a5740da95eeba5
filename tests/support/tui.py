"""Helpers for the TUI tests: an app logged in to the session sandbox, and waiting for it."""

from __future__ import annotations

import asyncio
import time

from textual.pilot import Pilot
from textual.widgets import DirectoryTree, Input
from textual.worker import WorkerCancelled, WorkerFailed

from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource
from nep_tui.app import NepTuiApp


SETTLE_TIMEOUT = 20


def token_client_factory(server_url: str, token: str):
    """What NepTuiApp calls for a client: one logged in with `token` (no profile on disk)."""

    def client_factory(_profile: str | None) -> NepenthesClient:
        return NepenthesClient(server_url, ApiTokenSource(token), profile_name="sandbox")

    return client_factory


def app_for(sandbox, login: str = "member", **options) -> NepTuiApp:
    """The TUI logged in to `sandbox` as `login` with that user's API token."""
    return NepTuiApp(token_client_factory(sandbox.nepenthes_url, sandbox.user(login).api_token),
                     **options)


async def settle(pilot: Pilot) -> None:
    """Wait until every worker is done and the screen has repainted."""
    for _ in range(3):
        # A DirectoryTree keeps a loader worker alive for as long as it is shown.
        workers = [worker for worker in pilot.app.workers
                   if not isinstance(worker.node, DirectoryTree)]
        if not workers:
            await pilot.pause()
            continue  # (an empty list would make wait_for_complete wait for every worker)
        try:
            await asyncio.wait_for(pilot.app.workers.wait_for_complete(workers), SETTLE_TIMEOUT)
        except TimeoutError:
            busy = [(worker.name, worker.node) for worker in workers if not worker.is_finished]
            raise AssertionError(f"workers still busy after {SETTLE_TIMEOUT}s: {busy}") from None
        except (WorkerFailed, WorkerCancelled):
            pass  # the screen shows failures itself; tests assert on what it shows
        await pilot.pause()


def freeze_cursors(monkeypatch) -> None:
    """A blinking cursor makes snapshots differ from run to run."""
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


async def wait_for(pilot: Pilot, condition, timeout: float = 10.0) -> None:
    """Let the app run until `condition()` holds (fails the test after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for the app")
        await pilot.pause(0.05)
