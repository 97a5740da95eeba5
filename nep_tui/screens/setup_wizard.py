"""The setup wizard: the two-sided Nextcloud setup, step by step, with a clear next action.

The Nextcloud admin password lives in its (masked) input only while the wizard is open: it is
never stored, logged or shown. A failed setup has been undone by the API layer; the wizard
names the failed step and why, and offers to run it again.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Footer, Input, Label, Static

from nep_tui.api import admin_setup
from nep_tui.api.errors import NepError
from nep_tui.api.nextcloud_admin import NextcloudAdmin
from nep_tui.api.storage_admin import StorageAdmin
from nep_tui.browser import link_content
from nep_tui.dialogs.qr_code import QrCodeDialog
from nep_tui.failures import describe
from nep_tui.services import app_services, current_client
from nep_tui.widgets.app_header import AppHeader
from nep_tui.widgets.setup_steps import SetupSteps
from nep_tui.widgets.worker_failures import ReportsWorkerFailures

NEXT_FILL_IN = "Next: fill in the fields and press Run setup (or ctrl+s)."
NEXT_RUNNING = "Setting up both servers…"
NEXT_RETRY = "Next: fix the cause named above, then press Retry (or ctrl+s)."
NEXT_ENABLE = "Done. Next, in a browser (web only): enable the storage in projects, "
NEXT_ENABLE_TAIL = "with a project folder mode. "
SECRET_NOTE = (
    "OpenProject OAuth client secret, copied to the clipboard. Nepenthes shows it only once:"
    " keep it (a password manager) to replace the Nextcloud OAuth values later."
)


@dataclass(frozen=True)
class SetupDefaults:
    """What the wizard's fields start with (the demo fills in its sandbox's Nextcloud)."""

    nextcloud_url: str = ""
    name: str = "Nextcloud"
    login: str = ""
    password: str = ""


class SetupWizardScreen(ReportsWorkerFailures, Screen[None]):
    CSS_PATH = "setup_wizard.tcss"
    TITLE = "Set up Nextcloud"
    BINDINGS = [
        Binding(
            "ctrl+s", "run_setup", "Run setup", id="wizard-run", tooltip="Set up both servers."
        ),
    ]

    def __init__(self, defaults: SetupDefaults | None = None) -> None:
        super().__init__()
        self.defaults = defaults or SetupDefaults()
        self.storage_id: int | None = None
        self.projects_page = ""
        # Nepenthes' one showing of the storage's OAuth secret; revealed only on request.
        self.client_secret: SecretStr | None = None

    def compose(self) -> ComposeResult:
        defaults = self.defaults
        yield AppHeader()
        with VerticalScroll(id="wizard"):
            yield self._field("Nextcloud URL", Input(defaults.nextcloud_url, id="wizard-url"))
            yield self._field("Storage name", Input(defaults.name, id="wizard-name"))
            yield self._field("NC admin", Input(defaults.login, id="wizard-login"))
            yield self._field(
                "NC password", Input(defaults.password, id="wizard-password", password=True)
            )
            yield Checkbox("Automatically managed project folders", id="wizard-managed")
            yield SetupSteps(id="wizard-steps")
            yield Static(id="wizard-error")
            yield Static(Content(NEXT_FILL_IN), id="wizard-next")
            yield Static(id="wizard-secret")
            with Horizontal(id="wizard-actions"):
                yield Button("Run setup", id="wizard-run-button", variant="primary")
                yield Button("Open page", id="wizard-open", classes="-after-setup")
                yield Button("QR code", id="wizard-qr", classes="-after-setup")
                yield Button("Show secret", id="wizard-show-secret", classes="-after-setup")
        yield Footer()

    @staticmethod
    def _field(label: str, field: Input) -> Horizontal:
        return Horizontal(Label(label, classes="wizard-label"), field, classes="wizard-field")

    async def on_mount(self) -> None:
        await self._show_planned_steps()
        self.query_one("#wizard-url", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "run_setup":
            return self.storage_id is None
        return True

    @property
    def managed_folders(self) -> bool:
        return self.query_one("#wizard-managed", Checkbox).value

    @property
    def steps(self) -> SetupSteps:
        return self.query_one(SetupSteps)

    async def _show_planned_steps(self) -> None:
        await self.steps.show_steps(admin_setup.setup_steps(managed_folders=self.managed_folders))

    @on(Checkbox.Changed, "#wizard-managed")
    async def _managed_changed(self) -> None:
        await self._show_planned_steps()

    def _value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value.strip()

    @on(Button.Pressed, "#wizard-run-button")
    @on(Input.Submitted)
    def action_run_setup(self) -> None:
        if self.storage_id is not None or self.setup_running:
            return
        missing = [
            label
            for label, field_id in (
                ("the Nextcloud URL", "wizard-url"),
                ("a storage name", "wizard-name"),
                ("the Nextcloud admin login", "wizard-login"),
                ("its password", "wizard-password"),
            )
            if not self._value(field_id)
        ]
        if missing:
            self._show_next(f"Next: fill in {', '.join(missing)}.")
            return
        self.run_setup()

    @property
    def setup_running(self) -> bool:
        return any(worker.group == "setup" and worker.is_running for worker in self.workers)

    def _show_next(self, text: str | Content) -> None:
        self.query_one("#wizard-next", Static).update(
            text if isinstance(text, Content) else Content(text)
        )

    def _show_error(self, text: str) -> None:
        self.query_one("#wizard-error", Static).update(Content(text))

    @work(exclusive=True, exit_on_error=False, group="setup", description="setting up Nextcloud")
    async def run_setup(self) -> None:
        admin = StorageAdmin(current_client(self))
        await self._show_planned_steps()
        self._show_error("")
        self._show_next(NEXT_RUNNING)
        self.query_one("#wizard-run-button", Button).disabled = True
        nextcloud = NextcloudAdmin(
            self._value("wizard-url"), self._value("wizard-login"), self._value("wizard-password")
        )
        try:
            async with nextcloud:
                report = await admin_setup.setup_nextcloud(
                    admin,
                    nextcloud,
                    name=self._value("wizard-name"),
                    managed_folders=self.managed_folders,
                    on_step=self.steps.start,
                )
        except NepError as error:
            message, hint = describe(error)
            self._failed(f"{message}\nWhat to do: {hint}" if hint else message)
            return
        self.steps.finish(failed=False)
        self.query_one("#wizard-password", Input).value = ""
        self.storage_id = report.storage.id if report.storage else None
        self.projects_page = admin.project_storages_page(self.storage_id or 0)
        self.client_secret = report.openproject_client_secret
        self._show_next(
            link_content(NEXT_ENABLE + NEXT_ENABLE_TAIL, self.projects_page)
            + Content("\nEscape goes back to the storages.")
        )
        self.set_class(True, "-set-up")
        self.refresh_bindings()
        self.query_one("#wizard-open", Button).focus()

    def _failed(self, sentence: str) -> None:
        self.steps.finish(failed=True)
        self._show_error(sentence)
        self._show_next(NEXT_RETRY)
        button = self.query_one("#wizard-run-button", Button)
        button.label = "Retry"
        button.disabled = False

    def worker_failed(self, error: BaseException) -> None:
        self._failed("The setup stopped on an internal error; it has been reported.")

    @on(Button.Pressed, "#wizard-open")
    def _open_page(self) -> None:
        app_services(self).safe_open_url(self.projects_page, what="page to enable the storage")

    @on(Button.Pressed, "#wizard-qr")
    def _show_qr(self) -> None:
        self.app.push_screen(QrCodeDialog(self.projects_page))

    @on(Button.Pressed, "#wizard-show-secret")
    def _show_secret(self) -> None:
        if self.client_secret is None:
            self.notify("Nepenthes did not show a client secret for this storage.")
            return
        secret = self.client_secret.get_secret_value()
        self.app.copy_to_clipboard(secret)
        shown = self.query_one("#wizard-secret", Static)
        shown.update(Content(f"{SECRET_NOTE}\n{secret}"))
        shown.display = True
        shown.scroll_visible(animate=False)
