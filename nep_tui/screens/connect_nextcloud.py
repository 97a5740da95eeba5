"""Connect the user's account to a Nextcloud storage: show the authorize link, wait for it.

The link opens Nextcloud's consent page; it is shown as text (clickable OSC 8), can be
copied (OSC 52) or scanned (QR), because over SSH there is no browser to open. Meanwhile
the storage's authorization state is polled; once connected the screen closes itself.
"""

from __future__ import annotations

import asyncio

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.style import Style
from textual.widgets import Button, Footer, Label

from nep_tui.api.errors import NepError
from nep_tui.api.models import AuthorizationState, Storage
from nep_tui.dialogs.qr_code import QrCodeDialog, missing_room
from nep_tui.failures import sentence
from nep_tui.formatting import plain
from nep_tui.services import app_services, current_client
from nep_tui.widgets.app_header import AppHeader
from nep_tui.widgets.qr_code import QRCode
from nep_tui.widgets.worker_failures import ReportsWorkerFailures

WAITING = "Waiting for Nextcloud to confirm the connection…"
UNREACHABLE = "Nextcloud cannot be reached right now; still waiting…"


class ConnectNextcloudScreen(ReportsWorkerFailures, Screen[bool]):
    """Dismisses with True once the storage says the user is connected."""

    CSS_PATH = "connect_nextcloud.tcss"

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="connect-cancel", tooltip="Stop waiting."),
        Binding(
            "o",
            "open_link",
            "Open in browser",
            id="connect-open",
            tooltip="Open the authorize link (or show and copy it without a browser).",
        ),
        Binding(
            "c",
            "copy_link",
            "Copy link",
            id="connect-copy",
            tooltip="Copy the authorize link to the clipboard.",
        ),
        Binding(
            "q",
            "qr_alone",
            "QR code",
            id="connect-qr-alone",
            tooltip="Show the QR code of the authorize link on its own, to scan it with a "
            "phone when the window has no room for it here.",
        ),
    ]

    poll_seconds: float = 2.0

    def __init__(self, storage: Storage) -> None:
        super().__init__()
        self.storage = storage
        self.url = storage.authorize_url

    def compose(self) -> ComposeResult:
        # A fixed sub title: the server URL (a random port in tests) stays out of snapshots.
        self.sub_title = "Connect Nextcloud"
        yield AppHeader()
        with VerticalScroll(id="connect"):
            yield Label(Content(f"Connect to {plain(self.storage.name)}"), id="connect-title")
            if self.url:
                yield Label(
                    "Open this link in a browser where you can log in to Nextcloud, "
                    "and allow the access:",
                    id="connect-explain",
                )
                yield Label(
                    Content(self.url).stylize(Style(link=self.url, underline=True)),
                    id="connect-url",
                )
                with Horizontal(id="connect-actions"):
                    yield Button("Open in browser", id="connect-open-button", variant="primary")
                    yield Button("Copy link", id="connect-copy-button")
                    yield Button("Cancel", id="connect-cancel-button")
                # Either the QR code or, where it does not fit, a line saying how to see it.
                with Vertical(id="connect-qr-box"):
                    yield QRCode(self.url, id="connect-qr")
                    yield Label(id="connect-qr-hint")
                yield Label(WAITING, id="connect-status")
            else:
                yield Label(
                    "This storage offers no way to connect from here; "
                    "ask an administrator to check its setup.",
                    id="connect-status",
                )
                yield Button("Close", id="connect-cancel-button")
        yield Footer()

    def on_mount(self) -> None:
        self.on_resize()
        if self.url:
            self._poll()

    def on_resize(self) -> None:
        # The fit is measured on the laid-out screen, which the new size has not reached yet.
        self.call_after_refresh(self._fit_qr)

    def _fit_qr(self) -> None:
        """Show the QR code only where it fits whole with everything else: a cut one does not scan."""
        if not self.url:
            return
        scroll = self.query_one("#connect", VerticalScroll)
        box = self.query_one("#connect-qr-box", Vertical)
        qr = self.query_one(QRCode)
        hint = self.query_one("#connect-qr-hint", Label)
        # The box holds either the QR code or the hint; swapping in the QR code adds the difference.
        laid_out = max(
            child.virtual_region_with_margin.bottom for child in scroll.displayed_children
        )
        content_rows = laid_out - box.size.height + qr.rows
        here = missing_room(
            self.size,
            self.size.width - scroll.size.width + qr.columns,
            self.size.height - scroll.size.height + content_rows,
        )
        qr.display = here is None
        hint.display = here is not None
        if here is None:
            return
        # Too small even for q: the size q needs is the smaller, likelier ask.
        alone = QrCodeDialog.missing_room(self.size, qr)
        hint.update(
            f"QR code: make the window {here}, or press q to show it alone"
            if alone is None
            else f"QR code: make the window {alone}, then press q to show it alone"
        )

    @work(
        exclusive=True,
        group="connect-poll",
        exit_on_error=False,
        description="waiting for the Nextcloud connection",
    )
    async def _poll(self) -> None:
        status = self.query_one("#connect-status", Label)
        while True:
            await asyncio.sleep(self.poll_seconds)
            # Each answer replaces the status: an outage that has passed is no longer news.
            try:
                storage = await current_client(self).storage(self.storage.id)
            except NepError as error:
                status.update(Content(f"Still waiting; the last check failed: {sentence(error)}"))
                continue
            if storage.authorization_state is AuthorizationState.CONNECTED:
                self.notify(f"Connected to {plain(storage.name)}.", markup=False)
                self.pop_until_active()  # the QR code alone, just scanned, goes too
                self.dismiss(True)
                return
            status.update(
                UNREACHABLE if storage.authorization_state is AuthorizationState.ERROR else WAITING
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open_link", "copy_link", "qr_alone"):
            return self.url is not None
        return True

    @on(Button.Pressed, "#connect-open-button")
    def action_open_link(self) -> None:
        if self.url:
            app_services(self).safe_open_url(self.url, what="Nextcloud authorize link")

    @on(Button.Pressed, "#connect-copy-button")
    def action_copy_link(self) -> None:
        if self.url:
            app_services(self).copy_with_toast(self.url, "the authorize link")

    def action_qr_alone(self) -> None:
        if self.url:
            self.app.push_screen(QrCodeDialog(self.url))

    @on(Button.Pressed, "#connect-cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(False)
