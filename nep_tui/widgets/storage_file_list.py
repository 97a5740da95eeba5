"""Browse one folder of a file storage at a time: breadcrumb, type-to-filter, lazy loading.

Used by the folder picker (both directions) and the storage browser. Folders come first, then
files, each sorted by name. A folder of 10,000 entries is one `DataTable.add_rows` call;
filtering rebuilds the rows from the already loaded listing, without a request.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, DataTable, Label
from textual.worker import Worker, WorkerState

from nep_tui.api.errors import NepError
from nep_tui.api.models import StorageFile, StorageFiles
from nep_tui.widgets.breadcrumb import Breadcrumb, Crumb
from nep_tui.widgets.file_row import storage_file_cells

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


class FileTable(DataTable):
    """The listing; printable keys (except space) go to the filter instead of the table."""

    BINDINGS = [
        Binding("left", "parent", "Up", show=False, id="files-left-up",
                tooltip="Go to the parent folder."),
    ]

    @dataclass
    class FilterKey(Message):
        character: str

    def on_key(self, event: events.Key) -> None:
        if event.is_printable and event.character and event.character != " ":
            event.stop()
            event.prevent_default()
            self.post_message(self.FilterKey(event.character))

    def action_parent(self) -> None:
        self.post_message(FileTable.FilterKey("\b"))


class StorageFileList(Vertical):
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
        Binding("space", "toggle_mark", "Mark", id="files-mark",
                tooltip="Mark or unmark the highlighted file."),
        Binding("backspace", "backspace", "Up", id="files-up",
                tooltip="Delete a filter character, or go to the parent folder."),
        Binding("ctrl+t", "root", "Root", id="files-root", tooltip="Go to the storage root."),
        Binding("ctrl+r", "reload", "Reload", id="files-reload", tooltip="Load the folder again."),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="files-clear-filter",
                tooltip="Clear the filter."),
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
    class FileChosen(Message):
        """Enter on a readable file (folders open instead)."""

        file_list: StorageFileList
        file: StorageFile

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

    def __init__(self, storage_id: int, *, multi_select: bool = False, folders_only: bool = False,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.storage_id = storage_id
        self.multi_select = multi_select
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
        table = FileTable(id="files-table", cursor_type="row", zebra_stripes=False)
        yield table
        with Vertical(id="files-error"):
            yield Label("", id="files-error-text")
            yield Button("Retry", id="files-retry")
        yield Label("", id="files-empty")

    def on_mount(self) -> None:
        table = self.query_one(FileTable)
        table.add_column(" ", key="mark", width=1)
        table.add_column("Name", key="name")
        table.add_column("Size", key="size", width=9)
        table.add_column("Modified", key="modified", width=16)
        self.query_one("#files-error").display = False
        self.query_one("#files-empty").display = False

    # --- navigation -------------------------------------------------------------------

    def open(self, location: str) -> None:
        self.location = location or ROOT
        self.filter_text = ""
        self._show_filter()
        self.query_one("#files-error").display = False
        self.query_one(FileTable).loading = True
        self._load(self.location)

    @work(exclusive=True, group="storage-files", exit_on_error=False)
    async def _load(self, location: str) -> StorageFiles:
        return await self.app.client.storage_files(self.storage_id, location)

    @on(Worker.StateChanged)
    def _loaded(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "storage-files":
            return
        table = self.query_one(FileTable)
        if event.state is WorkerState.SUCCESS:
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
        self.query_one(FileTable).focus()
        self.screen.refresh_bindings()
        self.post_message(self.FolderOpened(self, listing))

    def _crumbs(self, listing: StorageFiles) -> list[Crumb]:
        levels = [*listing.ancestors, listing.parent]
        crumbs = [Crumb(level.name if index else "Root", level.location or ROOT)
                  for index, level in enumerate(levels)]
        return crumbs or [Crumb("Root", ROOT)]

    def _show_error(self, error: BaseException | None) -> None:
        if isinstance(error, NepError):
            text = f"{error.message} {error.hint}".strip()
        else:
            text = "The folder could not be loaded."
        self.query_one("#files-error-text", Label).update(Content(text + " Press ctrl+r to retry."))
        self.query_one("#files-error").display = True
        self.query_one("#files-retry", Button).focus()

    def _fill(self) -> None:
        table = self.query_one(FileTable)
        table.clear()
        self.shown = [f for f in self.entries if matches(f, self.filter_text)] \
            if self.filter_text else self.entries
        table.add_rows(
            (storage_file_cells(f, marked=f.id in self.marked) for f in self.shown),
        )
        empty = self.query_one("#files-empty", Label)
        empty.display = not self.shown
        if not self.shown:
            empty.update("No entry matches the filter." if self.filter_text else "This folder is empty.")
        self._highlight()

    def _highlight(self) -> None:
        self.post_message(self.FileHighlighted(self, self.highlighted))

    @property
    def highlighted(self) -> StorageFile | None:
        table = self.query_one(FileTable)
        if not self.shown or table.cursor_row >= len(self.shown):
            return None
        return self.shown[table.cursor_row]

    @on(DataTable.RowHighlighted, "#files-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._highlight()

    @on(DataTable.RowSelected, "#files-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        entry = self.highlighted
        if entry is None:
            return
        if entry.is_folder:
            self.open(entry.location or ROOT)
        elif not entry.readable:
            self.notify("You may not read this file, so it cannot be chosen.", severity="warning")
        else:
            self.post_message(self.FileChosen(self, entry))

    @on(Breadcrumb.Navigate)
    def _crumb_clicked(self, event: Breadcrumb.Navigate) -> None:
        event.stop()
        self.open(event.location)

    @on(Button.Pressed, "#files-retry")
    def _retry(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_reload()

    # --- filter -----------------------------------------------------------------------

    @on(FileTable.FilterKey)
    def _filter_key(self, event: FileTable.FilterKey) -> None:
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
        if entry.id in self.marked:
            del self.marked[entry.id]
        else:
            self.marked[entry.id] = entry
        table = self.query_one(FileTable)
        row = table.cursor_row
        table.update_cell_at((row, 0), storage_file_cells(entry, marked=entry.id in self.marked)[0])
        table.move_cursor(row=min(row + 1, len(self.shown) - 1))
        self.post_message(self.MarksChanged(self, len(self.marked)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_mark":
            return self.multi_select
        if action == "clear_filter":
            # Without a filter, escape falls through to the screen (back).
            return bool(self.filter_text)
        return True
