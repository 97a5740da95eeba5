"""What went wrong, what to do about it, and a way to try again."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Static

from nep_tui.failures import describe


class ErrorState(Vertical):
    """Shown instead of content that could not be loaded; the Retry button asks the parent."""

    DEFAULT_CSS = """
    ErrorState {
        width: 100%;
        height: auto;
        padding: 1 2;
        align: center top;
    }
    ErrorState > #error-message {
        width: 100%;
        text-align: center;
        text-style: bold;
        color: $text-error;
    }
    ErrorState > #error-hint {
        width: 100%;
        text-align: center;
        color: $text-muted;
        margin: 1 0;
    }
    ErrorState > Button {
        margin: 0;
    }
    """

    @dataclass
    class RetryRequested(Message):
        error_state: ErrorState

        @property
        def control(self) -> ErrorState:
            return self.error_state

    def compose(self) -> ComposeResult:
        yield Static(id="error-message")
        yield Static(id="error-hint")
        yield Button("Retry (ctrl+r)", id="error-retry", variant="primary")

    def show_error(self, error: BaseException) -> None:
        message, hint = describe(error)
        self.query_one("#error-message", Static).update(Content("⚠ " + message))
        hint_widget = self.query_one("#error-hint", Static)
        hint_widget.update(Content(hint))
        hint_widget.display = bool(hint)

    @on(Button.Pressed, "#error-retry")
    def _retry(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.RetryRequested(self))
