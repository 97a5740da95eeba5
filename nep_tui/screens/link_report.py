"""Link files that are already in the storage, in batches of 20, and say what happened.

A partial failure lists which files were linked and which were not (with the reason), and
offers "Retry the rest" for exactly the files that failed.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Footer, Label

from nep_tui.api.errors import NepError
from nep_tui.api.models import LinkBatchResult, Storage, StorageFile, WorkPackage
from nep_tui.failures import sentence
from nep_tui.formatting import plain
from nep_tui.services import current_client
from nep_tui.widgets.app_header import AppHeader
from nep_tui.widgets.transfer_progress import TransferProgress
from nep_tui.widgets.worker_failures import ReportsWorkerFailures


def _not_linked(failed: Sequence[tuple[StorageFile, BaseException]]) -> Content:
    """The files that were not linked, under each reason once: a failed batch gives its 20
    files one reason, which repeated on every line would bury the names."""
    by_reason: dict[str, list[str]] = {}
    for file, error in failed:
        by_reason.setdefault(plain(sentence(error)), []).append(plain(file.name))
    groups = [
        "\n".join([reason, *(f"✗ {name}" for name in names)]) for reason, names in by_reason.items()
    ]
    return Content(f"Not linked ({len(failed)}): " + "\n\n".join(groups))


class LinkFilesScreen(ReportsWorkerFailures, Screen[bool]):
    """Dismisses with True when at least one link was made."""

    CSS_PATH = "link_report.tcss"

    # check_action shows one of the two escape bindings: Stop while linking, then Close.
    BINDINGS = [
        Binding(
            "escape",
            "stop",
            "Stop",
            id="link-stop",
            tooltip="Link no more batches; the one under way finishes.",
        ),
        Binding("escape", "close", "Close", id="link-close", tooltip="Back to the work package."),
        Binding(
            "ctrl+r",
            "retry_rest",
            "Retry the rest",
            id="link-retry",
            tooltip="Try again to link the files that failed.",
        ),
    ]

    def __init__(
        self, work_package: WorkPackage, storage: Storage, files: list[StorageFile]
    ) -> None:
        super().__init__()
        self.work_package = work_package
        self.storage = storage
        self.files = files
        self.linked_names: list[str] = []
        self.failed: list[StorageFile] = []
        self.running = False
        self.stopping = False

    def compose(self) -> ComposeResult:
        # A fixed sub title: the server URL (a random port in tests) stays out of snapshots.
        self.sub_title = "Link files"
        yield AppHeader()
        with Vertical(id="link"):
            yield Label(
                Content(
                    f"Linking to #{self.work_package.display_id} from {plain(self.storage.name)}"
                ),
                id="link-title",
            )
            yield TransferProgress("Files linked", total=len(self.files), id="link-progress")
            # What failed comes first: it is what the user has to act on, and a long list of
            # linked files would push it out of sight.
            with VerticalScroll(id="link-report"):
                yield Label("", id="link-failed")
                yield Label("", id="link-linked")
            with Horizontal(id="link-actions"):
                yield Button("Retry the rest", id="link-retry-button", variant="warning")
                yield Button("Close", id="link-close-button", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#link-retry-button").display = False
        self.query_one("#link-failed").display = False
        self._link(self.files)

    @work(exclusive=True, group="link", exit_on_error=False, description="linking files")
    async def _link(self, files: list[StorageFile]) -> None:
        self.running, self.stopping = True, False
        self.refresh_bindings()
        self.query_one("#link-close-button", Button).label = "Stop"
        progress = self.query_one("#link-progress", TransferProgress)
        progress.update_count(0, len(files))
        try:
            result = await current_client(self).create_file_links(
                self.work_package.id,
                self.storage.id,
                files,
                progress=lambda done, total: progress.update_count(done, total or len(files)),
                stop_requested=lambda: self.stopping,
            )
        except NepError as error:
            result = LinkBatchResult(linked=[], failed=[(file, error) for file in files])
        self.running = False
        self.query_one("#link-close-button", Button).label = "Close"
        self._report(result)

    def action_stop(self) -> None:
        self.stopping = True
        self.refresh_bindings()
        self.query_one("#link-progress", TransferProgress).show_step(
            "Stopping after the batch under way…"
        )

    def worker_failed(self, error: BaseException) -> None:
        self.running = False
        self.query_one("#link-close-button", Button).label = "Close"
        self.refresh_bindings()

    def _report(self, result: LinkBatchResult) -> None:
        self.linked_names += [link.name for link in result.linked]
        self.failed = [file for file, _ in result.failed]
        progress = self.query_one("#link-progress", TransferProgress)
        total = len(self.linked_names) + len(self.failed)
        if not self.failed:
            progress.finish(f"All {total} file{'s' if total != 1 else ''} linked.")
        else:
            progress.finish(
                f"{len(self.linked_names)} of {total} linked; "
                f"{len(self.failed)} could not be linked.",
                failed=True,
            )
        linked = "\n".join(f"  ✓ {plain(name)}" for name in self.linked_names)
        self.query_one("#link-linked", Label).update(
            Content(
                f"Linked ({len(self.linked_names)}):\n{linked}" if linked else "Nothing linked."
            )
        )
        not_linked = self.query_one("#link-failed", Label)
        not_linked.update(_not_linked(result.failed))
        not_linked.display = bool(self.failed)
        self.query_one("#link-retry-button").display = bool(self.failed)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry_rest":
            return bool(self.failed) and not self.running
        if action == "stop":
            # Shown but disabled once asked: the batch under way still finishes.
            return None if self.stopping else self.running
        if action == "close":
            return not self.running
        return True

    @on(Button.Pressed, "#link-retry-button")
    def action_retry_rest(self) -> None:
        if self.failed and not self.running:
            self.query_one("#link-retry-button").display = False
            self._link(list(self.failed))

    @on(Button.Pressed, "#link-close-button")
    def _close_pressed(self) -> None:
        # While linking, the button stops (as escape does): leaving mid-request would cut off
        # a batch whose links may already exist.
        if self.running:
            self.action_stop()
        else:
            self.action_close()

    def action_close(self) -> None:
        self.dismiss(bool(self.linked_names))
