"""Work packages as table rows; asks for the next page when the cursor nears the end."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events, on
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from nep_tui.api.models import WorkPackage
from nep_tui.formatting import format_date, plain
from nep_tui.messages import OpenWorkPackage

# (label, width) of the columns around the subject, which takes whatever width is left.
WIDE_COLUMNS = (("ID", 8), ("Type", 10), ("Status", 12), ("Assignee", 18), ("Updated", 10))
NARROW_COLUMNS = (("ID", 6), ("Type", 8), ("Status", 11), ("Assignee", 12), ("Updated", 10))
NARROW_BELOW = 120
SUBJECT_MIN_WIDTH = 16
CELL_PADDING = 2
"""DataTable pads every cell by one column on each side."""
SCROLLBAR_ROOM = 2
PREFETCH_ROWS = 10
"""Ask for the next page when the cursor is this close to the last loaded row."""


def cell(text: object, style: str = "") -> Text:
    """Server text for one table cell: one line, never markup, cut with an ellipsis."""
    return Text(
        plain(text).replace("\n", " ").replace("\t", " "),
        style=style,
        no_wrap=True,
        overflow="ellipsis",
    )


def work_package_id_label(work_package: WorkPackage) -> str:
    display = plain(work_package.display_id) or str(work_package.id)
    return display if display.startswith("#") else f"#{display}"


class WorkPackageTable(DataTable[Text]):
    """Enter opens the highlighted work package (posts `OpenWorkPackage`)."""

    BINDINGS = [
        Binding(
            "enter",
            "select_cursor",
            "Open",
            id="wp-open",
            tooltip="Open the highlighted work package.",
        ),
    ]

    @dataclass
    class NearEnd(Message):
        """The cursor is close to the last loaded row: time to load the next page."""

        table: WorkPackageTable

        @property
        def control(self) -> WorkPackageTable:
            return self.table

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.work_packages: list[WorkPackage] = []
        self._subject_width = SUBJECT_MIN_WIDTH

    def on_mount(self) -> None:
        self._build_columns()

    def _columns(self) -> tuple[tuple[str, int], ...]:
        return NARROW_COLUMNS if self.size.width < NARROW_BELOW else WIDE_COLUMNS

    def _build_columns(self) -> None:
        self.clear(columns=True)
        columns = list(self._columns())
        columns.insert(3, ("Subject", self._subject_width))
        for label, width in columns:
            self.add_column(label, width=width, key=label)

    def on_resize(self, event: events.Resize) -> None:
        columns = self._columns()
        used = sum(width for _, width in columns) + CELL_PADDING * (len(columns) + 1)
        width = max(SUBJECT_MIN_WIDTH, event.size.width - used - SCROLLBAR_ROOM)
        if width != self._subject_width:
            self._subject_width = width
            cursor = self.cursor_row
            self._build_columns()
            self._add_rows(self.work_packages)
            if self.row_count:
                self.move_cursor(row=min(cursor, self.row_count - 1))

    def show(self, work_packages: list[WorkPackage]) -> None:
        """Replace every row."""
        self.work_packages = list(work_packages)
        self.clear()
        self._add_rows(self.work_packages)

    def append(self, work_packages: list[WorkPackage]) -> None:
        """Add the next page below the rows already shown."""
        known = {work_package.id for work_package in self.work_packages}
        fresh = [work_package for work_package in work_packages if work_package.id not in known]
        self.work_packages.extend(fresh)
        self._add_rows(fresh)

    def _add_rows(self, work_packages: list[WorkPackage]) -> None:
        for work_package in work_packages:
            self.add_row(
                cell(work_package_id_label(work_package), "bold"),
                cell(work_package.type_name),
                cell(work_package.status_name, "dim" if work_package.status_closed else ""),
                cell(work_package.subject),
                cell(work_package.assignee_name or "—"),
                cell(format_date(work_package.updated_at)),
                key=str(work_package.id),
            )

    @property
    def highlighted(self) -> WorkPackage | None:
        if not self.work_packages or not 0 <= self.cursor_row < len(self.work_packages):
            return None
        return self.work_packages[self.cursor_row]

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= self.row_count - PREFETCH_ROWS:
            self.post_message(self.NearEnd(self))

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(OpenWorkPackage(int(event.row_key.value)))
