"""The activity of a work package: comments as Markdown, changes as one line each, newest last.

All journals come in one answer (the server does not page them), but building a Markdown block
per comment is what costs: only the newest `PAGE` entries are built, and earlier ones a page at
a time when the user scrolls up past the top or asks for them.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Label, Static

from nep_tui.api.activity import Activity, ActivityKind
from nep_tui.api.errors import NepError
from nep_tui.failures import sentence
from nep_tui.formatting import format_datetime, plain
from nep_tui.services import current_client
from nep_tui.widgets.server_markdown import ServerMarkdown
from nep_tui.widgets.worker_failures import ReportsWorkerFailures

PAGE = 10


def _author(activity: Activity) -> str:
    return plain(activity.user_name or "Someone")


def change_line(activity: Activity) -> str:
    """`2026-01-15 10:30 Max Member: Status changed from New to In progress; …` (plain)."""
    what = "; ".join(plain(item) for item in activity.plain_details)
    if not what:
        what = "created" if activity.version == 1 else "saved"
    return f"{format_datetime(activity.created_at)} {_author(activity)}: {what}"


class CommentEntry(Vertical):
    """Who commented when, the fields changed with it (one line each), then its Markdown."""

    def __init__(self, activity: Activity) -> None:
        super().__init__(classes="activity-comment")
        self.activity = activity

    def compose(self) -> ComposeResult:
        when = format_datetime(self.activity.created_at)
        yield Label(
            Content(f"{when} {_author(self.activity)} commented"),
            classes="activity-comment-header",
        )
        for detail in self.activity.plain_details:
            yield Static(Content(plain(detail)), classes="activity-comment-change")
        yield ServerMarkdown(classes="activity-comment-text")

    async def on_mount(self) -> None:
        await self.query_one(ServerMarkdown).show(self.activity.comment, placeholder="(empty)")


def entry(activity: Activity) -> Widget:
    if activity.kind is ActivityKind.COMMENT:
        return CommentEntry(activity)
    return Static(Content(change_line(activity)), classes="activity-change")


class ActivityTimeline(ReportsWorkerFailures, VerticalScroll):
    """Loads and shows the journals of one work package; `reload()` after a change."""

    BINDINGS = [
        Binding(
            "ctrl+u",
            "earlier",
            "Earlier",
            id="activity-earlier",
            tooltip="Show the earlier activity too.",
        ),
        Binding(
            "up",
            "up_or_earlier",
            "Up",
            show=False,
            id="activity-up",
            tooltip="Scroll up; at the top, show the earlier activity.",
        ),
    ]

    @dataclass
    class Loaded(Message):
        """The activity is shown (`failed` when it could not be loaded)."""

        timeline: ActivityTimeline
        failed: bool = False

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.work_package_id: int | None = None
        self.activities: list[Activity] = []
        self.shown_from = 0

    def compose(self) -> ComposeResult:
        yield Label("Loading the activity…", id="activity-earlier-hint")

    def reload(self, work_package_id: int) -> None:
        self.work_package_id = work_package_id
        self._load(work_package_id)

    @work(exclusive=True, group="activity", exit_on_error=False, description="loading the activity")
    async def _load(self, work_package_id: int) -> None:
        try:
            activities = await current_client(self).activities(work_package_id)
        except NepError as error:
            self.query_one("#activity-earlier-hint", Label).update(
                Content(f"The activity could not be loaded: {sentence(error)}")
            )
            self.post_message(self.Loaded(self, failed=True))
            return
        await self.show(activities)
        self.post_message(self.Loaded(self))

    async def show(self, activities: list[Activity]) -> None:
        """Show the newest page of `activities` (oldest first), scrolled to the newest."""
        self.activities = activities
        self.shown_from = max(0, len(activities) - PAGE)
        await self.remove_children(".activity-comment, .activity-change")
        await self.mount_all([entry(item) for item in activities[self.shown_from :]])
        self._update_hint()
        self.scroll_end(animate=False)

    @property
    def has_earlier(self) -> bool:
        return self.shown_from > 0

    def _update_hint(self) -> None:
        hint = self.query_one("#activity-earlier-hint", Label)
        if not self.activities:
            text = "No activity yet."
        elif self.has_earlier:
            text = f"{self.shown_from} earlier entries: scroll up or press ctrl+u."
        else:
            text = "Beginning of the activity."
        hint.update(text)

    async def action_earlier(self) -> None:
        if not self.has_earlier:
            return
        start = max(0, self.shown_from - PAGE)
        earlier = [entry(item) for item in self.activities[start : self.shown_from]]
        self.shown_from = start
        await self.mount_all(earlier, after=self.query_one("#activity-earlier-hint"))
        self._update_hint()
        self.scroll_home(animate=False)

    async def on_mouse_scroll_up(self, _event: events.MouseScrollUp) -> None:
        if self.scroll_y == 0:
            await self.action_earlier()

    async def action_up_or_earlier(self) -> None:
        if self.scroll_y == 0:
            await self.action_earlier()
        else:
            self.scroll_up()
