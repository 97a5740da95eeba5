"""Upload local files: to Nextcloud and link them, or as attachments of the work package.

Steps: choose local files → (Nextcloud) choose the destination folder in the picker →
upload with a bar per file and one for the batch → link. Each uploaded file is linked right
away and a cancel arriving during the link waits for it, so cancelling at any moment leaves
every uploaded file linked and nothing half-done (an upload cut off midway is dropped by
Nextcloud). A failed file never stops the others.
"""

from __future__ import annotations

import asyncio
import mimetypes
from enum import Enum
from pathlib import Path

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Footer, Label
from textual.worker import get_current_worker

from nep_tui.api.errors import FileNameExists, NepError, QuotaExceeded, TooLarge
from nep_tui.api.models import Storage, StorageFile, UploadResult, WorkPackage
from nep_tui.api.transfers import Progress
from nep_tui.dialogs.name_exists import NameChoice, NameExistsDialog
from nep_tui.failures import sentence
from nep_tui.formatting import format_size, plain
from nep_tui.paths import file_size
from nep_tui.services import current_client
from nep_tui.widgets.app_header import AppHeader
from nep_tui.widgets.local_file_chooser import LocalFileChooser
from nep_tui.widgets.transfer_progress import TransferProgress
from nep_tui.widgets.worker_failures import ReportsWorkerFailures


class Phase(Enum):
    CHOOSING = "choosing"
    RUNNING = "running"
    STOPPING = "stopping"  # cancelled, waiting for a link already under way
    ENDED = "ended"


def failure_sentence(path: Path, error: NepError) -> str:
    """413 and 507 in one sentence each; anything else as the error says."""
    if isinstance(error, TooLarge):
        limit = f" (limit {format_size(error.limit_bytes)})" if error.limit_bytes else ""
        return f"{path.name} is larger than the server accepts{limit}, so it was not uploaded."
    if isinstance(error, QuotaExceeded):
        return f"There is not enough storage quota left for {path.name}, so it was not uploaded."
    return f"{path.name} was not uploaded: {sentence(error)}"


def uploaded_file(result_id: str, name: str, path: Path, folder: StorageFile) -> StorageFile:
    """What a fresh upload is, as a storage file to link (the server fills in the rest)."""
    parent = (folder.location or "/").rstrip("/")
    return StorageFile(
        id=result_id,
        name=name,
        size=file_size(path),
        mime_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        location=f"{parent}/{name}",
        readable=True,
        writeable=True,
    )


