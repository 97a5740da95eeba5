"""The work packages of one project: search, open/all and assigned-to-me filters, lazy paging."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from nep_tui.api import shelves
from nep_tui.api.cache import Cached, recall
from nep_tui.api.client import NepenthesClient
from nep_tui.api.errors import NepError, NetworkUnreachable, NotFound
from nep_tui.api.models import Page, Project, WorkPackage
from nep_tui.failures import sentence
from nep_tui.formatting import plain, unreadable
from nep_tui.messages import OpenWorkPackage
from nep_tui.palette import PaletteCommand, work_package_link_commands
from nep_tui.services import current_client
from nep_tui.widgets.app_header import AppHeader
from nep_tui.widgets.error_state import ErrorState
from nep_tui.widgets.offline import NeedsServer
from nep_tui.widgets.state_view import StateView
from nep_tui.widgets.work_package_table import WorkPackageTable
from nep_tui.widgets.worker_failures import ReportsWorkerFailures

PAGE_SIZE = 100
TYPEAHEAD_PAUSE = 0.25
"""Seconds of quiet typing before the search is sent (each key press restarts the wait)."""
ID_QUERY = re.compile(r"^\s*#(\d+)\s*$")


@dataclass(frozen=True)
class WorkPackageQuery:
    search: str = ""
    open_only: bool = True
    assigned_to_me: bool = False

    def describe(self) -> str:
        parts = [
            "open only" if self.open_only else "open and closed",
            "assigned to me" if self.assigned_to_me else "anyone's",
        ]
        if self.search.strip():
            parts.append(f"matching “{self.search.strip()}”")
        return " · ".join(parts)


class WorkPackagesScreen(NeedsServer, ReportsWorkerFailures, Screen[None]):
    CSS_PATH = "work_packages.tcss"
    # The table takes focus once rows arrive, so o/m/slash work straight away.
    AUTO_FOCUS = ""
    BINDINGS = [
        Binding(
            "slash,ctrl+f",
            "focus_search",
            "Search",
            id="wps-search",
            tooltip="Search by title, or #ID for one work package.",
        ),
        Binding(
            "o",
            "toggle_open",
            "Closed",
            id="wps-open-only",
            tooltip="Show only open work packages, or closed ones too.",
        ),
        Binding(
            "m",
            "toggle_mine",
            "Mine",
            id="wps-assigned-to-me",
            tooltip="Show only work packages assigned to you, or everyone's.",
        ),
        Binding("ctrl+r", "reload", "Reload", id="wps-reload", tooltip="Load the list again."),
    ]

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.project = project
        self.title = plain(project.name)
        self.total = 0
        self.skipped = 0  # of the pages loaded: work packages that could not be read
        self.pages_loaded = 0
        self._loading_more = False
        self.query_state = WorkPackageQuery()

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Input(placeholder="Search by title, or #ID…", id="wp-search")
        yield Static(id="wp-filters")
        yield StateView(
            WorkPackageTable(id="wp-table"),
            loading_text="Loading work packages…",
            empty_text="No work packages.",
            id="wp-state",
        )
        yield Static(id="wp-count")
        yield Footer()

    def on_mount(self) -> None:
        self._show_filters()
        self.load_first_page(self.query_state, debounce=False)

    @property
    def table(self) -> WorkPackageTable:
        return self.query_one(WorkPackageTable)

    @property
    def state_view(self) -> StateView:
        return self.query_one(StateView)

    @property
    def search_input(self) -> Input:
        return self.query_one("#wp-search", Input)

    # --- loading -------------------------------------------------------------------------

    def _show_filters(self) -> None:
        self.query_one("#wp-filters", Static).update(
            Content(f"Showing {self.query_state.describe()}")
        )

    @work(
        exclusive=True,
        exit_on_error=False,
        group="work-packages",
        description="loading work packages",
    )
    async def load_first_page(self, query: WorkPackageQuery, debounce: bool = True) -> None:
        if debounce:
            await asyncio.sleep(TYPEAHEAD_PAUSE)
        client = current_client(self)
        header = self.query_one(AppHeader)
        cached = self._cached_first_page(client, query)
        if cached is not None:
            self._show_first_page(cached.value, query)
            header.show_cached(cached.fetched_at)
        elif self.state_view.state != "content":
            self.state_view.show_loading()
        else:
            self.table.loading = True
        try:
            page = await self._fetch(client, query)
        except NetworkUnreachable as error:
            if cached is None:
                self.state_view.show_error(error)
            return  # what was last seen stays, under the offline banner
        except NepError as error:
            self.state_view.show_error(error)
            return
        finally:
            self.table.loading = False
        if query != self.query_state:
            return  # the filters changed while this page was on its way
        header.show_cached(None)
        self._show_first_page(page, query)

    def server_back(self) -> None:
        self.action_reload()

    def _cached_first_page(
        self, client: NepenthesClient, query: WorkPackageQuery
    ) -> Cached[Page[WorkPackage]] | None:
        if ID_QUERY.match(query.search):
            return None
        return recall(
            client,
            shelves.WORK_PACKAGES_PAGE,
            self.project,
            page=1,
            page_size=PAGE_SIZE,
            search=query.search.strip() or None,
            open_only=query.open_only,
            assigned_to_me=query.assigned_to_me,
        )

    def _show_first_page(self, page: Page[WorkPackage], query: WorkPackageQuery) -> None:
        self.total = page.total
        self.skipped = page.skipped
        self.pages_loaded = 1
        self.table.show(page.elements)
        if page.elements:
            self.state_view.show_content()
            if self.focused is None:
                self.table.focus()
        else:
            lost = unreadable(self.skipped, "work package", "work packages")
            self.state_view.show_empty(f"{lost}." if lost else self._empty_text(query))
        self._show_count()

    async def _fetch(
        self, client: NepenthesClient, query: WorkPackageQuery, page: int = 1
    ) -> Page[WorkPackage]:
        by_id = ID_QUERY.match(query.search)
        if by_id:
            return await self._fetch_one(client, int(by_id.group(1)), query)
        return await client.work_packages_page(
            self.project,
            page=page,
            page_size=PAGE_SIZE,
            search=query.search.strip() or None,
            open_only=query.open_only,
            assigned_to_me=query.assigned_to_me,
        )

    async def _fetch_one(
        self, client: NepenthesClient, work_package_id: int, query: WorkPackageQuery
    ) -> Page[WorkPackage]:
        """`#ID`: that one work package, if it belongs to this project."""
        try:
            work_package = await client.work_package(work_package_id)
        except NotFound:
            found = []
        else:
            found = [work_package] if work_package.project_id == self.project.id else []
        return Page[WorkPackage](elements=found, total=len(found), page=1, page_size=PAGE_SIZE)

    @work(
        exclusive=True,
        exit_on_error=False,
        group="work-packages-more",
        description="loading more work packages",
    )
    async def load_next_page(self) -> None:
        query = self.query_state
        client = current_client(self)
        self._loading_more = True
        self._show_count()
        try:
            page = await self._fetch(client, query, self.pages_loaded + 1)
        except NepError as error:
            self.notify(
                sentence(error),
                title="Loading more failed",
                severity="error",
                markup=False,
            )
            return
        finally:
            self._loading_more = False
        if query != self.query_state:
            return
        self.pages_loaded += 1
        self.total = page.total
        self.skipped += page.skipped
        self.table.append(page.elements)
        self._show_count()

    def _has_more(self) -> bool:
        return len(self.table.work_packages) + self.skipped < self.total

    def _show_count(self) -> None:
        shown = len(self.table.work_packages)
        text = f"{shown} of {self.total} work packages"
        if self.skipped:
            text += f" · {unreadable(self.skipped, 'work package', 'work packages')}"
        if self._loading_more:
            text += " · loading more…"
        self.query_one("#wp-count", Static).update(text)

    def _empty_text(self, query: WorkPackageQuery) -> str:
        if ID_QUERY.match(query.search):
            return f"No work package {query.search.strip()} in this project."
        if query.search.strip():
            return f"No work package matches “{query.search.strip()}”."
        if query.open_only or query.assigned_to_me:
            return "No work packages here with these filters (o: open/all, m: mine/all)."
        return "This project has no work packages yet."

    # --- events --------------------------------------------------------------------------

    @on(WorkPackageTable.NearEnd)
    def _near_end(self) -> None:
        if self._has_more() and not self._loading_more:
            self.load_next_page()

    @on(Input.Changed, "#wp-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self._requery(replace(self.query_state, search=event.value))

    @on(Input.Submitted, "#wp-search")
    def _search_submitted(self) -> None:
        self.table.focus()

    def on_key(self, event: events.Key) -> None:
        if event.key == "down" and self.focused is self.search_input:
            event.stop()
            self.table.focus()

    def _requery(self, query: WorkPackageQuery, *, debounce: bool = True) -> None:
        self.query_state = query
        self._show_filters()
        self.workers.cancel_group(self, "work-packages-more")
        self._loading_more = False
        self.load_first_page(self.query_state, debounce=debounce)

    @on(ErrorState.RetryRequested)
    def action_reload(self) -> None:
        self._requery(self.query_state, debounce=False)

    def action_focus_search(self) -> None:
        self.search_input.focus()

    def action_toggle_open(self) -> None:
        self._requery(
            replace(self.query_state, open_only=not self.query_state.open_only), debounce=False
        )

    def action_toggle_mine(self) -> None:
        query = self.query_state
        self._requery(replace(query, assigned_to_me=not query.assigned_to_me), debounce=False)

    # --- command palette -----------------------------------------------------------------

    def palette_commands(self) -> Iterable[PaletteCommand]:
        work_package = self.table.highlighted
        if work_package is not None:
            yield PaletteCommand(
                f"Open #{work_package.id}",
                "Show this work package.",
                lambda: self.post_message(OpenWorkPackage(work_package.id)),
            )
            yield from work_package_link_commands(self, work_package.id)
        yield PaletteCommand(
            "Toggle open/all", "Show closed work packages too, or not.", self.action_toggle_open
        )
        yield PaletteCommand(
            "Toggle assigned to me", "Only yours, or everyone's.", self.action_toggle_mine
        )
