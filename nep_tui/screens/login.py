"""Logging in: device code (with QR code), the paste-the-code fallback, or an API token."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static

from nep_tui.widgets.app_header import AppHeader


class LoginScreen(Screen[None]):
    TITLE = "Log in"

    def __init__(self, profile: str | None = None) -> None:
        super().__init__()
        self.profile = profile

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Static("Run `nep-tui login SERVER_URL` to log in.", classes="state-message")
        yield Footer()
