"""A QR code drawn with half blocks, dark modules on a light ground so it scans on any theme."""

from __future__ import annotations

import segno
from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget

QUIET_ZONE = 2
"""Modules of light border around the code; scanners need it to find the code."""

# Two module rows per text row: (upper is dark, lower is dark) -> glyph drawn in the dark colour.
_HALF_BLOCKS = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


def qr_lines(data: str, border: int = QUIET_ZONE) -> list[str]:
    rows = [[bool(module) for module in row] for row in segno.make(data).matrix_iter(border=border)]
    if len(rows) % 2:
        rows.append([False] * len(rows[0]))
    return [
        "".join(_HALF_BLOCKS[(upper, lower)] for upper, lower in zip(top, bottom, strict=True))
        for top, bottom in zip(rows[0::2], rows[1::2], strict=True)
    ]


class QRCode(Widget):
    """Colours are fixed on purpose: black on white is what phone cameras read reliably."""

    DEFAULT_CSS = """
    QRCode {
        width: auto;
        height: auto;
        color: black;
        background: white;
    }
    """

    def __init__(self, data: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines = qr_lines(data)

    @property
    def columns(self) -> int:
        return len(self.lines[0]) if self.lines else 0

    @property
    def rows(self) -> int:
        return len(self.lines)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self.columns

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.rows

    def render(self) -> Content:
        return Content("\n".join(self.lines))
