"""Logging in: the device code (with a QR code), the paste-the-code fallback, or an API token."""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, ContentSwitcher, Footer, Input, Static

from nep_tui.api import auth, session
from nep_tui.api import profiles as store
from nep_tui.api.errors import NepError
from nep_tui.api.models import User
from nep_tui.api.profiles import StoredTokens
from nep_tui.browser import link_content
from nep_tui.failures import sentence
from nep_tui.formatting import plain
from nep_tui.messages import DeviceCodeShown, LoggedIn
from nep_tui.services import app_services
from nep_tui.widgets.app_header import AppHeader
from nep_tui.widgets.error_state import ErrorState
from nep_tui.widgets.qr_code import QRCode
from nep_tui.widgets.worker_failures import ReportsWorkerFailures

QR_MIN_TEXT_WIDTH = 44
"""Columns the instructions need beside the QR code; below that the QR code is hidden."""


def time_left(seconds: float) -> str:
    """Minutes while there are minutes (a ticking second hand makes every frame different)."""
    if seconds >= 60:
        minutes = math.ceil(seconds / 60)
        return f"{minutes} minutes" if minutes != 1 else "1 minute"
    return f"{max(0, int(seconds))} seconds"


def spaced(code: str) -> str:
    """`WDJB-MJHT` as `W D J B - M J H T`: easier to read aloud and to type."""
    return " ".join(code)


