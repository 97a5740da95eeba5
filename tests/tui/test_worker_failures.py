"""The one path for bugs in workers: a readable message, a log entry, a screen that still works."""

from __future__ import annotations

from pathlib import Path

from support.tui import settle

from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource
from nep_tui.app import NepTuiApp
from nep_tui.failures import LOG_FILE
from nep_tui.screens.projects import ProjectsScreen
from nep_tui.screens.work_package import WorkPackageScreen
from nep_tui.widgets.error_state import ErrorState
from nep_tui.widgets.state_view import StateView


def client_failing_once(server_url: str, token: str, method: str) -> NepenthesClient:
    """A real client whose first call of `method` hits a bug (a KeyError deep in parsing)."""
    client = NepenthesClient(server_url, ApiTokenSource(token), profile_name="sandbox")
    real = getattr(client, method)
    calls: list[None] = []

    async def failing_once(*args: object, **kwargs: object) -> object:
        calls.append(None)
        if len(calls) == 1:
            raise KeyError("_embedded")
        return await real(*args, **kwargs)

    setattr(client, method, failing_once)
    return client


def app_failing_once(sandbox, token: str, method: str, **options: object) -> NepTuiApp:
    app = NepTuiApp(
        lambda _profile: client_failing_once(sandbox.nepenthes_url, token, method), **options
    )
    app.refresh_unread_count = lambda: None  # type: ignore[method-assign]
    return app


async def test_a_bug_in_a_worker_is_reported_logged_and_recoverable(
    sandbox, member_token, tmp_path
):
    app = app_failing_once(sandbox, member_token, "projects")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProjectsScreen)
        # Not stuck on "Loading projects…": the error state says what happened and offers retry.
        view = screen.query_one(StateView)
        assert view.state == "error"
        shown = str(screen.query_one("#error-message").render())
        assert "Something unexpected went wrong (KeyError)" in shown

        log = Path(tmp_path / "log" / LOG_FILE)
        assert log.is_file()
        logged = log.read_text()
        assert "during loading the projects" in logged and "KeyError: '_embedded'" in logged
        messages = [str(n.message) for n in app._notifications]
        assert any(
            "internal error while loading the projects (KeyError)" in m and str(log) in m
            for m in messages
        )

        await pilot.press("ctrl+r")
        await settle(pilot)
        assert view.state == "content"
        assert app.screen is screen


async def test_a_bug_while_opening_a_work_package_leaves_it_retryable(sandbox, member_token):
    app = app_failing_once(sandbox, member_token, "file_links", start_at=1)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, WorkPackageScreen)
        error = screen.query_one("#wp-error", ErrorState)
        assert error.display
        assert "Something unexpected went wrong" in str(error.query_one("#error-message").render())
        assert any("internal error" in str(n.message) for n in app._notifications)

        await pilot.press("ctrl+r")
        await settle(pilot)
        assert not error.display
        assert screen.work_package is not None and screen.work_package.id == 1
