"""One line per file, the same shape wherever files are listed: kind, name, when, who.

Server text (names, people) goes through `formatting.plain` into Rich `Text`, never markup.
Status is said in words, not only by colour, so it survives NO_COLOR.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from rich.table import Table
from rich.text import Text

from nep_tui.api.models import Attachment, FileLink, FileLinkStatus, StorageFile
from nep_tui.formatting import format_datetime, format_size, plain

FOLDER_ICON = "▸"
FILE_ICON = "·"
NOT_FOUND_NOTE = "could not be found in Nextcloud"
NOT_ALLOWED_NOTE = "no permission to open"
TIME_WIDTH = 16
PERSON_WIDTH = 18
SIZE_WIDTH = 9


def _row(*cells: Text, name_style: str = "") -> Table:
    grid = Table.grid(expand=True, padding=(0, 1))
    grid.add_column(width=1, no_wrap=True)
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis", style=name_style)
    for cell in cells[2:]:
        grid.add_column(width=max(cell.cell_len, 1), no_wrap=True, overflow="ellipsis")
    grid.add_row(*cells)
    return grid


def _when(moment: datetime | None) -> Text:
    return Text(format_datetime(moment).ljust(TIME_WIDTH))


def _who(name: str | None) -> Text:
    text = Text(plain(name or ""))
    text.truncate(PERSON_WIDTH, overflow="ellipsis", pad=True)
    return text


def file_link_row(link: FileLink) -> Table:
    icon = Text(FOLDER_ICON if link.is_folder else FILE_ICON)
    name = Text(plain(link.name))
    if link.status is FileLinkStatus.NOT_FOUND:
        note = Text(NOT_FOUND_NOTE, style="italic")
        return _row(icon, name, note, name_style="strike")
    if link.status is FileLinkStatus.VIEW_NOT_ALLOWED:
        name.append(f" ({NOT_ALLOWED_NOTE})", style="italic")
    return _row(icon, name, _when(link.last_modified_at), _who(link.last_modified_by))


def attachment_row(attachment: Attachment) -> Table:
    size = Text(format_size(attachment.file_size).rjust(SIZE_WIDTH))
    return _row(
        Text(FILE_ICON),
        Text(plain(attachment.file_name)),
        size,
        _when(attachment.created_at),
        _who(attachment.author_name),
    )


def _storage_columns(width: int, mark: Text, name: Text, size: Text, modified: Text) -> Text:
    """One line of the storage file table: mark, name (what is left), size, modified."""
    # A leading space, then each cell followed by a space.
    name_width = max(width - (1 + 1 + SIZE_WIDTH + TIME_WIDTH + 4), 8)
    line = Text(" ", no_wrap=True, end="")
    columns: tuple[tuple[Text, int, Literal["left", "right"]], ...] = (
        (mark, 1, "left"),
        (name, name_width, "left"),
        (size, SIZE_WIDTH, "right"),
        (modified, TIME_WIDTH, "left"),
    )
    for cell, cell_width, justify in columns:
        cell.overflow = "ellipsis"
        cell.align(justify, cell_width)
        line.append_text(cell)
        line.append(" ")
    return line


def storage_file_header(width: int) -> Text:
    return _storage_columns(width, Text(""), Text("Name"), Text("Size"), Text("Modified"))


def storage_file_line(file: StorageFile, *, marked: bool, width: int, linked: bool = False) -> Text:
    """A storage file as one line of `width` cells; unreadable files are dimmed and say why,
    files already `linked` to the work package at hand say so."""
    icon = FOLDER_ICON if file.is_folder else FILE_ICON
    name = f"{icon} {plain(file.name)}" + ("/" if file.is_folder else "")
    # A name is one line here, whatever the server sends.
    name = name.replace("\n", " ").replace("\t", " ")
    if not file.readable:
        name += "  (no permission)"
    elif linked:
        name += "  (linked)"
    size = "" if file.is_folder else format_size(file.size)
    line = _storage_columns(
        width,
        Text("✓" if marked else " "),
        Text(name),
        Text(size),
        Text(format_datetime(file.last_modified_at)),
    )
    if not file.readable:
        line.stylize("dim")
    return line