class LoginScreen(ReportsWorkerFailures, Screen[None]):
    CSS_PATH = "login.tcss"
    TITLE = "Log in"
    AUTO_FOCUS = ""
    BINDINGS = [
        Binding(
            "c",
            "copy_code",
            "Copy code",
            id="login-copy-code",
            tooltip="Copy the login code to the clipboard (OSC 52).",
        ),
        Binding(
            "b",
            "open_browser",
            "Open page",
            id="login-open-page",
            tooltip="Open the approval page (in a browser when there is one here).",
        ),
        Binding(
            "t",
            "focus_token",
            "API token",
            id="login-token",
            tooltip="Log in with an API token instead.",
        ),
        Binding(
            "ctrl+r",
            "restart",
            "New code",
            id="login-restart",
            tooltip="Start the login again with a new code.",
        ),
    ]

    def __init__(self, profile: str | None = None, server_url: str | None = None) -> None:
        super().__init__()
        self.profile_name = profile or store.default_profile_name()
        stored = store.load_profile(self.profile_name)
        self.server_url = server_url or (stored.server_url if stored else "")
        self.client_id = stored.client_id if stored else None
        self.ca_bundle = stored.ca_bundle if stored else None
        self.insecure_http = stored.insecure_http if stored else False
        self.device: auth.DeviceCode | None = None
        self.pkce: auth.PkceLogin | None = None
        self._expires_at = 0.0
        self._asked_for_server = not self.server_url

    # --- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield AppHeader()
        with VerticalScroll(id="login-body"):
            yield Static(id="login-title")
            with Vertical(id="server-form"):
                yield Input(
                    placeholder="Server URL, e.g. https://nepenthes.example.org", id="server-input"
                )
                yield Input(
                    placeholder="OAuth client id (for browser login; ask your admin)",
                    id="client-id-input",
                )
                yield Button("Continue", id="server-continue", variant="primary")
            with ContentSwitcher(initial="login-starting", id="login-method"):
                yield Static("Contacting the server…", id="login-starting", classes="state-message")
                with Horizontal(id="device-flow"):
                    with Vertical(id="device-text"):
                        yield Static(
                            "1. Open this page in a browser (here or on another device):",
                            classes="login-step",
                        )
                        yield Static(id="device-url", classes="login-url")
                        yield Static("2. Enter this code there and approve:", classes="login-step")
                        yield Static(id="device-code")
                        yield Static(id="device-keys", classes="login-keys")
                        yield Static(id="device-status")
                    yield Vertical(id="device-qr-slot")
                with Vertical(id="pkce-flow"):
                    yield Static(
                        "1. Open this page, log in and approve access:", classes="login-step"
                    )
                    yield Static(id="pkce-url", classes="login-url")
                    yield Static(
                        "2. Paste the code the page shows, then press Enter:", classes="login-step"
                    )
                    yield Input(placeholder="Code from the browser", id="pkce-code")
                yield Static(id="login-no-oauth", classes="state-message")
                yield ErrorState(id="login-error")
            yield Static(
                "Or log in with an API token (My account → Access tokens), then Enter:",
                id="token-label",
                classes="login-step",
            )
            yield Input(placeholder="opapi-…", password=True, id="token-input")
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(1, self._tick)
        if self.server_url:
            self.query_one("#server-form").display = False
            self.start_login()
        else:
            self._show_title()
            self.query_one("#login-method").display = False
            self.query_one("#server-input", Input).focus()

    def _show_title(self) -> None:
        where = self.server_url or "a Nepenthes server"
        self.query_one("#login-title", Static).update(
            Content.assemble(("Log in to ", "bold"), (plain(where), "bold"))
        )

    @property
    def method(self) -> ContentSwitcher:
        return self.query_one("#login-method", ContentSwitcher)

    def on_resize(self) -> None:
        self._fit_qr()

    def _fit_qr(self) -> None:
        """Show the QR code only where it fits whole beside the text (a cut one does not scan)."""
        keys = "c copy the code · b open the page"
        for qr in self.query(QRCode):
            fits = (
                self.size.width >= qr.columns + QR_MIN_TEXT_WIDTH
                and self.size.height >= qr.rows + 4
            )
            qr.display = fits
            if fits:
                keys += " · or scan the QR code with a phone"
        self.query_one("#device-keys", Static).update(keys)

    # --- the OAuth flows -----------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="login", description="starting the login")
    async def start_login(self) -> None:
        self._show_title()
        self.query_one("#login-method").display = True
        self.method.current = "login-starting"
        self.device = None
        self.pkce = None
        if not self.client_id:
            self.query_one("#login-no-oauth", Static).update(
                "This profile has no OAuth client id, so only an API token works here "
                "(or run `nep-tui login SERVER --client-id ID`)."
            )
            self.method.current = "login-no-oauth"
            return
        try:
            metadata = await auth.discover(self.server_url, ca_bundle=self.ca_bundle)
            if metadata.supports_device_flow:
                await self._device_login(metadata)
            else:
                self._show_pkce(metadata)
        except NepError as error:
            self._show_error(error)

    async def _device_login(self, metadata: auth.ServerMetadata) -> None:
        device = await auth.start_device_flow(
            metadata, self.client_id or "", ca_bundle=self.ca_bundle
        )
        self._show_device(device)
        tokens = await auth.poll_device_flow(
            metadata, self.client_id or "", device, ca_bundle=self.ca_bundle
        )
        self._set_status("Approved. Logging in…")
        await self._save_oauth(tokens)

    def _show_device(self, device: auth.DeviceCode) -> None:
        self.device = device
        self._expires_at = time.monotonic() + device.expires_in
        url = plain(device.verification_uri)
        self.query_one("#device-url", Static).update(link_content("", url))
        self.query_one("#device-code", Static).update(Content(spaced(plain(device.user_code))))
        slot = self.query_one("#device-qr-slot", Vertical)
        slot.remove_children()
        slot.mount(
            QRCode(device.verification_uri_complete or device.verification_uri, id="device-qr")
        )
        self.method.current = "device-flow"
        self.query_one("#server-form").display = False  # room for the code at 80x24
        self.call_after_refresh(self._fit_qr)
        self._tick()
        self.post_message(DeviceCodeShown(device.user_code, device.verification_uri))

    def _show_pkce(self, metadata: auth.ServerMetadata) -> None:
        self.pkce = auth.PkceLogin(metadata, self.client_id or "", ca_bundle=self.ca_bundle)
        url = self.pkce.authorization_url
        self.query_one("#pkce-url", Static).update(link_content("", url))
        self.method.current = "pkce-flow"
        self.query_one("#server-form").display = False
        self.query_one("#pkce-code", Input).focus()

    @on(Input.Submitted, "#pkce-code")
    def _pkce_code_entered(self, event: Input.Submitted) -> None:
        if self.pkce is not None and event.value.strip():
            self._exchange_pkce_code(self.pkce, event.value)

    @work(
        exclusive=True, exit_on_error=False, group="login", description="exchanging the login code"
    )
    async def _exchange_pkce_code(self, pkce: auth.PkceLogin, code: str) -> None:
        try:
            await self._save_oauth(await pkce.exchange(code))
        except NepError as error:
            self._show_error(error)

    @on(Input.Submitted, "#token-input")
    def _token_entered(self, event: Input.Submitted) -> None:
        if not self.server_url:
            self.notify("Enter the server URL first.", severity="warning")
            self.query_one("#server-input", Input).focus()
            return
        if event.value.strip():
            self._token_login(event.value.strip())

    @work(exclusive=True, exit_on_error=False, group="login", description="checking the API token")
    async def _token_login(self, token: str) -> None:
        self._set_status("Checking the token…")
        try:
            await self._save(
                session.login_with_token(
                    self.server_url,
                    token,
                    profile=self.profile_name,
                    ca_bundle=self.ca_bundle,
                    insecure_http=self.insecure_http,
                    make_default=True,
                )
            )
        except NepError as error:
            self.query_one("#login-method").display = True
            self._show_error(error)

    async def _save_oauth(self, tokens: StoredTokens) -> None:
        await self._save(
            session.save_oauth_login(
                self.server_url,
                self.client_id or "",
                tokens,
                profile=self.profile_name,
                ca_bundle=self.ca_bundle,
                insecure_http=self.insecure_http,
                make_default=True,
            )
        )

    async def _save(self, saving: Awaitable[User]) -> None:
        """Finish any login: the API layer checks the credentials with /users/me and stores them."""
        user = await saving
        self.notify(f"Logged in as {plain(user.name)}.", markup=False)
        self.post_message(LoggedIn(self.profile_name))

    def worker_failed(self, error: BaseException) -> None:
        self.query_one("#login-method").display = True
        self._show_error(error)

    def _show_error(self, error: BaseException) -> None:
        # A typed-in server may be the problem: let it be corrected.
        self.query_one("#server-form").display = self._asked_for_server
        self.query_one(ErrorState).show_error(error)
        self.method.current = "login-error"

    # --- countdown -----------------------------------------------------------------------

    def _tick(self) -> None:
        if self.device is None or self.method.current != "device-flow":
            return
        remaining = self._expires_at - time.monotonic()
        if remaining <= 0:
            self._set_status("The code expired. Press ctrl+r for a new one.")
            return
        self._set_status(f"Waiting for approval… the code is valid for {time_left(remaining)}.")

    def _set_status(self, text: str) -> None:
        self.query_one("#device-status", Static).update(text)

    # --- actions -------------------------------------------------------------------------

    @on(Button.Pressed, "#server-continue")
    @on(Input.Submitted, "#server-input")
    @on(Input.Submitted, "#client-id-input")
    def _server_entered(self) -> None:
        entered = self.query_one("#server-input", Input).value
        try:
            self.insecure_http = store.is_loopback(entered.strip())
            self.server_url = store.normalize_server_url(entered, insecure_http=self.insecure_http)
        except NepError as error:
            self.notify(sentence(error), severity="error", markup=False)
            return
        self.client_id = self.query_one("#client-id-input", Input).value.strip() or self.client_id
        self.start_login()

    def action_copy_code(self) -> None:
        if self.device is not None:
            app_services(self).copy_with_toast(self.device.user_code, "the login code")

    def action_open_browser(self) -> None:
        if self.device is not None:
            url = self.device.verification_uri_complete or self.device.verification_uri
        elif self.pkce is not None:
            url = self.pkce.authorization_url
        else:
            return
        app_services(self).safe_open_url(url, what="login page")

    def action_focus_token(self) -> None:
        self.query_one("#token-input", Input).focus()

    @on(ErrorState.RetryRequested)
    def action_restart(self) -> None:
        if self.server_url:
            self.start_login()