class UploadScreen(ReportsWorkerFailures, Screen[bool]):
    """Dismisses with True when anything was uploaded (so the caller reloads)."""

    CSS_PATH = "upload.tcss"

    # check_action shows one of the two escape bindings: Cancel until the batch has ended.
    BINDINGS = [
        Binding(
            "escape",
            "cancel",
            "Cancel",
            id="upload-cancel",
            tooltip="Stop: nothing more is uploaded, finished files stay linked.",
        ),
        Binding("escape", "close", "Close", id="upload-close", tooltip="Back to the work package."),
        Binding("ctrl+s", "next", "Next", id="upload-next", tooltip="Go on with the chosen files."),
    ]

    def __init__(
        self, work_package: WorkPackage, storage: Storage | None, *, start: Path | None = None
    ) -> None:
        super().__init__()
        self.work_package = work_package
        self.storage = storage
        self.start = start or Path.home()
        self.changed = False
        self.phase = Phase.CHOOSING

    @property
    def to_storage(self) -> bool:
        return self.storage is not None

    def compose(self) -> ComposeResult:
        # A fixed sub title: the server URL (a random port in tests) stays out of snapshots.
        self.sub_title = "Upload"
        yield AppHeader()
        target = (
            f"Upload to {plain(self.storage.name)} and link to #{self.work_package.display_id}"
            if self.storage
            else f"Attach files to #{self.work_package.display_id}"
        )
        with Vertical(id="upload"):
            yield Label(Content(target), id="upload-title")
            yield LocalFileChooser(self.start, id="upload-chooser")
            with VerticalScroll(id="upload-transfers"):
                yield Label("", id="upload-destination")
                yield TransferProgress("All files", id="upload-batch")
            with Horizontal(id="upload-actions"):
                yield Label("", id="upload-summary")
                yield Button("Cancel", id="upload-cancel-button")
                yield Button(
                    "Choose location" if self.to_storage else "Upload",
                    id="upload-next-button",
                    variant="primary",
                )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#upload-transfers").display = False

    def on_paste(self, event: events.Paste) -> None:
        # A file dragged into the terminal arrives as a paste, wherever the focus is (the tree
        # has it at first); the path input handles its own pastes before they get here.
        if self.phase is Phase.CHOOSING:
            event.stop()
            self.query_one(LocalFileChooser).add_text(event.text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            # Shown but disabled while stopping: a second cancel would cut off the last link.
            return {Phase.ENDED: False, Phase.STOPPING: None}.get(self.phase, True)
        if action == "close":
            return self.phase is Phase.ENDED
        if action == "next":
            return self.phase is Phase.CHOOSING
        return True

    def _enter(self, phase: Phase) -> None:
        self.phase = phase
        self.refresh_bindings()

    # --- steps ------------------------------------------------------------------------

    @on(Button.Pressed, "#upload-next-button")
    def action_next(self) -> None:
        if self.phase is Phase.CHOOSING:
            self._choose_destination()
        elif self.phase is Phase.ENDED:
            self.dismiss(self.changed)

    def _choose_destination(self) -> None:
        from nep_tui.screens.folder_picker import FolderPickerScreen, PickerPurpose

        chooser = self.query_one(LocalFileChooser)
        if not chooser.take_typed():
            return
        paths = chooser.chosen
        if not paths:
            self.notify("Choose at least one file first.", severity="warning")
            return
        if self.storage is None:
            self._start(paths, None)
            return

        def picked(folders: list[StorageFile] | None) -> None:
            if folders:
                self._start(paths, folders[0])

        self.app.push_screen(
            FolderPickerScreen(
                self.storage.id,
                purpose=PickerPurpose.CHOOSE_FOLDER,
                project_id=self.work_package.project_id,
            ),
            picked,
        )

    def _start(self, paths: list[Path], folder: StorageFile | None) -> None:
        self.query_one(LocalFileChooser).display = False
        transfers = self.query_one("#upload-transfers")
        transfers.display = True
        if folder is not None:
            self.query_one("#upload-destination", Label).update(
                Content(f"Destination: {plain(folder.location or '/')}")
            )
        sizes = [file_size(path) for path in paths]
        rows = [
            TransferProgress(path.name, total=size) for path, size in zip(paths, sizes, strict=True)
        ]
        transfers.mount_all(rows)
        self.query_one("#upload-next-button", Button).label = "Close"
        self._enter(Phase.RUNNING)
        self._upload_all(paths, sizes, rows, folder)

    # --- the transfer -----------------------------------------------------------------

    @work(exclusive=True, group="upload", exit_on_error=False, description="uploading files")
    async def _upload_all(
        self,
        paths: list[Path],
        sizes: list[int],
        rows: list[TransferProgress],
        folder: StorageFile | None,
    ) -> None:
        batch = self.query_one("#upload-batch", TransferProgress)
        worker = get_current_worker()
        total = sum(sizes)
        finished_bytes = 0
        succeeded = failed = finished = 0
        cancelled = False
        kept = "linked" if self.to_storage else "attached"
        name_choice: NameChoice | None = None
        try:
            for index, (path, row, size) in enumerate(zip(paths, rows, sizes, strict=True)):
                if worker.is_cancelled:  # the cancel came during a link, which it let finish
                    cancelled = True
                    break

                def progress(
                    done: int,
                    _total: int | None,
                    row: TransferProgress = row,
                    size: int = size,
                    before: int = finished_bytes,
                ) -> None:
                    row.update_bytes(done, size)
                    batch.update_bytes(before + done, total)

                try:
                    outcome = await self._upload_one(
                        path,
                        folder,
                        row,
                        progress,
                        name_choice,
                        more_to_come=index < len(paths) - 1,
                    )
                except NepError as error:
                    row.finish(failure_sentence(path, error), failed=True)
                    failed += 1
                else:
                    sentence, name_choice = outcome
                    row.finish(sentence, failed=False)
                    succeeded += 1
                finished = index + 1
                finished_bytes += size
                batch.update_count(index + 1, len(paths), f"{succeeded} done, {failed} failed")
        except asyncio.CancelledError:
            cancelled = True
            if finished < len(rows):
                # An upload cut off midway is dropped by the server; one that had fully arrived
                # may stay in Nextcloud, unlinked. Either way this file is not linked/attached.
                rows[finished].finish(f"Cancelled: not {kept}.", failed=True)
                finished += 1
            raise
        finally:
            for row in rows[finished:]:
                row.finish("Cancelled: not uploaded.", failed=True)
            self.query_one("#upload-cancel-button").display = False
            if cancelled:
                batch.finish(
                    f"Cancelled: finished files are uploaded and {kept}; "
                    f"the others are not {kept}.",
                    failed=True,
                )
            else:
                summary = f"{succeeded} of {len(paths)} file{'s' if len(paths) != 1 else ''} done"
                batch.finish(
                    summary + (f", {failed} failed." if failed else "."), failed=bool(failed)
                )
            self._enter(Phase.ENDED)

    async def _upload_one(
        self,
        path: Path,
        folder: StorageFile | None,
        row: TransferProgress,
        progress: Progress,
        remembered: NameChoice | None,
        *,
        more_to_come: bool,
    ) -> tuple[str, NameChoice | None]:
        client = current_client(self)
        if folder is None:
            await client.upload_attachment(self.work_package.id, path, progress=progress)
            self.changed = True
            return f"Attached {path.name}.", remembered
        overwrite: bool | None = None
        if remembered is not None:
            if remembered is NameChoice.SKIP:
                overwrite = None
            else:
                overwrite = remembered is NameChoice.OVERWRITE
        try:
            result = await self._upload_to_storage(path, folder, overwrite, progress)
        except FileNameExists:
            if remembered is NameChoice.SKIP:
                return f"Skipped {path.name}: a file with this name is already there.", remembered
            choice, for_all = await self.app.push_screen_wait(
                NameExistsDialog(path.name, more_to_come=more_to_come)
            )
            if choice is NameChoice.CANCEL:
                raise asyncio.CancelledError from None  # ends the batch exactly as a cancel by escape does
            remembered = choice if for_all else remembered
            if choice is NameChoice.SKIP:
                return f"Skipped {path.name}: a file with this name is already there.", remembered
            result = await self._upload_to_storage(
                path, folder, choice is NameChoice.OVERWRITE, progress
            )
        self.changed = True
        row.show_step("Uploaded, linking…")
        await self._link(uploaded_file(result.file_id, result.file_name, path, folder))
        how = "replaced" if result.replaced else "uploaded"
        renamed = f" as {result.file_name}" if result.file_name != path.name else ""
        return f"{path.name} {how}{renamed} and linked.", remembered

    async def _upload_to_storage(
        self, path: Path, folder: StorageFile, overwrite: bool | None, progress: Progress
    ) -> UploadResult:
        storage, project_id = self.storage, self.work_package.project_id
        if storage is None or project_id is None:
            raise NepError("This work package has no project storage to upload into.")
        return await current_client(self).upload_file(
            storage.id,
            project_id=project_id,
            folder_id=folder.id,
            path=path,
            overwrite=overwrite,
            progress=progress,
        )

    async def _link(self, file: StorageFile) -> None:
        """Link an uploaded file; a cancel arriving meanwhile waits until the link exists (the
        batch stops before the next file, as the worker is marked cancelled)."""
        storage = self.storage
        if storage is None:
            raise NepError("This work package has no project storage to link to.")
        linking = asyncio.ensure_future(
            current_client(self).create_file_links(self.work_package.id, storage.id, [file])
        )
        try:
            result = await asyncio.shield(linking)
        except asyncio.CancelledError:
            if linking.cancelled():  # the app is closing: nothing is left to wait for
                raise
            result = await linking
        if result.failed:
            _, error = result.failed[0]
            raise NepError(
                f"{file.name} was uploaded but could not be linked: {error.message}",
                hint=error.hint,
            )

    # --- leaving ----------------------------------------------------------------------

    @on(Button.Pressed, "#upload-cancel-button")
    def action_cancel(self) -> None:
        if self.phase is Phase.RUNNING:
            # The worker reports the outcome itself once it has stopped.
            self._enter(Phase.STOPPING)
            self.workers.cancel_group(self, "upload")
        elif self.phase is Phase.CHOOSING:
            self.dismiss(self.changed)

    def action_close(self) -> None:
        self.dismiss(self.changed)
