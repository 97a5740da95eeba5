"""The rows of one storage folder, drawn line by line.

Only the lines on screen are ever rendered, so a folder of 10,000 entries shows, filters and
scrolls as quickly as one of ten: setting the rows is an assignment, not 10,000 widget rows
to build and measure on the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from nep_tui.api.models import StorageFile
from nep_tui.widgets.file_row import storage_file_header, storage_file_line

# The column header stays on the first line; rows scroll beneath it.
HEADER_LINES = 1


class StorageFileTable(ScrollView, can_focus=True):
    """Rows of storage files with a cursor. Printable keys (except space) are offered to
    the parent as `FilterKey`, so typing filters instead of jumping."""

    COMPONENT_CLASSES = {
        "storage-file-table--header",
        "storage-file-table--cursor",
    }

    DEFAULT_CSS = """
    StorageFileTable {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        &:focus {
            background-tint: $foreground 5%;
            & > .storage-file-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        & > .storage-file-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .storage-file-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .storage-file-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    BINDINGS = [
        Binding(
            "up",
            "cursor(-1)",
            "Up",
            show=False,
            id="files-cursor-up",
            tooltip="Highlight the entry above.",
        ),
        Binding(
            "down",
            "cursor(1)",
            "Down",
            show=False,
            id="files-cursor-down",
            tooltip="Highlight the entry below.",
        ),
        Binding(
            "pageup",
            "page(-1)",
            "Page up",
            show=False,
            id="files-page-up",
            tooltip="Highlight one screen up.",
        ),
        Binding(
            "pagedown",
            "page(1)",
            "Page down",
            show=False,
            id="files-page-down",
            tooltip="Highlight one screen down.",
        ),
        Binding(
            "home",
            "first",
            "First",
            show=False,
            id="files-first",
            tooltip="Highlight the first entry.",
        ),
        Binding(
            "end", "last", "Last", show=False, id="files-last", tooltip="Highlight the last entry."
        ),
        Binding(
            "enter",
            "select",
            "Open",
            show=False,
            id="files-select",
            tooltip="Open the highlighted folder, or mark the highlighted file.",
        ),
        Binding(
            "left",
            "parent",
            "Up",
            show=False,
            id="files-left-up",
            tooltip="Go to the parent folder.",
        ),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=True, init=False)

    @dataclass
    class FilterKey(Message):
        """A character typed for the filter; backspace-like "go up" is `\\b`."""

        character: str

    @dataclass
    class Highlighted(Message):
        table: StorageFileTable
        index: int

        @property
        def control(self) -> StorageFileTable:
            return self.table

    @dataclass
    class Selected(Message):
        table: StorageFileTable
        index: int

        @property
        def control(self) -> StorageFileTable:
            return self.table

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.files: list[StorageFile] = []
        self.marked_ids: frozenset[str] = frozenset()
        self.linked_ids: frozenset[str] = frozenset()

    def show(
        self,
        files: list[StorageFile],
        marked_ids: frozenset[str],
        linked_ids: frozenset[str] = frozenset(),
    ) -> None:
        """Show these rows (in this order) with the cursor on the first one; `linked_ids` are
        files already linked to the work package at hand."""
        self.files = files
        self.marked_ids = marked_ids
        self.linked_ids = linked_ids
        self.virtual_size = Size(0, len(files) + HEADER_LINES)
        self.scroll_to(y=0, animate=False, immediate=True)
        self.cursor_row = 0

    def show_marks(self, marked_ids: frozenset[str]) -> None:
        self.marked_ids = marked_ids
        self.refresh()

    # --- cursor ---------------------------------------------------------------------------

    @property
    def page_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - HEADER_LINES)

    def validate_cursor_row(self, row: int) -> int:
        return max(0, min(row, len(self.files) - 1))

    def watch_cursor_row(self, row: int) -> None:
        self._scroll_to_cursor()
        self.refresh()
        self.post_message(self.Highlighted(self, row))

    def on_resize(self) -> None:
        # A lower window must not leave the cursor below its bottom edge.
        self._scroll_to_cursor()

    def _scroll_to_cursor(self) -> None:
        row, top = self.cursor_row, round(self.scroll_y)
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + self.page_rows:
            self.scroll_to(y=row - self.page_rows + 1, animate=False, immediate=True)

    def action_cursor(self, step: int) -> None:
        self.cursor_row += step

    def action_page(self, direction: int) -> None:
        self.cursor_row += direction * self.page_rows

    def action_first(self) -> None:
        self.cursor_row = 0

    def action_last(self) -> None:
        self.cursor_row = len(self.files) - 1

    def action_select(self) -> None:
        if self.files:
            self.post_message(self.Selected(self, self.cursor_row))

    def action_parent(self) -> None:
        self.post_message(self.FilterKey("\b"))

    # --- input ----------------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        if event.is_printable and event.character and event.character != " ":
            event.stop()
            event.prevent_default()
            self.post_message(self.FilterKey(event.character))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < HEADER_LINES:
            return
        row = round(self.scroll_y) + offset.y - HEADER_LINES
        if row < len(self.files):
            self.cursor_row = row
            self.action_select()

    # --- drawing --------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y < HEADER_LINES:
            style = self.get_component_rich_style("storage-file-table--header")
            return self._strip(storage_file_header(width), width, style)
        row = round(self.scroll_y) + y - HEADER_LINES
        if row >= len(self.files):
            return Strip.blank(width, self.rich_style)
        file = self.files[row]
        style = self.rich_style
        if row == self.cursor_row:
            style += self.get_component_rich_style("storage-file-table--cursor")
        line = storage_file_line(
            file, marked=file.id in self.marked_ids, linked=file.id in self.linked_ids, width=width
        )
        return self._strip(line, width, style)

    def _strip(self, text: Text, width: int, style: Style) -> Strip:
        segments = list(text.render(self.app.console))
        return Strip(segments).apply_style(style).crop_extend(0, width, style)
