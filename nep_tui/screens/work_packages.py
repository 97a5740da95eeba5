"""The work packages of one project."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static

from nep_tui.api.models import Project
from nep_tui.widgets.app_header import AppHeader


class WorkPackagesScreen(Screen[None]):
    def __init__(self, project: Project) -> None:
        super().__init__()
        self.project = project

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Static("Work packages are coming.", classes="state-message")
        yield Footer()
