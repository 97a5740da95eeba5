"""Just the QR code of a link, for terminals with no room for it beside everything else."""

from __future__ import annotations

from urllib.parse import urlsplit

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label

from nep_tui.formatting import plain
from nep_tui.widgets.qr_code import QRCode


def missing_room(size: tuple[int, int], columns: int, rows: int) -> str | None:
    """How big the window must get ("at least 40 rows tall"), naming only what it lacks."""
    lacking = [f"{columns} columns wide"] if size[0] < columns else []
    if size[1] < rows:
        lacking.append(f"{rows} rows tall")
    return "at least " + " and ".join(lacking) if lacking else None


class QrCodeDialog(ModalScreen[None]):
    """Just the QR code, for terminals with no room for it beside the link and buttons."""

    CSS_PATH = "qr_code.tcss"

    BINDINGS = [
        Binding(
            "escape,q",
            "dismiss",
            "Back",
            id="qr-alone-back",
            tooltip="Back to the link and the waiting.",
        ),
    ]

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    def compose(self) -> ComposeResult:
        with Vertical(id="qr-alone"):
            with Center(id="qr-alone-centre"):
                yield QRCode(self.url, id="qr-alone-code")
            yield Label(
                Content(
                    f"Scan to open {plain(urlsplit(self.url).hostname or self.url)}"
                    " · escape goes back"
                ),
                id="qr-alone-caption",
            )
            yield Label(id="qr-alone-too-small")

    @staticmethod
    def missing_room(size: tuple[int, int], qr: QRCode) -> str | None:
        return missing_room(size, qr.columns, qr.rows + 1)  # + the caption line

    def on_resize(self) -> None:
        # A cut QR code does not scan, so rather say what the window lacks.
        lacking = self.missing_room(self.size, self.query_one(QRCode))
        self.query_one("#qr-alone").set_class(lacking is not None, "-too-small")
        if lacking:
            self.query_one("#qr-alone-too-small", Label).update(
                f"The QR code needs a window {lacking} (this one is "
                f"{self.size.width}×{self.size.height}); escape goes back."
            )
