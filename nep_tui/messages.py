"""Messages that travel up from screens and widgets to the app."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class OpenWorkPackage(Message):
    """Someone asked to see a work package (a notification, a table row, a pasted link)."""

    work_package_id: int
    at_activity: bool = False
    """Open it at its activity, with the comment box focused (from a notification)."""


@dataclass
class LoggedIn(Message):
    """The login screen stored a profile with working credentials."""

    profile_name: str


@dataclass
class DeviceCodeShown(Message):
    """The login screen is showing a device code (the demo approves it by itself)."""

    user_code: str
    verification_uri: str


@dataclass
class UnreadCountChanged(Message):
    """Notifications were read or arrived; the app re-counts the unread ones."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, UnreadCountChanged)


@dataclass
class SessionEnded(Message):
    """The server no longer accepts our credentials (logged out): time for the login screen."""

    message: str


@dataclass
class UnexpectedFailure(Message):
    """A worker raised something that is not a typed API error: a bug, for the app to report."""

    error: BaseException
    during: str
