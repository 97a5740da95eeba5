"""The administration of file storages (Nepenthes admins only): every storage with its health,
the projects it is enabled in, and what an admin changes later: the Nextcloud OAuth values,
managed project folders, deleting it, and links to the steps only the web interface offers.

Changes on the Nextcloud side need a Nextcloud admin's login and password: asked for each time
(masked), or given by the demo, and held only in memory."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from nep_tui.api import admin_setup
from nep_tui.api.admin_overview import StorageOverview, storage_overviews
from nep_tui.api.errors import NepError, NotFound
from nep_tui.api.nextcloud_admin import NextcloudAdmin
from nep_tui.api.storage_admin import StorageAdmin
from nep_tui.browser import link_content
from nep_tui.dialogs.ask_value import AskValueDialog
from nep_tui.dialogs.confirm import ConfirmDialog
from nep_tui.dialogs.qr_code import QrCodeDialog
from nep_tui.failures import sentence
from nep_tui.formatting import plain
from nep_tui.screens.setup_wizard import SetupDefaults, SetupWizardScreen
from nep_tui.services import app_services, current_client
from nep_tui.widgets.app_header import AppHeader
from nep_tui.widgets.error_state import ErrorState
from nep_tui.widgets.state_view import StateView
from nep_tui.widgets.worker_failures import ReportsWorkerFailures

DELETE_DETAIL = (
    "Every file link to it goes with it, and its automatically managed project folders are"
    " deleted in Nextcloud with their files. This cannot be undone."
)
SECRET_HINT = (
    "Shown once when the storage was made (the wizard's Show secret, or setup-nextcloud"
    " --show-secret). Lost? Replace the OpenProject OAuth values on the web page first (e)."
)


# The web interface's names of the project folder modes.
FOLDER_MODES = {
    "inactive": "no specific folder",
    "manual": "existing folder, manually managed",
    "automatic": "automatically managed folder",
}


def folder_mode_text(mode: str) -> str:
    return FOLDER_MODES.get(mode, f"{plain(mode)} folder")


STORAGE_ACTIONS = frozenset(
    {
        "delete",
        "managed_folders",
        "replace_oauth",
        "open_projects_page",
        "projects_page_qr",
        "open_edit_page",
    }
)


class AdministrationScreen(ReportsWorkerFailures, Screen[None]):
    CSS_PATH = "administration.tcss"
    TITLE = "Administration"
    BINDINGS = [
        Binding("s", "setup", "Setup", id="admin-setup", tooltip="Set up a Nextcloud storage."),
        Binding("d", "delete", "Delete", id="admin-delete", tooltip="Delete the storage."),
        Binding(
            "m",
            "managed_folders",
            "Folders",
            id="admin-folders",
            tooltip="Turn automatically managed project folders on or off.",
        ),
        Binding(
            "o",
            "replace_oauth",
            "OAuth",
            id="admin-oauth",
            tooltip="Give both sides new Nextcloud OAuth values (everyone connects again).",
        ),
        Binding(
            "w",
            "open_projects_page",
            "Web page",
            id="admin-projects-page",
            tooltip="Open the web page that enables the storage in projects.",
        ),
        Binding(
            "q",
            "projects_page_qr",
            "QR",
            id="admin-qr",
            tooltip="The projects page as a QR code.",
            show=False,
        ),
        Binding(
            "e",
            "open_edit_page",
            "Edit page",
            id="admin-edit-page",
            tooltip="Open the web page that replaces the OpenProject OAuth values.",
            show=False,
        ),
        Binding(
            "ctrl+r", "reload", "Reload", id="admin-reload", tooltip="Load the storages again."
        ),
    ]

    def __init__(self, defaults: SetupDefaults | None = None) -> None:
        super().__init__()
        self.defaults = defaults or SetupDefaults()
        self.overviews: list[StorageOverview] = []

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield StateView(
            Vertical(
                DataTable(id="admin-storages", cursor_type="row", zebra_stripes=True),
                Static(id="admin-detail"),
                id="admin-content",
            ),
            loading_text="Loading the file storages…",
            empty_text="No file storage yet. Press s to set up Nextcloud.",
            id="admin-state",
        )
        yield Static(id="admin-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("ID", "Name", "Configured", "App password", "Health")
        self.load_storages()

    def on_screen_resume(self) -> None:
        if self.overviews or self.state_view.state != "loading":
            self.load_storages()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The keys for one storage stay out of the footer until there is one to act on.
        if action in STORAGE_ACTIONS:
            return self.selected is not None
        return True

    @property
    def state_view(self) -> StateView:
        return self.query_one(StateView)

    @property
    def admin(self) -> StorageAdmin:
        return StorageAdmin(current_client(self))

    @property
    def selected(self) -> StorageOverview | None:
        table = self.query_one(DataTable)
        if not self.overviews or table.cursor_row >= len(self.overviews):
            return None
        return self.overviews[table.cursor_row]

    # --- the storages -------------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="load", description="loading the storages")
    async def load_storages(self) -> None:
        if not self.overviews:
            self.state_view.show_loading()
        try:
            self.overviews = await storage_overviews(self.admin)
        except NepError as error:
            self.overviews = []
            self.state_view.show_error(error)
            return
        self._show_storages()

    def _show_storages(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for overview in self.overviews:
            storage = overview.storage
            table.add_row(
                str(storage.id),
                plain(storage.name),
                "yes" if storage.configured else "no",
                "yes" if storage.has_application_password else "no",
                "ok" if not overview.problems else f"{len(overview.problems)} problem(s)",
            )
        if not self.overviews:
            self.state_view.show_empty()
            self.refresh_bindings()
            self._show_detail()
            return
        self.state_view.show_content()
        self.refresh_bindings()
        table.move_cursor(row=min(row, len(self.overviews) - 1))
        table.focus()
        self._show_detail()

    @on(DataTable.RowHighlighted)
    def _show_detail(self) -> None:
        detail = self.query_one("#admin-detail", Static)
        overview = self.selected
        if overview is None:
            detail.update("")
            return
        storage = overview.storage
        lines = [Content(f"Host: {plain(storage.origin_url or 'none')}")]
        if overview.projects:
            lines.append(Content("Enabled in:"))
            lines += [
                Content(f"  {plain(project.name)}: {folder_mode_text(project.folder_mode)}")
                for project in overview.projects
            ]
        else:
            lines.append(Content("Enabled in no project yet."))
        lines += [
            Content(f"⚠ {plain(problem.message)} What to do: {plain(problem.hint)}")
            for problem in overview.problems
        ]
        lines.append(
            link_content(
                "Enable in projects (w, QR q): ", self.admin.project_storages_page(storage.id)
            )
        )
        lines.append(
            link_content("OpenProject OAuth values (e): ", self.admin.edit_page(storage.id))
        )
        detail.update(Content("\n").join(lines))

    @on(ErrorState.RetryRequested)
    def action_reload(self) -> None:
        self.load_storages()

    def _status(self, text: str) -> None:
        self.query_one("#admin-status", Static).update(Content(text))

    # --- actions ------------------------------------------------------------------------

    def action_setup(self) -> None:
        if self.state_view.state in ("content", "empty"):
            self.app.push_screen(SetupWizardScreen(self.defaults))

    def _selected_or_say(self) -> StorageOverview | None:
        overview = self.selected
        if overview is None:
            self._status("Choose a storage first.")
        return overview

    def action_open_projects_page(self) -> None:
        if overview := self._selected_or_say():
            app_services(self).safe_open_url(
                self.admin.project_storages_page(overview.storage.id), what="projects page"
            )

    def action_projects_page_qr(self) -> None:
        if overview := self._selected_or_say():
            self.app.push_screen(
                QrCodeDialog(self.admin.project_storages_page(overview.storage.id))
            )

    def action_open_edit_page(self) -> None:
        if overview := self._selected_or_say():
            app_services(self).safe_open_url(
                self.admin.edit_page(overview.storage.id), what="storage's edit page"
            )

    def action_delete(self) -> None:
        if overview := self._selected_or_say():
            self.delete_storage(overview)

    def action_managed_folders(self) -> None:
        if overview := self._selected_or_say():
            self.switch_managed_folders(overview)

    def action_replace_oauth(self) -> None:
        if overview := self._selected_or_say():
            self.replace_oauth(overview)

    async def _ask(self, title: str, value: str, *, hint: str, password: bool = False) -> str:
        answer = await self.app.push_screen_wait(
            AskValueDialog(title, value, hint=hint, password=password)
        )
        return (answer or "").strip()

    async def _nextcloud(self, overview: StorageOverview, why: str) -> NextcloudAdmin | None:
        """A client for the storage's Nextcloud with an admin's login, asked for now."""
        login = await self._ask("Nextcloud admin login", self.defaults.login, hint=why)
        if not login:
            return None
        password = await self._ask(
            f"Password of the Nextcloud admin {login}",
            self.defaults.password,
            hint="Used for this change only; never stored.",
            password=True,
        )
        if not password:
            return None
        if not overview.storage.origin_url:
            raise NotFound(f"Storage {overview.storage.id} has no host.")
        return NextcloudAdmin(overview.storage.origin_url, login, password)

    async def _run_change(
        self,
        done: str,
        action: Callable[[], Awaitable[object]],
        nextcloud: NextcloudAdmin | None,
    ) -> None:
        """`action` may use `nextcloud`, which is closed afterwards."""
        self._status("Working…")
        try:
            if nextcloud is None:
                await action()
            else:
                async with nextcloud:
                    await action()
        except NepError as error:
            self._status(sentence(error))
            return
        self._status(done)
        self.load_storages()

    @work(exclusive=True, exit_on_error=False, group="change", description="deleting a storage")
    async def delete_storage(self, overview: StorageOverview) -> None:
        storage = overview.storage
        sure = await self.app.push_screen_wait(
            ConfirmDialog(
                "Delete this file storage?",
                f"{storage.id} {plain(storage.name)}",
                detail=DELETE_DETAIL,
                confirm_label="Delete",
            )
        )
        if not sure:
            self._status("Nothing was deleted.")
            return
        nextcloud = await self._nextcloud(
            overview, "To reset Nextcloud's side too; escape deletes it in Nepenthes only."
        )
        await self._run_change(
            f"Deleted storage {storage.id} and its file links.",
            lambda: admin_setup.delete_storage(self.admin, nextcloud, storage.id),
            nextcloud,
        )

    @work(
        exclusive=True,
        exit_on_error=False,
        group="change",
        description="switching managed project folders",
    )
    async def switch_managed_folders(self, overview: StorageOverview) -> None:
        storage = overview.storage
        on = not storage.has_application_password
        nextcloud = await self._nextcloud(
            overview, f"To turn managed project folders {'on' if on else 'off'} in Nextcloud."
        )
        if nextcloud is None:
            return
        await self._run_change(
            f"Managed project folders of storage {storage.id} are {'on' if on else 'off'}.",
            lambda: admin_setup.set_managed_folders(self.admin, nextcloud, storage.id, on=on),
            nextcloud,
        )

    @work(
        exclusive=True,
        exit_on_error=False,
        group="change",
        description="replacing the Nextcloud OAuth values",
    )
    async def replace_oauth(self, overview: StorageOverview) -> None:
        storage = overview.storage
        if storage.oauth_application_id is None:
            self._status(f"Storage {storage.id} has no OpenProject OAuth application.")
            return
        secret = await self._ask(
            "OpenProject OAuth client secret", "", hint=SECRET_HINT, password=True
        )
        if not secret:
            return
        nextcloud = await self._nextcloud(overview, "Nextcloud gets a new OAuth client.")
        if nextcloud is None:
            return
        application_id = storage.oauth_application_id

        async def replace() -> object:
            client_id = await self.admin.openproject_client_id(application_id)
            return await admin_setup.replace_nextcloud_oauth(
                self.admin,
                nextcloud,
                storage.id,
                openproject_client_id=client_id,
                openproject_client_secret=secret,
            )

        await self._run_change(
            f"Storage {storage.id} has new Nextcloud OAuth values; everyone connects again.",
            replace,
            nextcloud,
        )
