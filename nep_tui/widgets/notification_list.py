"""Notifications grouped per work package, groups with unread ones first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual import on
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from nep_tui.api.models import Notification, NotificationReason
from nep_tui.formatting import format_datetime, plain

REASON_LABELS = {
    NotificationReason.MENTIONED: "mentioned you",
    NotificationReason.ASSIGNED: "assigned to you",
    NotificationReason.RESPONSIBLE: "you are accountable",
    NotificationReason.WATCHED: "you are watching",
    NotificationReason.SUBSCRIBED: "subscribed",
    NotificationReason.COMMENTED: "commented",
    NotificationReason.CREATED: "created",
    NotificationReason.PROCESSED: "updated",
    NotificationReason.PRIORITIZED: "priority changed",
    NotificationReason.SCHEDULED: "dates changed",
    NotificationReason.DATE_ALERT: "date alert",
    NotificationReason.SHARED: "shared with you",
    NotificationReason.REMINDER: "reminder",
    NotificationReason.UNKNOWN: "notification",
}


def reasons_of(notification: Notification) -> list[NotificationReason]:
    return list(dict.fromkeys(notification.reasons or [notification.reason]))


@dataclass
class NotificationGroup:
    resource_id: int | None
    title: str
    project_name: str
    notifications: list[Notification]

    @property
    def unread(self) -> int:
        return sum(1 for notification in self.notifications if not notification.read)


def group_notifications(notifications: Iterable[Notification]) -> list[NotificationGroup]:
    """One group per work package; groups with unread notifications first, then newest first."""
    groups: dict[int | None, NotificationGroup] = {}
    for notification in notifications:
        group = groups.setdefault(
            notification.resource_id,
            NotificationGroup(
                notification.resource_id,
                notification.resource_title or "",
                notification.project_name or "",
                [],
            ),
        )
        group.notifications.append(notification)

    def newest(notification: Notification) -> float:
        return notification.created_at.timestamp() if notification.created_at else 0.0

    for group in groups.values():
        group.notifications.sort(key=lambda n: (n.read, -newest(n), -n.id))
    return sorted(
        groups.values(), key=lambda g: (g.unread == 0, -max(map(newest, g.notifications)))
    )


def group_header(group: NotificationGroup) -> Content:
    number = f"#{group.resource_id} " if group.resource_id is not None else ""
    title = plain(group.title).replace("\n", " ") or "(no title)"
    parts = [Content.styled(number, "bold"), Content.styled(title, "bold")]
    if group.project_name:
        parts.append(Content.styled(f" · {plain(group.project_name)}", "dim"))
    if group.unread:
        parts.append(Content.styled(f"  ({group.unread} unread)", "bold"))
    return Content.assemble(*parts)


def notification_line(notification: Notification) -> Content:
    # The marker is a glyph and a word, so unread shows without colour (NO_COLOR).
    marker = (
        Content.styled("  ● unread ", "bold") if not notification.read else Content("  ○ read   ")
    )
    reasons = ", ".join(REASON_LABELS[reason] for reason in reasons_of(notification))
    actor = plain(notification.actor_name) or "System"
    when = format_datetime(notification.created_at)
    return Content.assemble(
        marker,
        Content.styled(reasons, "italic" if notification.read else "bold"),
        Content(f" — {actor}"),
        Content.styled(f"  {when}", "dim"),
    )


class NotificationList(OptionList):
    """Enter posts `Chosen`; the notification under the cursor is `highlighted_notification`."""

    @dataclass
    class Chosen(Message):
        notification: Notification

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._by_option: dict[str, Notification] = {}

    def show(self, notifications: list[Notification]) -> None:
        highlighted = self.highlighted_notification
        options: list[Option | None] = []
        self._by_option = {}
        for group in group_notifications(notifications):
            if options:
                options.append(None)
            options.append(
                Option(group_header(group), id=f"group-{group.resource_id}", disabled=True)
            )
            for notification in group.notifications:
                option_id = f"n-{notification.id}"
                self._by_option[option_id] = notification
                options.append(Option(notification_line(notification), id=option_id))
        self.set_options(options)
        self._restore_highlight(highlighted)

    def _restore_highlight(self, previous: Notification | None) -> None:
        """Stay on the same unread notification; once it is read, go on to the next unread one."""
        option_id = f"n-{previous.id}" if previous is not None else ""
        if option_id in self._by_option and not self._by_option[option_id].read:
            self.highlighted = self.get_option_index(option_id)
            return
        selectable = [index for index, option in enumerate(self.options) if not option.disabled]
        unread = [
            index for index in selectable if not self._by_option[self.options[index].id or ""].read
        ]
        first: list[int | None] = [*(unread or selectable), None]
        self.highlighted = first[0]

    @property
    def highlighted_notification(self) -> Notification | None:
        option = self.highlighted_option
        if option is None or option.id is None:
            return None
        return self._by_option.get(option.id)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        notification = self._by_option.get(event.option.id or "")
        if notification is not None:
            self.post_message(self.Chosen(notification))
