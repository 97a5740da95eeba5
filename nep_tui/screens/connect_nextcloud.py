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
from nep_tui.widgets.app_header import AppHeader
from nep_tui.formatting import plain
from nep_tui.widgets.transfer_pane import error_sentence
from nep_tui.widgets.url_qr import UrlQr

# The QR code needs this much room besides the text; below that only the text is shown.
MIN_WIDTH_FOR_QR = 60
MIN_HEIGHT_FOR_QR = 40


class ConnectNextcloudScreen(Screen[bool]):
    """Dismisses with True once the storage says the user is connected."""

    CSS_PATH = "connect_nextcloud.tcss"

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="connect-cancel", tooltip="Stop waiting."),
        Binding("o", "open_link", "Open in browser", id="connect-open",
                tooltip="Open the authorize link (or show and copy it without a browser)."),
        Binding("c", "copy_link", "Copy link", id="connect-copy",
                tooltip="Copy the authorize link to the clipboard."),
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
                yield Label("Open this link in a browser where you can log in to Nextcloud, "
                            "and allow the access:", id="connect-explain")
                yield Label(Content(self.url).stylize(Style(link=self.url, underline=True)),
                            id="connect-url")
                with Horizontal(id="connect-actions"):
                    yield Button("Open in browser", id="connect-open-button", variant="primary")
                    yield Button("Copy link", id="connect-copy-button")
                    yield Button("Cancel", id="connect-cancel-button")
                with Vertical(id="connect-qr-box"):
                    yield UrlQr(self.url, id="connect-qr")
                yield Label("Waiting for Nextcloud to confirm the connection…", id="connect-status")
            else:
                yield Label("This storage offers no way to connect from here; "
                            "ask an administrator to check its setup.", id="connect-status")
                yield Button("Close", id="connect-cancel-button")
        yield Footer()

    def on_mount(self) -> None:
        self._fit_qr()
        if self.url:
            self._poll()

    def on_resize(self) -> None:
        self._fit_qr()

    def _fit_qr(self) -> None:
        for box in self.query("#connect-qr-box"):
            box.display = self.size.width >= MIN_WIDTH_FOR_QR and self.size.height >= MIN_HEIGHT_FOR_QR

    @work(exclusive=True, group="connect-poll", exit_on_error=False)
    async def _poll(self) -> None:
        status = self.query_one("#connect-status", Label)
        while True:
            await asyncio.sleep(self.poll_seconds)
            try:
                storage = await self.app.client.storage(self.storage.id)
            except NepError as error:
                status.update(Content(f"Still waiting; the last check failed: {error_sentence(error)}"))
                continue
            if storage.authorization_state is AuthorizationState.CONNECTED:
                self.notify(f"Connected to {plain(storage.name)}.", markup=False)
                self.dismiss(True)
                return
            if storage.authorization_state is AuthorizationState.ERROR:
                status.update("Nextcloud cannot be reached right now; still waiting…")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open_link", "copy_link"):
            return self.url is not None
        return True

    @on(Button.Pressed, "#connect-open-button")
    def action_open_link(self) -> None:
        if self.url:
            self.app.safe_open_url(self.url, what="Nextcloud authorize link")

    @on(Button.Pressed, "#connect-copy-button")
    def action_copy_link(self) -> None:
        if self.url:
            self.app.copy_with_toast(self.url, "the authorize link")

    @on(Button.Pressed, "#connect-cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(False)
