"""One place that holds a screen's content and its loading, empty and error states."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.content import Content
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Static

from nep_tui.api.errors import NotLoggedIn
from nep_tui.messages import SessionEnded
from nep_tui.widgets.error_state import ErrorState


class StateView(ContentSwitcher):
    """Shows exactly one of: a loading line, the content, an empty message, an error."""

    DEFAULT_CSS = """
    StateView {
        width: 100%;
        height: 1fr;
    }
    """

    def __init__(
        self, content: Widget, *, loading_text: str, empty_text: str, id: str | None = None
    ) -> None:
        super().__init__(initial="state-loading", id=id)
        if content.id is None:
            raise ValueError("the content widget of a StateView needs an id")
        self._content = content
        self._loading_text = loading_text
        self._empty_text = empty_text

    def compose(self) -> ComposeResult:
        yield Static(Content(self._loading_text), id="state-loading", classes="state-message")
        yield self._content
        yield Static(Content(self._empty_text), id="state-empty", classes="state-message")
        yield ErrorState(id="state-error")

    @property
    def state(self) -> str:
        """ "loading", "content", "empty" or "error"."""
        return {"state-loading": "loading", "state-empty": "empty", "state-error": "error"}.get(
            self.current or "", "content"
        )

    def show_loading(self) -> None:
        self.current = "state-loading"

    def show_content(self) -> None:
        self.current = self._content.id

    def show_empty(self, text: str | None = None) -> None:
        self.query_one("#state-empty", Static).update(Content(text or self._empty_text))
        self.current = "state-empty"

    def show_error(self, error: BaseException) -> None:
        self.query_one(ErrorState).show_error(error)
        self.current = "state-error"
        if isinstance(error, NotLoggedIn):
            self.post_message(SessionEnded(error.message))
