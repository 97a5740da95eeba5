"""Pick a place in a file storage: a destination folder ("Choose location") or files to link.

Opens at the project's folder when the project storage has one, else at the root. The result
is a list of storage files: the chosen folder (one element), or the marked files.
"""

from __future__ import annotations

from enum import Enum

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Footer, Label

from nep_tui.api.detail import project_folder_location
from nep_tui.api.models import StorageFile
from nep_tui.formatting import plain
from nep_tui.services import current_client
from nep_tui.widgets.app_header import AppHeader
from nep_tui.widgets.storage_file_list import StorageFileList
from nep_tui.widgets.worker_failures import ReportsWorkerFailures


class PickerPurpose(Enum):
    CHOOSE_FOLDER = "choose-folder"
    LINK_FILES = "link-files"


class FolderPickerScreen(ReportsWorkerFailures, Screen[list[StorageFile] | None]):
    """Browse a storage; dismiss with [folder] (choose location) or the marked files (link)."""

    CSS_PATH = "folder_picker.tcss"

    BINDINGS = [
        Binding(
            "escape", "cancel", "Cancel", id="picker-cancel", tooltip="Close without choosing."
        ),
        # One key, named after what it does here (check_action shows the one that applies).
        Binding(
            "ctrl+s", "confirm", "Choose", id="picker-confirm", tooltip="Choose the folder shown."
        ),
        Binding("ctrl+s", "link", "Link", id="picker-link", tooltip="Link the marked files."),
    ]

    def __init__(
        self,
        storage_id: int,
        *,
        purpose: PickerPurpose,
        project_id: int | None = None,
        title: str | None = None,
        start_location: str | None = None,
        linked_ids: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__()
        self.storage_id = storage_id
        self.linked_ids = linked_ids
        self.purpose = purpose
        self.project_id = project_id
        self.start_location = start_location
        self.heading = title or (
            "Choose location" if purpose is PickerPurpose.CHOOSE_FOLDER else "Link existing files"
        )

    def compose(self) -> ComposeResult:
        # A fixed sub title: the server URL (a random port in tests) stays out of snapshots.
        self.sub_title = self.heading
        yield AppHeader()
        with Vertical(id="picker"):
            yield Label(Content(plain(self.heading)), id="picker-title")
            yield StorageFileList(
                self.storage_id,
                multi_select=self.purpose is PickerPurpose.LINK_FILES,
                linked_ids=self.linked_ids,
                id="picker-files",
            )
            with Horizontal(id="picker-actions"):
                yield Label(self._hint(0), id="picker-status")
                yield Button("Cancel", id="picker-cancel-button")
                yield Button(
                    self._confirm_label(0),
                    id="picker-confirm-button",
                    variant="primary",
                    disabled=self.purpose is PickerPurpose.LINK_FILES,
                )
        yield Footer()

    def on_mount(self) -> None:
        self._open_start()

    @work(
        exclusive=True,
        group="picker-start",
        exit_on_error=False,
        description="finding the project's folder",
    )
    async def _open_start(self) -> None:
        location = self.start_location or await project_folder_location(
            current_client(self), self.storage_id, self.project_id
        )
        self.query_one(StorageFileList).open(location)

    def _hint(self, marked: int) -> str:
        if self.purpose is PickerPurpose.CHOOSE_FOLDER:
            return "Enter opens a folder · ctrl+s chooses the folder shown · type to filter"
        return f"{marked} marked · space marks · Enter opens a folder · type to filter"

    def _confirm_label(self, marked: int) -> str:
        if self.purpose is PickerPurpose.CHOOSE_FOLDER:
            return "Choose this folder"
        return f"Link {marked} file{'s' if marked != 1 else ''}"

    @on(StorageFileList.MarksChanged)
    def _marks_changed(self, event: StorageFileList.MarksChanged) -> None:
        self.query_one("#picker-status", Label).update(self._hint(event.count))
        button = self.query_one("#picker-confirm-button", Button)
        button.label = self._confirm_label(event.count)
        button.disabled = event.count == 0

    @on(StorageFileList.FolderOpened)
    def _folder_opened(self, event: StorageFileList.FolderOpened) -> None:
        if self.purpose is PickerPurpose.CHOOSE_FOLDER:
            self.query_one(
                "#picker-confirm-button", Button
            ).disabled = not event.files.parent.writeable

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm":
            return self.purpose is PickerPurpose.CHOOSE_FOLDER
        if action == "link":
            return self.purpose is PickerPurpose.LINK_FILES
        return True

    @on(Button.Pressed, "#picker-cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_link(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#picker-confirm-button")
    def action_confirm(self) -> None:
        files = self.query_one(StorageFileList)
        if self.purpose is PickerPurpose.LINK_FILES:
            if files.marked:
                self.dismiss(list(files.marked.values()))
            else:
                self.notify("Mark files with space first.", severity="warning")
            return
        if files.listing is None:
            return
        if not files.listing.parent.writeable:
            self.notify("You may not add files to this folder; choose another.", severity="warning")
            return
        self.dismiss([files.listing.parent])
