"""The Nextcloud side: browse a storage and see, per file, the work packages it is linked to.

From a file: link it to a work package (search by subject or #id), unlink it from one
(after confirmation), or create a work package in the project and link the file to it; from a
file or folder: download it (a folder with everything in it).
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, OptionList
from textual.widgets.option_list import Option

from nep_tui.api.errors import NepError
from nep_tui.api.folder_download import FolderDownload, FolderProgress, download_tree
from nep_tui.api.models import StorageFile, WorkPackage
from nep_tui.dialogs.download_folder import DownloadFolderDialog
from nep_tui.failures import sentence
from nep_tui.formatting import format_datetime, format_size, plain
from nep_tui.messages import OpenWorkPackage
from nep_tui.services import current_client
from nep_tui.widgets.app_header import AppHeader
from nep_tui.widgets.storage_file_list import ROOT, StorageFileList
from nep_tui.widgets.transfer_pane import download_folder_into
from nep_tui.widgets.worker_failures import ReportsWorkerFailures

SEARCH_LIMIT = 20


def work_package_option(work_package: WorkPackage) -> Option:
    label = Text(f"#{work_package.display_id} ")
    label.append(plain(work_package.subject))
    if work_package.status_name:
        label.append(f"  ({plain(work_package.status_name)})", style="dim")
    return Option(label, id=str(work_package.id))


class StorageBrowserScreen(ReportsWorkerFailures, Screen[None]):
    CSS_PATH = "storage_browser.tcss"

    BINDINGS = [
        Binding(
            "ctrl+l",
            "link",
            "Link to…",
            id="browser-link",
            tooltip="Link the highlighted file to a work package (search by subject or #id).",
        ),
        Binding(
            "ctrl+n",
            "create",
            "New work package",
            id="browser-create",
            tooltip="Create a work package in this project and link the file to it.",
        ),
        Binding(
            "ctrl+x",
            "unlink",
            "Unlink",
            id="browser-unlink",
            tooltip="Remove the link between the file and the highlighted work package.",
        ),
        Binding(
            # letters filter the list here, so the key is a control key like the others
            "ctrl+d",
            "download",
            "Download",
            id="browser-download",
            tooltip="Download the highlighted file, or folder with everything in it.",
        ),
        Binding("escape", "app.back", "Back", id="browser-back", tooltip="Back."),
    ]

    def __init__(
        self, storage_id: int, *, project_id: int | None = None, start_location: str = ROOT
    ) -> None:
        super().__init__()
        self.storage_id = storage_id
        self.project_id = project_id
        self.start_location = start_location
        self.file: StorageFile | None = None
        self.linked: list[WorkPackage] = []
        self.found: list[WorkPackage] = []
        self.mode = ""  # "link" or "create" while the input is asked

    def compose(self) -> ComposeResult:
        self.sub_title = "Nextcloud files"
        yield AppHeader()
        with Horizontal(id="browser"):
            yield StorageFileList(self.storage_id, id="browser-files")
            with Vertical(id="browser-side"):
                yield Label("Highlight a file to see its work packages.", id="browser-file")
                yield Label("Linked work packages", classes="browser-heading")
                yield OptionList(id="browser-linked")
                yield Input(id="browser-input")
                yield OptionList(id="browser-found")
                yield Label("", id="browser-status")
                yield Vertical(id="browser-transfers")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#browser-input").display = False
        self.query_one("#browser-found").display = False
        self.query_one(StorageFileList).open(self.start_location)

    # --- the highlighted file -------------------------------------------------------------

    @on(StorageFileList.FileHighlighted)
    def _file_highlighted(self, event: StorageFileList.FileHighlighted) -> None:
        self.file = event.file
        self.refresh_bindings()
        if event.file is None:
            self.query_one("#browser-file", Label).update("")
            self.query_one("#browser-linked", OptionList).clear_options()
            return
        file = event.file
        facts = [
            format_size(file.size) if not file.is_folder else "folder",
            format_datetime(file.last_modified_at),
            plain(file.last_modified_by or ""),
        ]
        self.query_one("#browser-file", Label).update(
            Content(plain(file.name) + "\n" + " · ".join(fact for fact in facts if fact))
        )
        self._load_linked(file)

    @work(
        exclusive=True,
        group="browser-linked",
        exit_on_error=False,
        description="loading a file's work packages",
    )
    async def _load_linked(self, file: StorageFile) -> None:
        linked = self.query_one("#browser-linked", OptionList)
        try:
            self.linked = await current_client(self).work_packages_of_file(self.storage_id, file.id)
        except NepError as error:
            self.linked = []
            linked.clear_options()
            self._status(f"The work packages could not be fetched. {sentence(error)}")
            return
        linked.clear_options()
        linked.add_options(work_package_option(wp) for wp in self.linked)
        self._status("" if self.linked else "Not linked to any work package.")

    def _status(self, text: str) -> None:
        self.query_one("#browser-status", Label).update(Content(text))

    @on(OptionList.OptionSelected, "#browser-linked")
    def _open_linked(self, event: OptionList.OptionSelected) -> None:
        self.post_message(OpenWorkPackage(self.linked[event.option_index].id))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("link", "create"):
            return (
                self.file is not None
                and self.file.readable
                and (action == "link" or self.project_id is not None)
            )
        if action == "download":
            return self.file is not None and (self.file.is_folder or self.file.readable)
        if action == "unlink":
            linked = self.query_one("#browser-linked", OptionList)
            return self.file is not None and linked.has_focus and linked.highlighted is not None
        return True

    # --- link / create --------------------------------------------------------------------

    def _ask(self, mode: str, placeholder: str) -> None:
        self.mode = mode
        field = self.query_one("#browser-input", Input)
        field.placeholder = placeholder
        field.value = ""
        field.display = True
        field.focus()

    def action_link(self) -> None:
        self._ask("link", "Search a work package by subject, or type #id, then Enter")

    def action_create(self) -> None:
        self._ask("create", "Subject of the new work package, then Enter")

    @on(Input.Submitted, "#browser-input")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text or self.file is None:
            return
        if self.mode == "create":
            self._create_and_link(self.file, text)
        else:
            self._search(text)

    @work(
        exclusive=True,
        group="browser-search",
        exit_on_error=False,
        description="searching work packages",
    )
    async def _search(self, text: str) -> None:
        client = current_client(self)
        found = self.query_one("#browser-found", OptionList)
        try:
            if text.lstrip("#").isdigit():
                self.found = [await client.work_package(int(text.lstrip("#")))]
            else:
                page = await client.work_packages_page(
                    self.project_id, search=text, page_size=SEARCH_LIMIT, open_only=False
                )
                self.found = page.elements
        except NepError as error:
            self._status(sentence(error))
            return
        found.clear_options()
        found.add_options(work_package_option(wp) for wp in self.found)
        found.display = True
        found.focus()
        if self.found:
            found.highlighted = 0
        self._status(
            "Enter links the file to the chosen work package."
            if self.found
            else "No work package matches."
        )

    @on(OptionList.OptionSelected, "#browser-found")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if self.file is not None:
            self._link(self.file, self.found[event.option_index])

    @work(group="browser-change", exit_on_error=False, description="linking a file")
    async def _link(self, file: StorageFile, work_package: WorkPackage) -> None:
        result = await current_client(self).create_file_links(
            work_package.id, self.storage_id, [file]
        )
        if result.failed:
            self._status(f"Not linked: {sentence(result.failed[0][1])}")
        else:
            self._status(f"Linked to #{work_package.display_id}.")
        self._close_input()
        self._load_linked(file)

    @work(group="browser-change", exit_on_error=False, description="creating a work package")
    async def _create_and_link(self, file: StorageFile, subject: str) -> None:
        client = current_client(self)
        project_id = self.project_id
        if project_id is None:
            self._status("Open the browser from a work package to create one here.")
            return
        try:
            types = await client.types(project_id)
            kind = next((t for t in types if t.is_default), types[0])
            work_package = await client.create_work_package(
                project_id, type_id=kind.id, subject=subject
            )
        except (NepError, IndexError) as error:
            message = (
                sentence(error) if isinstance(error, NepError) else "The project has no types."
            )
            self._status(f"The work package was not created: {message}")
            return
        await self._link(file, work_package).wait()

    def _close_input(self) -> None:
        self.query_one("#browser-input").display = False
        self.query_one("#browser-found").display = False
        self.mode = ""

    # --- download -------------------------------------------------------------------------

    def action_download(self) -> None:
        if (file := self.file) is None:
            return

        def chosen(folder: Path | None) -> None:
            if folder is not None:
                self._download(file, folder)

        self.app.push_screen(DownloadFolderDialog(file.name), chosen)

    @work(group="browser-download", exit_on_error=False, description="downloading from storage")
    async def _download(self, file: StorageFile, folder: Path) -> None:
        client, storage_id = current_client(self), self.storage_id

        async def fetch(into: Path, progress: FolderProgress) -> FolderDownload:
            return await download_tree(client, storage_id, file, into, progress=progress)

        await download_folder_into(self.query_one("#browser-transfers"), file.name, folder, fetch)

    # --- unlink ---------------------------------------------------------------------------

    def action_unlink(self) -> None:
        from nep_tui.dialogs.confirm import ConfirmDialog

        linked = self.query_one("#browser-linked", OptionList)
        if self.file is None or linked.highlighted is None:
            return
        file, work_package = self.file, self.linked[linked.highlighted]

        def answered(yes: bool | None) -> None:
            if yes:
                self._unlink(file, work_package)

        self.app.push_screen(
            ConfirmDialog(
                f"Remove the link between this file and #{work_package.display_id}?",
                plain(file.name),
                detail="Only the link is removed; the file stays in Nextcloud.",
                confirm_label="Unlink",
            ),
            answered,
        )

    @work(group="browser-change", exit_on_error=False, description="unlinking a file")
    async def _unlink(self, file: StorageFile, work_package: WorkPackage) -> None:
        client = current_client(self)
        try:
            links = [
                link
                for link in await client.file_links(work_package.id)
                if link.origin_id == file.id and link.storage_id == self.storage_id
            ]
            for link in links:
                await client.delete_file_link(link.id)
        except NepError as error:
            self._status(f"Not unlinked: {sentence(error)}")
            return
        self._status(f"Unlinked from #{work_package.display_id}.")
        self._load_linked(file)
