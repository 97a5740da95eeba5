"""Opening straight at a work package: few requests, none of them the project list."""

from __future__ import annotations

import httpx
from support.tui import settle

from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource
from nep_tui.app import NepTuiApp
from nep_tui.screens.projects import ProjectsScreen
from nep_tui.screens.work_package import WorkPackageScreen
from nep_tui.widgets.files_pane import FilesPane

WITH_FILES = 1


class RecordingTransport(httpx.AsyncBaseTransport):
    """The real transport, noting each request's path."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_work_package_opened_by_link_takes_four_requests(sandbox, member_token):
    transport = RecordingTransport()

    def client_factory(_profile: str | None) -> NepenthesClient:
        return NepenthesClient(
            sandbox.nepenthes_url, ApiTokenSource(member_token), transport=transport
        )

    app = NepTuiApp(client_factory, start_at=WITH_FILES)

    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, WorkPackageScreen)
        await settle(pilot)
        assert screen.query_one(FilesPane).sections
        assert "/api/v3/projects" not in transport.paths
        # The unread count is asked for once the screen is complete: what came before it is
        # everything the screen needed.
        # The activity (and its authors' names) is loaded after the work package, below it.
        activity = f"/api/v3/work_packages/{WITH_FILES}/activities"
        assert transport.paths.index(activity) > transport.paths.index(
            f"/api/v3/work_packages/{WITH_FILES}"
        )
        needed = [
            path
            for path in transport.paths[: transport.paths.index("/api/v3/notifications")]
            if path != activity and not path.startswith("/api/v3/users/")
        ]
        assert len(needed) <= 4, needed
        assert f"/api/v3/work_packages/{WITH_FILES}/file_links" in needed

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ProjectsScreen)
        assert "/api/v3/projects" in transport.paths
