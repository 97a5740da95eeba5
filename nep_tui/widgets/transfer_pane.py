"""What the attachments pane and the files pane share: downloads with progress, never clobbering.

The panes never open a screen or a dialog themselves: they post a message (remove this, ask
where to download, upload here) and the screen that owns them asks the user, then calls the
pane back (`remove_confirmed`, `download`, `action_reload`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Label
from textual.worker import Worker, WorkerState

from nep_tui.api.errors import DownloadTargetExists, NepError
from nep_tui.api.folder_download import FolderDownload, FolderProgress, folder_summary
from nep_tui.api.models import Storage, WorkPackage
from nep_tui.api.transfers import unique_path
from nep_tui.failures import sentence
from nep_tui.formatting import plain, safe_file_name
from nep_tui.widgets.offline import NeedsServer
from nep_tui.widgets.transfer_progress import TransferProgress
from nep_tui.widgets.worker_failures import ReportsWorkerFailures

Progress = Callable[[int, int | None], None]
Fetch = Callable[[Path, Progress], Awaitable[Path]]
"""Downloads to the given file path (never replacing it), reporting progress."""
FetchTree = Callable[[Path, FolderProgress], Awaitable[FolderDownload]]
"""Downloads a folder with everything in it into the given local folder."""

# A name that keeps appearing while we download means something else is writing there.
MAX_NAME_ATTEMPTS = 5


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


class TransferPane(NeedsServer, ReportsWorkerFailures, Vertical):
    """A pane of one work package: its `TITLE`, a `.pane-body`, and a `.pane-transfers` area
    under it where transfers show progress. Subclasses load the body in `action_reload`,
    which runs again after a successful removal."""

    TITLE: ClassVar[str]
    LOAD_GROUP: ClassVar[str]
    """The worker group of `action_reload`; its result (or error) goes to `show_outcome`."""

    @dataclass
    class RemovalRequested(Message):
        """The user asked to remove something; the screen confirms, then calls `remove_confirmed`."""

        pane: TransferPane
        removal: Removal

        @property
        def control(self) -> TransferPane:
            return self.pane

    @dataclass
    class DownloadRequested(Message):
        """The user asked to download `name`; the screen asks where, then calls `download`."""

        pane: TransferPane
        name: str
        fetch: Fetch

        @property
        def control(self) -> TransferPane:
            return self.pane

    @dataclass
    class FolderDownloadRequested(Message):
        """The user asked to download the folder `name`; the screen asks where, then calls
        `download_folder`."""

        pane: TransferPane
        name: str
        fetch: FetchTree

        @property
        def control(self) -> TransferPane:
            return self.pane

    @dataclass
    class UploadRequested(Message):
        """Upload local files to `storage` and link them (None: as attachments)."""

        pane: TransferPane
        work_package: WorkPackage
        storage: Storage | None

        @property
        def control(self) -> TransferPane:
            return self.pane

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.work_package: WorkPackage | None = None

    def compose(self) -> ComposeResult:
        yield Label(self.TITLE, classes="pane-title")
        yield Vertical(classes="pane-body")
        yield Vertical(classes="pane-transfers")

    def action_reload(self) -> None:
        """Load the body from the server (each pane knows what it shows)."""
        raise NotImplementedError

    async def show_outcome(self, outcome: object, *, take_focus: bool) -> None:
        """Show what was loaded, or the error that came instead; with `take_focus`, the focus
        goes to what was highlighted before (a reload must not send keys somewhere else)."""
        raise NotImplementedError

    async def show(self, work_package: WorkPackage, outcome: object, *, take_focus: bool) -> None:
        """Show what the screen has loaded already (or why it could not be)."""
        self.work_package = work_package
        await self.show_outcome(outcome, take_focus=take_focus)

    @on(Worker.StateChanged)
    async def _loaded(self, event: Worker.StateChanged) -> None:
        if event.worker.group != self.LOAD_GROUP or not event.worker.is_finished:
            return
        outcome = event.worker.result if event.state is WorkerState.SUCCESS else event.worker.error
        if outcome is not None:  # (a cancelled load has neither)
            await self.show_outcome(outcome, take_focus=self.has_focus_within)

    def request_removal(self, removal: Removal) -> None:
        self.post_message(self.RemovalRequested(self, removal))

    def request_download(self, name: str, fetch: Fetch) -> None:
        self.post_message(self.DownloadRequested(self, name, fetch))

    def request_folder_download(self, name: str, fetch: FetchTree) -> None:
        self.post_message(self.FolderDownloadRequested(self, name, fetch))

    @work(group="download", exit_on_error=False, description="downloading a folder")
    async def download_folder(self, name: str, folder: Path, fetch: FetchTree) -> None:
        await download_folder_into(self.query_one(".pane-transfers"), name, folder, fetch)

    @work(group="remove", exit_on_error=False, description="removing a file")
    async def remove_confirmed(self, removal: Removal) -> None:
        """Do a removal the user has confirmed, and load the pane again."""
        try:
            await removal.remove()
        except NepError as error:
            self.notify(sentence(error), title=removal.failed_title, severity="error", markup=False)
            return
        self.notify(f"{removal.done} {plain(removal.name)}.", markup=False)
        self.action_reload()

    @work(group="download", exit_on_error=False, description="downloading a file")
    async def download(self, name: str, folder: Path, fetch: Fetch) -> None:
        """Download into `folder` under a name of its own: an existing file is never replaced."""
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
        except Exception as error:
            # A bug is reported by the one path for worker failures; the row must not hang.
            progress.finish(f"Not downloaded: {sentence(error)}", failed=True)
            if not isinstance(error, NepError):
                raise
            return
        if saved.name != wanted.name:
            progress.finish(f"Saved as {saved} ({wanted.name} already existed and was kept).")
        else:
            progress.finish(f"Saved to {saved}")


async def download_folder_into(area: Widget, name: str, folder: Path, fetch: FetchTree) -> None:
    """A folder download with its TransferProgress row in `area`; what it did, on the row."""
    progress = TransferProgress(f"Downloading folder {name}")
    await area.mount(progress)
    try:
        result = await fetch(folder, progress.update_tree)
    except Exception as error:
        # A bug is reported by the one path for worker failures; the row must not hang.
        progress.finish(f"Not downloaded: {sentence(error)}", failed=True)
        if not isinstance(error, NepError):
            raise
        return
    progress.finish(folder_summary(result), failed=bool(result.failed))
