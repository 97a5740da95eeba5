"""Write a comment under the activity: several lines here, or in $EDITOR with ctrl+e."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, TextArea

from nep_tui.api.activity import Activity
from nep_tui.api.errors import NepError
from nep_tui.editor import EditorUnavailable, edit_externally
from nep_tui.failures import sentence
from nep_tui.services import current_client
from nep_tui.widgets.worker_failures import ReportsWorkerFailures


class CommentBox(ReportsWorkerFailures, Vertical):
    """Sends its text as a comment on ctrl+s; clears only once the server has it."""

    BINDINGS = [
        Binding("ctrl+s", "send", "Send", id="comment-send", tooltip="Send the comment."),
        Binding(
            "ctrl+e",
            "external_editor",
            "Editor",
            id="comment-editor",
            tooltip="Write the comment in $VISUAL or $EDITOR.",
            # Above the text area's own ctrl+e (end of line; the End key does that too).
            priority=True,
        ),
    ]

    @dataclass
    class Sent(Message):
        activity: Activity

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.work_package_id: int | None = None

    def compose(self) -> ComposeResult:
        yield TextArea(id="comment-text", soft_wrap=True)
        yield Label(
            "Comment (Markdown, @name mentions) · ctrl+s send · ctrl+e editor", id="comment-hint"
        )

    @property
    def area(self) -> TextArea:
        return self.query_one(TextArea)

    def focus_text(self) -> None:
        self.area.focus()

    def action_external_editor(self) -> None:
        try:
            self.area.text = edit_externally(self.app, self.area.text)
        except EditorUnavailable as why:
            self.notify(str(why), title="No editor", severity="warning", markup=False)
        self.area.focus()

    def action_send(self) -> None:
        text = self.area.text
        if self.work_package_id is None or not text.strip():
            self.notify("Type a comment first.", severity="warning")
            return
        self.area.read_only = True
        self._send(self.work_package_id, text)

    @work(exclusive=True, group="comment", exit_on_error=False, description="sending a comment")
    async def _send(self, work_package_id: int, text: str) -> None:
        try:
            added = await current_client(self).add_comment(work_package_id, text)
        except NepError as error:
            # The text stays in the box, to send again or copy.
            self.notify(sentence(error), title="Comment not sent", severity="error", markup=False)
            return
        finally:
            self.area.read_only = False
        if self.area.text == text:
            self.area.clear()
        self.post_message(self.Sent(added))

    def worker_failed(self, error: BaseException) -> None:
        self.area.read_only = False
