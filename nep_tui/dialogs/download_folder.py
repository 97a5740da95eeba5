"""Ask where a download goes: a folder, the user's download folder by default."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from nep_tui.formatting import plain


def default_download_folder() -> Path:
    return Path(platformdirs.user_downloads_dir())


class DownloadFolderDialog(ModalScreen[Path | None]):
    """Dismisses with an existing folder, or None when cancelled."""

    DEFAULT_CSS = """
    DownloadFolderDialog { align: center middle; }
    DownloadFolderDialog > Vertical {
        width: 70; max-width: 95%; height: auto;
        border: thick $primary 60%; background: $surface; padding: 1 2;
    }
    DownloadFolderDialog #download-question { text-style: bold; }
    DownloadFolderDialog #download-name { color: $text-accent; margin: 0 0 1 0; }
    DownloadFolderDialog #download-error { color: $text-error; height: auto; }
    DownloadFolderDialog Horizontal { height: auto; align-horizontal: right; margin: 1 0 0 0; }
    DownloadFolderDialog Button { margin: 0 0 0 2; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="download-cancel", tooltip="Do not download.")
    ]

    # The last folder chosen in this session is offered again.
    last_folder: Path | None = None

    def __init__(self, file_name: str, folder: Path | None = None) -> None:
        super().__init__()
        self.file_name = file_name
        self.folder = folder or DownloadFolderDialog.last_folder or default_download_folder()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Download to which folder?", id="download-question")
            yield Label(Content(plain(self.file_name)), id="download-name")
            yield Input(str(self.folder), id="download-folder")
            yield Label("", id="download-error")
            with Horizontal():
                yield Button("Cancel", id="download-no")
                yield Button("Download", id="download-yes", variant="primary")

    @on(Input.Submitted)
    @on(Button.Pressed, "#download-yes")
    def _confirm(self) -> None:
        text = self.query_one(Input).value.strip()
        folder = Path(text).expanduser() if text else default_download_folder()
        if folder == default_download_folder():
            # A fresh account may not have its download folder yet.
            folder.mkdir(parents=True, exist_ok=True)
        if not folder.is_dir():
            self.query_one("#download-error", Label).update(
                Content(f"{folder} is not an existing folder; type another.")
            )
            return
        DownloadFolderDialog.last_folder = folder
        self.dismiss(folder)

    @on(Button.Pressed, "#download-no")
    def action_cancel(self) -> None:
        self.dismiss(None)
