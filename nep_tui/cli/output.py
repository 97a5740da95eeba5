"""What the CLI prints: JSON for scripts, aligned plain-text tables for people, progress on stderr.

Every piece of server text goes through `formatting.plain` before it reaches the terminal, so
ANSI/OSC sequences in a subject or file name are shown as text, never acted on. JSON is
printed with `ensure_ascii=True`, so it cannot carry a raw control character either.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

import click
from pydantic import BaseModel
from rich.cells import cell_len

from nep_tui.formatting import format_size, plain, truncate, unreadable


def to_jsonable(value: Any) -> Any:
    """Models become their fields (`model_dump(mode="json")`); containers are walked."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: to_jsonable(getattr(value, field.name))
            for field in dataclasses.fields(value)
        }
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


def print_json(value: Any) -> None:
    click.echo(json.dumps(to_jsonable(value), indent=2, ensure_ascii=True, sort_keys=False))


def cell(value: Any) -> str:
    """One table cell: server text made plain and kept on one line."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, enum.Enum):
        value = value.value
    return " ".join(plain(value).split())


@dataclasses.dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]
    align_right: bool = False
    # Flexible columns give up width first when a table is wider than the terminal.
    flexible: bool = False


MIN_FLEXIBLE_WIDTH = 12


def render_table(
    rows: Sequence[Any], columns: Sequence[Column], *, max_width: int | None = None
) -> list[str]:
    """Lines of an aligned table with a header; cells are plain text."""
    cells = [[cell(column.value(row)) for column in columns] for row in rows]
    widths = [
        max([cell_len(column.header)] + [cell_len(line[i]) for line in cells])
        for i, column in enumerate(columns)
    ]
    if max_width is not None:
        _shrink_to_fit(widths, columns, max_width)
    lines = [_join([column.header for column in columns], widths, columns)]
    lines.extend(_join(line, widths, columns) for line in cells)
    return lines


def _shrink_to_fit(widths: list[int], columns: Sequence[Column], max_width: int) -> None:
    gaps = 2 * (len(widths) - 1)
    flexible = [i for i, column in enumerate(columns) if column.flexible]
    while flexible and sum(widths) + gaps > max_width:
        widest = max(flexible, key=lambda i: widths[i])
        excess = sum(widths) + gaps - max_width
        new_width = max(MIN_FLEXIBLE_WIDTH, widths[widest] - excess)
        if new_width == widths[widest]:
            flexible.remove(widest)
        widths[widest] = new_width


def _join(values: Sequence[str], widths: Sequence[int], columns: Sequence[Column]) -> str:
    parts = []
    for value, width, column in zip(values, widths, columns, strict=True):
        text = truncate(value, width)
        padding = " " * (width - cell_len(text))
        parts.append(padding + text if column.align_right else text + padding)
    return "  ".join(parts).rstrip()


def print_table(rows: Sequence[Any], columns: Sequence[Column], *, empty: str) -> None:
    """A table on stdout, fitted to the terminal when stdout is one; `empty` when no rows."""
    if not rows:
        click.echo(empty)
        return
    max_width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    for line in render_table(rows, columns, max_width=max_width):
        click.echo(line)


def print_listing(
    rows: Sequence[Any],
    columns: Sequence[Column],
    *,
    empty: str,
    as_json: bool,
    nouns: tuple[str, str],
) -> None:
    """A list command's output: the API data as JSON, or an aligned table; on stderr, how many
    of the server's elements (`nouns`: one, many) could not be read."""
    if as_json:
        print_json(rows)
    else:
        print_table(rows, columns, empty=empty)
    # The rows came parsed, so the models are loaded already; commands without rows skip them.
    from nep_tui.api.models import Elements

    skipped = rows.skipped if isinstance(rows, Elements) else 0
    if skipped:
        info(unreadable(skipped, *nouns) + ".")


def print_fields(pairs: Iterable[tuple[str, Any]]) -> None:
    """`label: value` lines with aligned values; empty values are left out."""
    shown = [(label, cell(value)) for label, value in pairs if cell(value)]
    width = max((len(label) for label, _ in shown), default=0)
    for label, value in shown:
        click.echo(f"{label + ':':<{width + 1}} {value}")


def print_block(text: str | None) -> None:
    """A multi-line server text (a description), indented, control characters removed."""
    for line in plain(text).splitlines():
        click.echo(f"  {line}".rstrip())


def info(message: str) -> None:
    """A note for the person at the terminal: on stderr, so stdout stays machine-readable."""
    click.echo(message, err=True)


class StatusLine:
    """One line on stderr redrawn in place, only when stderr is a terminal, at most 10 times a
    second (the last state always)."""

    INTERVAL_SECONDS = 0.1

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr
        self._enabled = self._stream.isatty()
        self._last_draw = 0.0
        self._drawn = False

    def draw(self, text: str, *, final: bool = False) -> None:
        if not self._enabled:
            return
        now = time.monotonic()
        if now - self._last_draw < self.INTERVAL_SECONDS and not final:
            return
        self._last_draw = now
        self._stream.write(f"\r\x1b[2K{text}")
        self._stream.flush()
        self._drawn = True

    def finish(self) -> None:
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn = False


def percent(done: int, total: int | None) -> str:
    return f"{min(100, done * 100 // total):3d}%" if total else ""


class Progress(StatusLine):
    """A one-line transfer progress: the label, bytes done and of how many."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self._label = truncate(cell(label), 40)

    def __call__(self, done: int, total: int | None) -> None:
        amount = format_size(done)
        if total:
            amount = f"{amount} / {format_size(total)}  {percent(done, total)}"
        self.draw(f"{self._label}  {amount}", final=done == total)
