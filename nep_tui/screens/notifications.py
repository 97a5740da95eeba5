"""Notifications, unread first and grouped per work package; open, mark one or all read."""

from __future__ import annotations

from collections.abc import Iterable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from nep_tui.api import shelves
from nep_tui.api.cache import recall
from nep_tui.api.errors import NepError, NetworkUnreachable
from nep_tui.api.models import Notification
from nep_tui.dialogs.confirm import ConfirmDialog
from nep_tui.failures import sentence
from nep_tui.formatting import unreadable
from nep_tui.messages import OpenWorkPackage, UnreadCountChanged
from nep_tui.palette import PaletteCommand
from nep_tui.services import current_client
from nep_tui.widgets.app_header import AppHeader
from nep_tui.widgets.error_state import ErrorState
from nep_tui.widgets.notification_list import NotificationList
from nep_tui.widgets.offline import NeedsServer
from nep_tui.widgets.state_view import StateView
from nep_tui.widgets.worker_failures import ReportsWorkerFailures

REFRESH_SECONDS = 60


class NotificationsScreen(NeedsServer, ReportsWorkerFailures, Screen[None]):
    CSS_PATH = "notifications.tcss"
    TITLE = "Notifications"
    SERVER_ACTIONS = frozenset({"mark_read", "mark_all_read"})
    BINDINGS = [
        Binding(
            "r",
            "mark_read",
            "Mark read",
            id="notifications-mark-read",
            tooltip="Mark the highlighted notification as read.",
        ),
        Binding(
            "R",
            "mark_all_read",
            "Mark all read",
            id="notifications-mark-all-read",
            tooltip="Mark every notification as read (asks first).",
        ),
        Binding(
            "ctrl+r",
            "reload",
            "Reload",
            id="notifications-reload",
            tooltip="Fetch the notifications again now.",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.notifications: list[Notification] = []
        self.skipped = 0  # of the last answer: notifications that could not be read

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield StateView(
            NotificationList(id="notification-list"),
            loading_text="Loading notifications…",
            empty_text="No notifications. You are all caught up.",
            id="notifications-state",
        )
        yield Static(id="notifications-summary")
        yield Footer()

    def on_mount(self) -> None:
        self.load_notifications()
        self.set_interval(REFRESH_SECONDS, self._refresh_in_background)

    @property
    def notification_list(self) -> NotificationList:
        return self.query_one(NotificationList)

    @property
    def state_view(self) -> StateView:
        return self.query_one(StateView)

    @property
    def unread(self) -> int:
        return sum(1 for notification in self.notifications if not notification.read)

    def _refresh_in_background(self) -> None:
        if self.state_view.state == "content":
            self.load_notifications(quietly=True)

    @work(
        exclusive=True,
        exit_on_error=False,
        group="notifications",
        description="loading notifications",
    )
    async def load_notifications(self, quietly: bool = False) -> None:
        client = current_client(self)
        header = self.query_one(AppHeader)
        cached = None if quietly else recall(client, shelves.NOTIFICATIONS)
        if cached is not None:
            self.notifications, self.skipped = cached.value, cached.value.skipped
            self._show()
            header.show_cached(cached.fetched_at)
        elif not quietly:
            self.state_view.show_loading()
        try:
            found = await client.notifications()
        except NepError as error:
            if quietly or (cached is not None and isinstance(error, NetworkUnreachable)):
                return  # the list on screen stays; the next refresh or ctrl+r tries again
            self.state_view.show_error(error)
            self.query_one("#error-retry").focus()
            return
        self.notifications, self.skipped = found, found.skipped
        header.show_cached(None)
        self._show()
        self.post_message(UnreadCountChanged())

    def server_back(self) -> None:
        self.load_notifications(quietly=self.state_view.state == "content")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.server_action_state(action)

    def _show(self) -> None:
        summary = self.query_one("#notifications-summary", Static)
        lost = unreadable(self.skipped, "notification", "notifications")
        if not self.notifications:
            self.state_view.show_empty(f"{lost}." if lost else None)
            summary.update("")
            return
        self.notification_list.show(self.notifications)
        self.state_view.show_content()
        self.notification_list.focus()
        counts = f"{self.unread} unread of {len(self.notifications)} notifications"
        summary.update(f"{counts} · {lost}" if lost else counts)

    @on(NotificationList.Chosen)
    def _chosen(self, event: NotificationList.Chosen) -> None:
        if event.notification.resource_id is not None:
            self.post_message(OpenWorkPackage(event.notification.resource_id, at_activity=True))

    def action_mark_read(self) -> None:
        notification = self.notification_list.highlighted_notification
        if notification is not None and not notification.read:
            self._mark_read(notification)

    @work(
        exclusive=False,
        exit_on_error=False,
        group="notifications-mark",
        description="marking a notification as read",
    )
    async def _mark_read(self, notification: Notification) -> None:
        client = current_client(self)
        try:
            await client.mark_notification_read(notification.id)
        except NepError as error:
            self.notify(
                sentence(error),
                title="Not marked as read",
                severity="error",
                markup=False,
            )
            return
        self.notifications = [
            item.model_copy(update={"read": True}) if item.id == notification.id else item
            for item in self.notifications
        ]
        self._show()
        self.post_message(UnreadCountChanged())

    def action_mark_all_read(self) -> None:
        if not self.unread:
            self.notify("There are no unread notifications.")
            return
        dialog = ConfirmDialog(
            "Mark all notifications as read?",
            f"{self.unread} unread notifications",
            confirm_label="Mark all read",
            destructive=False,
        )
        self.app.push_screen(dialog, self._mark_all_confirmed)

    def _mark_all_confirmed(self, confirmed: bool | None) -> None:
        if confirmed:
            self._mark_all_read()

    @work(
        exclusive=True,
        exit_on_error=False,
        group="notifications-mark-all",
        description="marking all notifications as read",
    )
    async def _mark_all_read(self) -> None:
        client = current_client(self)
        try:
            await client.mark_all_notifications_read()
        except NepError as error:
            self.notify(
                sentence(error),
                title="Not marked as read",
                severity="error",
                markup=False,
            )
            return
        self.notifications = [item.model_copy(update={"read": True}) for item in self.notifications]
        self._show()
        self.post_message(UnreadCountChanged())

    @on(ErrorState.RetryRequested)
    def action_reload(self) -> None:
        self.load_notifications()

    def palette_commands(self) -> Iterable[PaletteCommand]:
        yield PaletteCommand(
            "Mark all notifications read", "Asks first.", self.action_mark_all_read
        )
        yield PaletteCommand("Reload notifications", "Fetch them again now.", self.action_reload)
