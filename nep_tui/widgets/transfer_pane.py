"""What the attachments pane and the files pane share: downloads with progress, never clobbering."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label

from nep_tui.api.errors import DownloadTargetExists, NepError
from nep_tui.api.models import WorkPackage
from nep_tui.api.transfers import unique_path
from nep_tui.formatting import plain, safe_file_name
from nep_tui.screens.download_folder import DownloadFolderDialog
from nep_tui.widgets.transfer_progress import TransferProgress

Progress = Callable[[int, int | None], None]
Fetch = Callable[[Path, Progress], Awaitable[Path]]
"""Downloads to the given file path (never replacing it), reporting progress."""

# A name that keeps appearing while we download means something else is writing there.
MAX_NAME_ATTEMPTS = 5


def error_sentence(error: BaseException) -> str:
    if isinstance(error, NepError):
        return f"{error.message} {error.hint}".strip()
    return "Something unexpected went wrong; try again."


@dataclass(frozen=True)
class Removal:
    """What a confirmed removal says and does: `remove` is the server call."""

    question: str
    name: str
    detail: str
    confirm_label: str
    remove: Callable[[], Awaitable[None]]
    done: str
    failed_title: str


class TransferPane(Vertical):
    """A pane of one work package: its `TITLE`, a `.pane-body`, and a `.pane-transfers` area
    under it where transfers show progress. Subclasses provide `action_reload`, which loads the
    body and runs again after a successful removal."""

    TITLE: ClassVar[str]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.work_package: WorkPackage | None = None

    def compose(self) -> ComposeResult:
        yield Label(self.TITLE, classes="pane-title")
        yield Vertical(classes="pane-body")
        yield Vertical(classes="pane-transfers")

    def show_for(self, work_package: WorkPackage) -> None:
        self.work_package = work_package
        self.action_reload()  # type: ignore[attr-defined]

    def confirm_and_remove(self, removal: Removal) -> None:
        from nep_tui.dialogs.confirm import ConfirmDialog

        def answered(yes: bool | None) -> None:
            if yes:
                self._remove(removal)

        self.app.push_screen(
            ConfirmDialog(
                removal.question,
                plain(removal.name),
                detail=removal.detail,
                confirm_label=removal.confirm_label,
            ),
            answered,
        )

    @work(group="remove", exit_on_error=False)
    async def _remove(self, removal: Removal) -> None:
        try:
            await removal.remove()
        except NepError as error:
            self.notify(
                error_sentence(error), title=removal.failed_title, severity="error", markup=False
            )
            return
        self.notify(f"{removal.done} {plain(removal.name)}.", markup=False)
        self.action_reload()  # type: ignore[attr-defined]

    def ask_and_download(self, name: str, fetch: Fetch) -> None:
        def chosen(folder: Path | None) -> None:
            if folder is not None:
                self._download(name, folder, fetch)

        self.app.push_screen(DownloadFolderDialog(name), chosen)

    @work(group="download", exit_on_error=False)
    async def _download(self, name: str, folder: Path, fetch: Fetch) -> None:
        progress = TransferProgress(f"Downloading {name}")
        await self.query_one(".pane-transfers").mount(progress)
        wanted = folder / safe_file_name(name)
        target = unique_path(wanted)
        try:
            for _ in range(MAX_NAME_ATTEMPTS):
                try:
                    saved = await fetch(target, progress.update_bytes)
                    break
                except DownloadTargetExists:
                    target = unique_path(target)
            else:
                raise DownloadTargetExists(str(target))
        except NepError as error:
            progress.finish(f"Not downloaded: {error_sentence(error)}", failed=True)
            return
        if saved.name != wanted.name:
            progress.finish(f"Saved as {saved} ({wanted.name} already existed and was kept).")
        else:
            progress.finish(f"Saved to {saved}")
