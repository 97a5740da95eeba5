"""Browse one folder of a file storage at a time: breadcrumb, type-to-filter, lazy loading.

Used by the folder picker (both directions) and the storage browser. Folders come first, then
files, each sorted by name. The table draws only the rows on screen, so a folder of 10,000
entries opens without stalling; filtering narrows the loaded listing, without a request.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Label
from textual.worker import Worker, WorkerState

from nep_tui.api.errors import NepError
from nep_tui.api.models import StorageFile, StorageFiles
from nep_tui.failures import sentence
from nep_tui.formatting import plain
from nep_tui.services import current_client
from nep_tui.widgets.breadcrumb import Breadcrumb, Crumb
from nep_tui.widgets.storage_file_table import StorageFileTable
from nep_tui.widgets.worker_failures import ReportsWorkerFailures

ROOT = "/"


def sort_entries(files: list[StorageFile]) -> list[StorageFile]:
    """Folders first, then files, each by name (case-insensitive, then exact for ties)."""
    return sorted(files, key=lambda f: (not f.is_folder, f.name.casefold(), f.name))


def matches(file: StorageFile, query: str) -> bool:
    return query.casefold() in file.name.casefold()


def parent_location(location: str) -> str:
    trimmed = location.rstrip("/")
    if not trimmed:
        return ROOT
    return trimmed.rsplit("/", 1)[0] or ROOT


class StorageFileList(ReportsWorkerFailures, Vertical):
    """One storage folder at a time. `multi_select` lets space mark files across folders."""

    DEFAULT_CSS = """
    StorageFileList { height: 1fr; }
    StorageFileList #files-header { height: 1; }
    StorageFileList #files-filter { width: auto; color: $text-warning; }
    StorageFileList #files-table { height: 1fr; }
    StorageFileList #files-error { height: auto; padding: 1 2; }
    StorageFileList #files-error-text { width: 1fr; color: $text-error; }
    StorageFileList #files-empty { color: $text-muted; padding: 1 2; }
    """

    BINDINGS = [
        Binding(
            "space",
            "toggle_mark",
            "Mark",
            id="files-mark",
            tooltip="Mark or unmark the highlighted file.",
        ),
        Binding(
            "backspace",
            "backspace",
            "Up",
            id="files-up",
            tooltip="Delete a filter character, or go to the parent folder.",
        ),
        Binding("ctrl+t", "root", "Root", id="files-root", tooltip="Go to the storage root."),
        Binding("ctrl+r", "reload", "Reload", id="files-reload", tooltip="Load the folder again."),
        Binding(
            "escape",
            "clear_filter",
            "Clear filter",
            show=False,
            id="files-clear-filter",
            tooltip="Clear the filter.",
        ),
    ]

    @dataclass
    class FolderOpened(Message):
        """A folder finished loading (its listing is `files`)."""

        file_list: StorageFileList
        files: StorageFiles

        @property
        def control(self) -> StorageFileList:
            return self.file_list

    @dataclass
    class FileHighlighted(Message):
        file_list: StorageFileList
        file: StorageFile | None

        @property
        def control(self) -> StorageFileList:
            return self.file_list

    @dataclass
    class MarksChanged(Message):
        file_list: StorageFileList
        count: int

        @property
        def control(self) -> StorageFileList:
            return self.file_list

    def __init__(
        self,
        storage_id: int,
        *,
        multi_select: bool = False,
        folders_only: bool = False,
        linked_ids: frozenset[str] = frozenset(),
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.storage_id = storage_id
        self.multi_select = multi_select
        self.linked_ids = linked_ids
        self.folders_only = folders_only
        self.location = ROOT
        self.listing: StorageFiles | None = None
        self.entries: list[StorageFile] = []
        self.shown: list[StorageFile] = []
        self.filter_text = ""
        self.marked: dict[str, StorageFile] = {}

    def compose(self) -> ComposeResult:
        with Horizontal(id="files-header"):
            yield Breadcrumb(id="files-breadcrumb")
            yield Label("", id="files-filter")
        yield StorageFileTable(id="files-table")
        with Vertical(id="files-error"):
            yield Label("", id="files-error-text")
            yield Button("Retry", id="files-retry")
        yield Label("", id="files-empty")

    def on_mount(self) -> None:
        self.query_one("#files-error").display = False
        self.query_one("#files-empty").display = False

    # --- navigation -------------------------------------------------------------------

    def open(self, location: str) -> None:
        self.location = location or ROOT
        self.filter_text = ""
        self._show_filter()
        self.query_one("#files-error").display = False
        self.query_one(StorageFileTable).loading = True
        self._load(self.location)

    @work(
        exclusive=True,
        group="storage-files",
        exit_on_error=False,
        description="listing a storage folder",
    )
    async def _load(self, location: str) -> StorageFiles:
        return await current_client(self).storage_files(self.storage_id, location)

    @on(Worker.StateChanged)
    def _loaded(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "storage-files":
            return
        table = self.query_one(StorageFileTable)
        if event.state is WorkerState.SUCCESS and isinstance(event.worker.result, StorageFiles):
            table.loading = False
            self._show_listing(event.worker.result)
        elif event.state is WorkerState.ERROR:
            table.loading = False
            self._show_error(event.worker.error)

    def _show_listing(self, listing: StorageFiles) -> None:
        self.listing = listing
        self.location = listing.parent.location or self.location
        files = [f for f in listing.files if f.is_folder] if self.folders_only else listing.files
        self.entries = sort_entries(files)
        self.query_one(Breadcrumb).show(self._crumbs(listing))
        self._fill()
        self.query_one(StorageFileTable).focus()
        self.screen.refresh_bindings()
        self.post_message(self.FolderOpened(self, listing))

    def _crumbs(self, listing: StorageFiles) -> list[Crumb]:
        levels = [*listing.ancestors, listing.parent]
        crumbs = [
            Crumb(level.name if index else "Root", level.location or ROOT)
            for index, level in enumerate(levels)
        ]
        return crumbs or [Crumb("Root", ROOT)]

    def _show_error(self, error: BaseException | None) -> None:
        if isinstance(error, NepError):
            text = sentence(error)
        else:
            text = "The folder could not be loaded."
        self.query_one("#files-error-text", Label).update(Content(text + " Press ctrl+r to retry."))
        self.query_one("#files-error").display = True
        self.query_one("#files-retry", Button).focus()

    def _fill(self) -> None:
        self.shown = (
            [f for f in self.entries if matches(f, self.filter_text)]
            if self.filter_text
            else self.entries
        )
        self.query_one(StorageFileTable).show(self.shown, frozenset(self.marked), self.linked_ids)
        empty = self.query_one("#files-empty", Label)
        empty.display = not self.shown
        if not self.shown:
            empty.update(
                "No entry matches the filter." if self.filter_text else "This folder is empty."
            )

    @property
    def highlighted(self) -> StorageFile | None:
        table = self.query_one(StorageFileTable)
        if not self.shown or table.cursor_row >= len(self.shown):
            return None
        return self.shown[table.cursor_row]

    @on(StorageFileTable.Highlighted)
    def _row_highlighted(self, event: StorageFileTable.Highlighted) -> None:
        event.stop()
        self.post_message(self.FileHighlighted(self, self.highlighted))

    @on(StorageFileTable.Selected)
    def _row_selected(self, event: StorageFileTable.Selected) -> None:
        event.stop()
        entry = self.highlighted
        if entry is None:
            return
        if entry.is_folder:
            self.open(entry.location or ROOT)
        elif self.multi_select:
            self.action_toggle_mark()

    @on(Breadcrumb.Navigate)
    def _crumb_clicked(self, event: Breadcrumb.Navigate) -> None:
        event.stop()
        self.open(event.location)

    @on(Button.Pressed, "#files-retry")
    def _retry(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_reload()

    # --- filter -----------------------------------------------------------------------

    @on(StorageFileTable.FilterKey)
    def _filter_key(self, event: StorageFileTable.FilterKey) -> None:
        event.stop()
        if event.character == "\b":
            self.open(parent_location(self.location))
            return
        self.filter_text += event.character
        self._show_filter()
        self._fill()

    def _show_filter(self) -> None:
        label = self.query_one("#files-filter", Label)
        label.update(Content(f"filter: {self.filter_text}") if self.filter_text else "")

    # --- actions ----------------------------------------------------------------------

    def action_backspace(self) -> None:
        if self.filter_text:
            self.filter_text = self.filter_text[:-1]
            self._show_filter()
            self._fill()
        else:
            self.open(parent_location(self.location))

    def action_clear_filter(self) -> None:
        self.filter_text = ""
        self._show_filter()
        self._fill()

    def action_root(self) -> None:
        self.open(ROOT)

    def action_reload(self) -> None:
        self.open(self.location)

    def action_toggle_mark(self) -> None:
        entry = self.highlighted
        if entry is None:
            return
        if not entry.readable:
            self.notify("You may not read this file, so it cannot be linked.", severity="warning")
            return
        if entry.id in self.linked_ids:
            self.notify(
                f"{plain(entry.name)} is already linked to this work package.", markup=False
            )
            return
        if entry.id in self.marked:
            del self.marked[entry.id]
        else:
            self.marked[entry.id] = entry
        table = self.query_one(StorageFileTable)
        table.show_marks(frozenset(self.marked))
        table.cursor_row += 1
        self.post_message(self.MarksChanged(self, len(self.marked)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_mark":
            return self.multi_select
        if action == "clear_filter":
            # Without a filter, escape falls through to the screen (back).
            return bool(self.filter_text)
        return True
