"""One work package: attributes and description, its attachments, then its linked files."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Label, Static
from textual.worker import Worker, WorkerState

from nep_tui.api.models import WorkPackage
from nep_tui.commands import PaletteCommand
from nep_tui.formatting import format_date, format_datetime, plain
from nep_tui.widgets.app_header import AppHeader
from nep_tui.widgets.attachments_pane import AttachmentsPane
from nep_tui.widgets.error_state import ErrorState
from nep_tui.widgets.files_pane import FilesPane
from nep_tui.widgets.server_markdown import ServerMarkdown


def attributes_table(work_package: WorkPackage) -> Table:
    """Label/value pairs in two columns; every value is server text, so plain Text only."""
    pairs = [
        ("Type", work_package.type_name),
        (
            "Status",
            (work_package.status_name or "") + (" (closed)" if work_package.status_closed else ""),
        ),
        ("Priority", work_package.priority_name),
        ("Assignee", work_package.assignee_name or "Unassigned"),
        ("Project", work_package.project_name),
        ("Start", format_date(work_package.start_date)),
        ("Due", format_date(work_package.due_date)),
        (
            "Done",
            f"{work_package.percentage_done} %" if work_package.percentage_done is not None else "",
        ),
        ("Updated", format_datetime(work_package.updated_at)),
    ]
    shown = [(label, value) for label, value in pairs if value]
    grid = Table.grid(padding=(0, 2))
    for _ in range(2):
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="ellipsis", no_wrap=True, max_width=30)
    for index in range(0, len(shown), 2):
        cells: list[Text] = []
        for label, value in shown[index : index + 2]:
            cells += [Text(label), Text(plain(value))]
        grid.add_row(*cells)
    return grid


class WorkPackageScreen(Screen[None]):
    CSS_PATH = "work_package.tcss"
    # The panes focus their first list once it has loaded.
    AUTO_FOCUS = ""

    BINDINGS = [
        Binding(
            "ctrl+r", "reload", "Reload", id="wp-reload", tooltip="Load the work package again."
        ),
        Binding(
            "tab",
            "app.focus_next",
            "Next pane",
            show=False,
            id="wp-next-pane",
            tooltip="Move to the next list.",
        ),
        # The pane's own "a" needs focus inside it, and a pane without attachments has nothing
        # to focus, though it tells the user to press a.
        Binding(
            "a",
            "attach",
            "Attach",
            show=False,
            id="wp-attach",
            tooltip="Upload local files as attachments of this work package.",
        ),
    ]

    def __init__(self, work_package_id: int) -> None:
        super().__init__()
        self.work_package_id = work_package_id
        self.work_package: WorkPackage | None = None

    def compose(self) -> ComposeResult:
        yield AppHeader()
        with VerticalScroll(id="wp-body"):
            yield Label(f"#{self.work_package_id}", id="wp-heading")
            yield ErrorState(id="wp-error")
            yield Static(id="wp-attributes")
            yield ServerMarkdown(id="wp-description")
            yield AttachmentsPane(id="wp-attachments")
            yield FilesPane(id="wp-files")
        yield Footer()

    def on_mount(self) -> None:
        # Focus belongs to the lists inside; the scrolling body itself is not a stop.
        self.query_one("#wp-body").can_focus = False
        self.query_one("#wp-error").display = False
        self.action_reload()

    def action_reload(self) -> None:
        self.query_one("#wp-body").loading = True
        self._load()

    @work(exclusive=True, group="work-package", exit_on_error=False)
    async def _load(self) -> WorkPackage:
        return await self.app.client.work_package(self.work_package_id)

    @on(Worker.StateChanged)
    async def _loaded(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "work-package" or not event.worker.is_finished:
            return
        self.query_one("#wp-body").loading = False
        error = self.query_one("#wp-error", ErrorState)
        error.display = event.state is WorkerState.ERROR
        if event.state is WorkerState.ERROR:
            error.show_error(event.worker.error)
            return
        if event.state is WorkerState.SUCCESS:
            await self._show(event.worker.result)

    def action_attach(self) -> None:
        self.query_one(AttachmentsPane).action_add_attachment()

    @on(ErrorState.RetryRequested)
    def _retry(self) -> None:
        self.action_reload()

    async def _show(self, work_package: WorkPackage) -> None:
        self.work_package = work_package
        self.sub_title = f"#{work_package.display_id}"
        heading = f"{plain(work_package.type_name or '')} #{work_package.display_id} · "
        self.query_one("#wp-heading", Label).update(Content(heading + plain(work_package.subject)))
        self.query_one("#wp-attributes", Static).update(attributes_table(work_package))
        self.query_one(AttachmentsPane).show_for(work_package)
        self.query_one(FilesPane).show_for(work_package)
        # Awaited: Markdown parses in a thread, and the load is handled once all of it is shown.
        await self.query_one("#wp-description", ServerMarkdown).show(
            work_package.description, placeholder="No description."
        )

    # --- command palette -----------------------------------------------------------------

    def palette_commands(self) -> Iterable[PaletteCommand]:
        description = self.query_one("#wp-description", ServerMarkdown)
        for link in description.web_links:
            label = f"{link.text} — {link.url}" if link.text else link.url
            yield PaletteCommand(
                plain(f"Open link: {label}"),
                "Open this link of the description.",
                lambda url=link.url: description.open_link(url),
            )
