"""The TUI through the fault proxy with short limits: each screen and pane with a fetching
error shows the one sentence and, in the footer, the key that retries it; that key works once
the fault is gone; a server that stops talking ends in an error, not a spinner for ever."""

from __future__ import annotations

import time

import pytest
from support.fault_proxy import FAST_ENV
from support.tui import make_app, push_and_settle, settle, wait_for
from textual.widgets import Static

from nep_tui.screens.notifications import NotificationsScreen
from nep_tui.screens.storage_browser import StorageBrowserScreen
from nep_tui.screens.work_packages import WorkPackagesScreen

SIZE = (110, 34)
SIGN_IN = "answered a sign-in page: a proxy or single sign-on is in the way"
RETRY_KEY = "ctrl+r"
# Where the error shows: (work package to open at, the failing request, a screen to push).
ERROR_STATES = {
    "projects": (None, r"/api/v3/projects", None),
    "work-packages": (None, r"/api/v3/projects/1/work_packages|/api/v3/work_packages\?", "wps"),
    "work-package": (1, r"/api/v3/work_packages/1$", None),
    "files-pane": (1, r"/api/v3/work_packages/1/file_links", None),
    "attachments-pane": (1, r"/api/v3/work_packages/1/attachments", None),
    "notifications": (None, r"/api/v3/notifications", "notifications"),
    "storage-browser": (None, r"/api/v3/storages/1/files", "browser"),
}


@pytest.fixture
def fast_limits(monkeypatch) -> None:
    for variable, value in FAST_ENV.items():
        monkeypatch.setenv(variable, value)


def _shown_text(app) -> str:
    """The text of every Static on show (it and all its containers displayed)."""
    return " ".join(
        str(widget.render())
        for widget in app.screen.query(Static)
        if all(node.display for node in widget.ancestors_with_self if node is not app)
    )


def _retry_key_in_footer(app) -> bool:
    shown = app.screen.active_bindings.get(RETRY_KEY)
    return (
        shown is not None
        and shown.enabled
        and shown.binding.show
        and shown.binding.action == "reload"
    )


async def _open(pilot, push: str | None) -> None:
    app = pilot.app
    if push == "wps":
        await push_and_settle(pilot, WorkPackagesScreen(app.screen.projects[0]))
    elif push == "notifications":
        await push_and_settle(pilot, NotificationsScreen())
    elif push == "browser":
        await push_and_settle(
            pilot,
            StorageBrowserScreen(1, project_id=1, start_location="/OpenProject/Nepenthes Demo (1)"),
        )
    else:
        await pilot.press(RETRY_KEY)  # the screen on show loads again, into the fault
        await settle(pilot)


@pytest.mark.parametrize("state", list(ERROR_STATES))
async def test_every_error_state_names_the_fault_and_shows_its_retry_key(
    sandbox, fault_proxy, fast_limits, state
):
    start_at, path, push = ERROR_STATES[state]
    app = make_app(fault_proxy.nepenthes_url, sandbox.user("member").api_token, start_at=start_at)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        fault = fault_proxy.add("html", path=path, times=None)
        await _open(pilot, push)
        assert SIGN_IN in _shown_text(app)
        assert fault.hits >= 1
        assert _retry_key_in_footer(app)
        fault.times = 0  # the proxy or gateway is out of the way again
        await pilot.press(RETRY_KEY)
        await settle(pilot)
        assert SIGN_IN not in _shown_text(app)


async def test_a_stalled_server_ends_in_an_error_not_a_spinner(sandbox, fault_proxy, fast_limits):
    app = make_app(fault_proxy.nepenthes_url, sandbox.user("member").api_token)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        fault_proxy.add("stall", path=r"/api/v3/projects")
        started = time.monotonic()
        await pilot.press(RETRY_KEY)
        await wait_for(pilot, lambda: "stopped halfway" in _shown_text(app), timeout=8)
        assert time.monotonic() - started < 8
        assert not any(widget.loading for widget in app.screen.query("*"))
        assert _retry_key_in_footer(app)
