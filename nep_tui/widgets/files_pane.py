"""The files linked to a work package, under the name of each storage, with their states.

States follow the seed (and the web UI): a file deleted in Nextcloud stays listed but cannot
be selected; a file the user may not see shows name, time and modifier but offers no actions;
"Login to Nextcloud" when the user is not connected; "No Nextcloud connection" when the server
cannot reach Nextcloud; a fetching error with retry.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Label, OptionList
from textual.widgets.option_list import Option

from nep_tui.api.detail import StorageSection, storage_sections
from nep_tui.api.errors import NepError
from nep_tui.api.folder_download import (
    FolderDownload,
    FolderProgress,
    download_tree,
    linked_folder_root,
)
from nep_tui.api.models import AuthorizationState, FileLink, FileLinkStatus, Storage, WorkPackage
from nep_tui.failures import sentence
from nep_tui.formatting import plain
from nep_tui.services import app_services, current_client
from nep_tui.widgets.file_row import file_link_row
from nep_tui.widgets.transfer_pane import Progress, Removal, TransferPane

NOT_CONNECTED_STATES = (AuthorizationState.NOT_CONNECTED, AuthorizationState.FAILED_AUTHORIZATION)
ACTIONABLE = (FileLinkStatus.VIEW_ALLOWED, FileLinkStatus.UNKNOWN, FileLinkStatus.ERROR)


class FileLinkList(OptionList):
    """The links of one storage; a link whose file is gone is shown but disabled."""

    def __init__(self, section: StorageSection) -> None:
        super().__init__(
            *(
                Option(
                    file_link_row(link),
                    id=str(link.id),
                    disabled=link.status is FileLinkStatus.NOT_FOUND,
                )
                for link in section.links
            ),
            classes="file-links",
        )
        self.section = section

    @property
    def highlighted_link(self) -> FileLink | None:
        if self.highlighted is None:
            return None
        return self.section.links[self.highlighted]


class FilesPane(TransferPane):
    """Linked files of one work package; workflows (connect, link, upload) start from here."""

    BINDINGS = [
        Binding("o", "open_file", "Open", id="file-open", tooltip="Open the file in Nextcloud."),
        Binding(
            "d",
            "download_file",
            "Download",
            id="file-download",
            tooltip="Download the file (a folder: with everything in it) to a folder of your choice.",
        ),
        Binding(
            "f",
            "show_folder",
            "Folder",
            id="file-folder",
            tooltip="Show the folder that contains the file in Nextcloud.",
        ),
        Binding(
            "x,delete",
            "unlink_file",
            "Unlink",
            id="file-unlink",
            tooltip="Remove the link (the file stays in Nextcloud).",
        ),
        Binding(
            "l",
            "link_existing",
            "Link existing",
            id="file-link-existing",
            tooltip="Link files that are already in Nextcloud.",
        ),
        Binding(
            "u",
            "upload",
            "Upload",
            id="file-upload",
            tooltip="Upload local files to Nextcloud and link them.",
        ),
        Binding(
            "c",
            "connect",
            "Connect",
            id="file-connect",
            tooltip="Connect your account to Nextcloud.",
        ),
        Binding(
            "b",
            "browse",
            "Browse Nextcloud",
            id="file-browse",
            tooltip="Browse the storage and see which work packages each file is linked to.",
        ),
        Binding("r", "reload", "Reload", id="file-reload", tooltip="Load the files again."),
    ]

    TITLE = "Files"
    SERVER_ACTIONS = frozenset(
        {
            "open_file",
            "download_file",
            "show_folder",
            "unlink_file",
            "link_existing",
            "upload",
            "connect",
            "browse",
        }
    )
    LOAD_GROUP = "file-links"

    @dataclass
    class ConnectRequested(Message):
        """Connect the user's account to `storage`; reload the pane once connected."""

        pane: FilesPane
        storage: Storage

        @property
        def control(self) -> FilesPane:
            return self.pane

    @dataclass
    class BrowseRequested(Message):
        """Browse `storage`, seen from the work package's project."""

        pane: FilesPane
        storage: Storage
        project_id: int | None

        @property
        def control(self) -> FilesPane:
            return self.pane

    @dataclass
    class LinkExistingRequested(Message):
        """Pick files already in `storage` and link them; `linked_ids` are linked already."""

        pane: FilesPane
        work_package: WorkPackage
        storage: Storage
        linked_ids: frozenset[str]

        @property
        def control(self) -> FilesPane:
            return self.pane

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.sections: list[StorageSection] = []
        # The link the user was last on: a reload restores it (loading takes the focus away).
        self.last_link: FileLink | None = None

    # --- loading ----------------------------------------------------------------------

    def action_reload(self) -> None:
        if self.work_package is None:
            return
        self.query_one(".pane-body").loading = True
        self._load(self.work_package)

    @work(exclusive=True, group=LOAD_GROUP, exit_on_error=False, description="loading linked files")
    async def _load(self, work_package: WorkPackage) -> list[StorageSection]:
        return await storage_sections(current_client(self), work_package)

    async def show_outcome(self, outcome: object, *, take_focus: bool) -> None:
        body = self.query_one(".pane-body")
        body.loading = False
        kept_link = self.last_link
        await body.remove_children()
        if isinstance(outcome, BaseException):
            await body.mount(
                Label(
                    Content(f"The files could not be fetched. {sentence(outcome)}"),
                    classes="pane-error",
                ),
                Button("Retry", id="files-retry", classes="pane-retry"),
            )
        elif isinstance(outcome, list):
            self.sections = outcome
            await self._render_sections(body)
            if take_focus:
                self._focus_first(kept_link)
        self.refresh_bindings()

    async def _render_sections(self, body: Widget) -> None:
        if not self.sections:
            await body.mount(
                Label("No file storage is set up for this project.", classes="pane-empty")
            )
            return
        for section in self.sections:
            await body.mount(Label(Content(plain(section.storage.name)), classes="storage-name"))
            await body.mount(*self._section_body(section))

    def _focus_first(self, link: FileLink | None) -> None:
        for file_list in self.query(FileLinkList):
            ids = [each.id for each in file_list.section.links]
            if link is not None and link.id in ids:
                file_list.highlighted = ids.index(link.id)
                file_list.focus()
                return
        first = next(iter(self.query("FileLinkList, .connect-button, .link-existing-button")), None)
        if first is not None:
            first.focus()

    def _section_body(self, section: StorageSection) -> list[Widget]:
        state = section.storage.authorization_state
        if state in NOT_CONNECTED_STATES:
            return [
                Label("Login to Nextcloud", classes="storage-state"),
                Label(
                    "To see, link and upload files, connect your account to this storage.",
                    classes="storage-state-detail",
                ),
                Horizontal(
                    Button(
                        "Connect to Nextcloud",
                        id=f"connect-{section.storage.id}",
                        classes="connect-button",
                        variant="primary",
                    ),
                    classes="storage-actions",
                ),
            ]
        if state is AuthorizationState.ERROR:
            return [
                Label("No Nextcloud connection", classes="storage-state"),
                Label(
                    "The server cannot reach Nextcloud right now, so the files cannot be shown. "
                    "Press r to try again later.",
                    classes="storage-state-detail",
                ),
            ]
        actions = Horizontal(
            Button("Link existing files", classes="link-existing-button"),
            Button("Upload and link", classes="upload-button"),
            classes="storage-actions",
        )
        if not section.links:
            return [Label("No files linked yet.", classes="pane-empty"), actions]
        return [FileLinkList(section), actions]

    # --- what is selected -------------------------------------------------------------

    def _focused_list(self) -> FileLinkList | None:
        focused = self.screen.focused
        return focused if isinstance(focused, FileLinkList) else None

    @property
    def highlighted_link(self) -> FileLink | None:
        file_list = self._focused_list()
        return file_list.highlighted_link if file_list else None

    def _actionable_link(self) -> FileLink | None:
        link = self.highlighted_link
        return link if link is not None and link.status in ACTIONABLE else None

    def _target_storage(self, *, connected: bool = True) -> Storage | None:
        """The storage of the focused list if it is in the wanted state, else the first one."""
        file_list = self._focused_list()
        candidates = [file_list.section.storage] if file_list else []
        candidates += [section.storage for section in self.sections]
        wanted = (AuthorizationState.CONNECTED,) if connected else NOT_CONNECTED_STATES
        return next((s for s in candidates if s.authorization_state in wanted), None)

    @on(OptionList.OptionHighlighted)
    def _highlight_changed(self) -> None:
        self._remember_link()
        self.refresh_bindings()

    def on_descendant_focus(self) -> None:
        self._remember_link()
        self.refresh_bindings()

    def _remember_link(self) -> None:
        if (link := self.highlighted_link) is not None:
            self.last_link = link

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.server_action_state(action):
            return None
        if action in ("open_file", "download_file", "show_folder"):
            return self._actionable_link() is not None
        if action == "unlink_file":
            link = self._actionable_link()
            return link is not None and link.can_delete
        if action in ("link_existing", "upload"):
            return (
                self.work_package is not None
                and self.work_package.can_add_file_link
                and self._target_storage() is not None
            )
        if action == "browse":
            return self._target_storage() is not None
        if action == "connect":
            return self._target_storage(connected=False) is not None
        return True

    # --- actions on one file ----------------------------------------------------------

    def action_open_file(self) -> None:
        if (link := self._actionable_link()) is not None:
            self._open_link(link, location=False)

    def action_show_folder(self) -> None:
        if (link := self._actionable_link()) is not None:
            self._open_link(link, location=True)

    @work(group="file-open", exit_on_error=False, description="opening a file in Nextcloud")
    async def _open_link(self, link: FileLink, *, location: bool) -> None:
        try:
            url = await current_client(self).file_link_open_url(link.id, location=location)
        except NepError as error:
            self.notify(sentence(error), title="Could not open", severity="error", markup=False)
            return
        app_services(self).safe_open_url(url, what="folder" if location else "file")

    def action_download_file(self) -> None:
        if (link := self._actionable_link()) is None:
            return
        client = current_client(self)
        if link.is_folder and link.storage_id is not None:
            storage_id = link.storage_id

            async def fetch_tree(folder: Path, progress: FolderProgress) -> FolderDownload:
                root = await linked_folder_root(client, link)
                return await download_tree(client, storage_id, root, folder, progress=progress)

            self.request_folder_download(link.name, fetch_tree)
            return

        async def fetch(target: Path, progress: Progress) -> Path:
            return await client.download_file_link(link.id, target, progress=progress)

        self.request_download(link.name, fetch)

    def action_unlink_file(self) -> None:
        link = self._actionable_link()
        if link is None:
            return
        client = current_client(self)
        self.request_removal(
            Removal(
                "Remove the link to this file?",
                link.name,
                detail="Only the link is removed; the file stays in Nextcloud.",
                confirm_label="Unlink",
                remove=lambda: client.delete_file_link(link.id),
                done="Unlinked",
                failed_title="Not unlinked",
            )
        )

    # --- workflows --------------------------------------------------------------------

    @on(Button.Pressed, "#files-retry")
    def _retry(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_reload()

    @on(Button.Pressed, ".connect-button")
    def _connect_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if self.refused_offline():
            return
        self.action_connect()

    @on(Button.Pressed, ".link-existing-button")
    def _link_existing_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if self.refused_offline():
            return
        self.action_link_existing()

    @on(Button.Pressed, ".upload-button")
    def _upload_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if self.refused_offline():
            return
        self.action_upload()

    def action_connect(self) -> None:
        storage = self._target_storage(connected=False)
        if storage is not None:
            self.post_message(self.ConnectRequested(self, storage))

    def action_browse(self) -> None:
        storage = self._target_storage()
        if storage is not None and self.work_package is not None:
            self.post_message(self.BrowseRequested(self, storage, self.work_package.project_id))

    def action_link_existing(self) -> None:
        storage = self._target_storage()
        if storage is None or self.work_package is None:
            return
        linked = frozenset(
            link.origin_id
            for section in self.sections
            if section.storage.id == storage.id
            for link in section.links
        )
        self.post_message(self.LinkExistingRequested(self, self.work_package, storage, linked))

    def action_upload(self) -> None:
        storage = self._target_storage()
        if storage is not None and self.work_package is not None:
            self.post_message(self.UploadRequested(self, self.work_package, storage))
