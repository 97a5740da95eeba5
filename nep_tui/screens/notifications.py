"""Notifications, unread first, grouped per work package."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static

from nep_tui.widgets.app_header import AppHeader


class NotificationsScreen(Screen[None]):
    TITLE = "Notifications"

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Static("Notifications are coming.", classes="state-message")
        yield Footer()
