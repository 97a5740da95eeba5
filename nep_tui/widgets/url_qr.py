"""A QR code of a URL, drawn dark on light with half blocks so it scans on any theme."""

from __future__ import annotations

import segno
from textual.widgets import Static

QUIET_ZONE = 2


def qr_lines(url: str) -> list[str]:
    """Two matrix rows per text line: '▀' = top dark, '▄' = bottom dark, '█' = both."""
    rows = [list(row) for row in segno.make(url, error="l").matrix_iter(border=QUIET_ZONE)]
    if len(rows) % 2:
        rows.append([0] * len(rows[0]))
    glyphs = {(0, 0): " ", (1, 0): "▀", (0, 1): "▄", (1, 1): "█"}
    return ["".join(glyphs[(bool(top), bool(bottom))] for top, bottom in zip(upper, lower))
            for upper, lower in zip(rows[::2], rows[1::2])]


class UrlQr(Static):
    """Hidden by the screen when the terminal is too small; the URL text is always shown too."""

    DEFAULT_CSS = """
    UrlQr { width: auto; height: auto; color: black; background: white; }
    """

    def __init__(self, url: str, *, id: str | None = None) -> None:
        self.lines = qr_lines(url)
        super().__init__("\n".join(self.lines), id=id, markup=False)

    @property
    def cells(self) -> tuple[int, int]:
        return len(self.lines[0]), len(self.lines)
