"""One work package: attributes and description, its attachments, then its linked files."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

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

from nep_tui.api.detail import WorkPackageDetail, cached_work_package_detail, work_package_detail
from nep_tui.api.errors import NetworkUnreachable
from nep_tui.api.models import StorageFile, WorkPackage
from nep_tui.dialogs.confirm import ConfirmDialog
from nep_tui.dialogs.download_folder import DownloadFolderDialog
from nep_tui.formatting import format_date, format_datetime, plain
from nep_tui.messages import UnreadCountChanged
from nep_tui.palette import PaletteCommand, work_package_link_commands
from nep_tui.screens.connect_nextcloud import ConnectNextcloudScreen
from nep_tui.screens.folder_picker import FolderPickerScreen, PickerPurpose
from nep_tui.screens.link_report import LinkFilesScreen
from nep_tui.screens.storage_browser import StorageBrowserScreen
from nep_tui.screens.upload import UploadScreen
from nep_tui.services import current_client
from nep_tui.widgets.app_header import AppHeader
from nep_tui.widgets.attachments_pane import AttachmentsPane
from nep_tui.widgets.error_state import ErrorState
from nep_tui.widgets.files_pane import FilesPane
from nep_tui.widgets.offline import NeedsServer
from nep_tui.widgets.server_markdown import ServerMarkdown
from nep_tui.widgets.transfer_pane import TransferPane
from nep_tui.widgets.worker_failures import ReportsWorkerFailures


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


class WorkPackageScreen(NeedsServer, ReportsWorkerFailures, Screen[None]):
    CSS_PATH = "work_package.tcss"
    # The panes focus their first list once it has loaded.
    AUTO_FOCUS = ""
    SERVER_ACTIONS = frozenset({"attach"})

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

    @work(
        exclusive=True,
        group="work-package",
        exit_on_error=False,
        description="loading the work package",
    )
    async def _load(self) -> WorkPackageDetail | None:
        client = current_client(self)
        cached = cached_work_package_detail(client, self.work_package_id)
        if cached is not None:
            await self._show(cached.value)
            self.query_one(AppHeader).show_cached(cached.fetched_at)
            self.query_one("#wp-body").loading = False
        try:
            return await work_package_detail(client, self.work_package_id)
        except NetworkUnreachable:
            if cached is None:
                raise
            return None  # what was last seen stays, under the offline banner

    def server_back(self) -> None:
        self.action_reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.server_action_state(action)

    @on(Worker.StateChanged)
    async def _loaded(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "work-package" or not event.worker.is_finished:
            return
        self.query_one("#wp-body").loading = False
        error = self.query_one("#wp-error", ErrorState)
        error.display = event.state is WorkerState.ERROR
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error.show_error(event.worker.error)
            return
        if event.state is WorkerState.SUCCESS and isinstance(
            event.worker.result, WorkPackageDetail
        ):
            self.query_one(AppHeader).show_cached(None)
            await self._show(event.worker.result)
            # Counted once the screen is complete: it never delays the work package.
            self.post_message(UnreadCountChanged())

    def action_attach(self) -> None:
        if self.refused_offline():
            return
        self.query_one(AttachmentsPane).action_add_attachment()

    @on(ErrorState.RetryRequested)
    def _retry(self) -> None:
        self.action_reload()

    async def _show(self, detail: WorkPackageDetail) -> None:
        work_package = self.work_package = detail.work_package
        self.sub_title = f"#{work_package.display_id}"
        heading = f"{plain(work_package.type_name or '')} #{work_package.display_id} · "
        self.query_one("#wp-heading", Label).update(Content(heading + plain(work_package.subject)))
        self.query_one("#wp-attributes", Static).update(attributes_table(work_package))
        await self.query_one(AttachmentsPane).show(work_package, detail.attachments)
        await self.query_one(FilesPane).show(work_package, detail.file_sections)
        # Awaited: Markdown parses in a thread, and the load is handled once all of it is shown.
        await self.query_one("#wp-description", ServerMarkdown).show(
            work_package.description, placeholder="No description."
        )

    # --- what the panes ask for ------------------------------------------------------------

    @on(TransferPane.RemovalRequested)
    def _confirm_removal(self, event: TransferPane.RemovalRequested) -> None:
        removal, pane = event.removal, event.pane

        def answered(yes: bool | None) -> None:
            if yes:
                pane.remove_confirmed(removal)

        self.app.push_screen(
            ConfirmDialog(
                removal.question,
                plain(removal.name),
                detail=removal.detail,
                confirm_label=removal.confirm_label,
            ),
            answered,
        )

    @on(TransferPane.DownloadRequested)
    def _ask_download_folder(self, event: TransferPane.DownloadRequested) -> None:
        name, fetch, pane = event.name, event.fetch, event.pane
        self._ask_where(name, lambda folder: pane.download(name, folder, fetch))

    @on(TransferPane.FolderDownloadRequested)
    def _ask_folder_download_folder(self, event: TransferPane.FolderDownloadRequested) -> None:
        name, fetch, pane = event.name, event.fetch, event.pane
        self._ask_where(name, lambda folder: pane.download_folder(name, folder, fetch))

    def _ask_where(self, name: str, start: Callable[[Path], object]) -> None:
        def chosen(folder: Path | None) -> None:
            if folder is not None:
                start(folder)

        self.app.push_screen(DownloadFolderDialog(name), chosen)

    @on(TransferPane.UploadRequested)
    def _upload(self, event: TransferPane.UploadRequested) -> None:
        pane = event.pane
        self.app.push_screen(
            UploadScreen(event.work_package, event.storage), lambda _: pane.action_reload()
        )

    @on(FilesPane.ConnectRequested)
    def _connect(self, event: FilesPane.ConnectRequested) -> None:
        pane = event.pane
        self.app.push_screen(
            ConnectNextcloudScreen(event.storage),
            lambda connected: pane.action_reload() if connected else None,
        )

    @on(FilesPane.BrowseRequested)
    def _browse(self, event: FilesPane.BrowseRequested) -> None:
        self.app.push_screen(StorageBrowserScreen(event.storage.id, project_id=event.project_id))

    @on(FilesPane.LinkExistingRequested)
    def _link_existing(self, event: FilesPane.LinkExistingRequested) -> None:
        pane, work_package, storage = event.pane, event.work_package, event.storage

        def picked(files: list[StorageFile] | None) -> None:
            if files:
                self.app.push_screen(
                    LinkFilesScreen(work_package, storage, files), lambda _: pane.action_reload()
                )

        self.app.push_screen(
            FolderPickerScreen(
                storage.id,
                purpose=PickerPurpose.LINK_FILES,
                project_id=work_package.project_id,
                title=f"Link existing files to #{work_package.display_id}",
                linked_ids=event.linked_ids,
            ),
            picked,
        )

    # --- command palette -----------------------------------------------------------------

    def palette_commands(self) -> Iterable[PaletteCommand]:
        yield from work_package_link_commands(self, self.work_package_id)
        description = self.query_one("#wp-description", ServerMarkdown)
        for link in description.web_links:
            label = f"{link.text} — {link.url}" if link.text else link.url
            yield PaletteCommand(
                plain(f"Open link: {label}"),
                "Open this link of the description.",
                partial(description.open_link, link.url),
            )
