"""What the TUI tells the terminal outside the screen: the window title with the unread count,
the bell and a desktop notification when a new unread notification arrives.

Desktop notifications exist only as escape sequences some terminals understand: OSC 9 (iTerm2,
WezTerm, ghostty, kitty) and OSC 777 (foot, urxvt, VTE terminals such as GNOME Terminal). A
terminal not known to understand either gets none, since an unknown OSC is shown as text by
some. `NEP_TUI_DESKTOP_NOTIFICATIONS=0` turns the bell and the desktop notification off; the
title stays.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Literal

from nep_tui.api.models import Notification
from nep_tui.formatting import plain

SETTING_VARIABLE = "NEP_TUI_DESKTOP_NOTIFICATIONS"
APP_NAME = "nep-tui"
BELL = "\a"
ESC = "\x1b"
STRING_TERMINATOR = ESC + "\\"
MAX_TEXT = 200

Protocol = Literal["osc9", "osc777"]

_OSC9_PROGRAMS = {"iTerm.app", "WezTerm", "ghostty"}
_OSC777_TERMS = ("foot", "rxvt")


def notifications_enabled(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get(SETTING_VARIABLE, "1").strip().lower() not in ("0", "false", "no", "off")


def notification_protocol(environ: Mapping[str, str] = os.environ) -> Protocol | None:
    """The desktop-notification sequence this terminal understands, if any."""
    term = environ.get("TERM", "")
    if environ.get("TERM_PROGRAM") in _OSC9_PROGRAMS or term == "xterm-kitty":
        return "osc9"
    if term.startswith(_OSC777_TERMS) or environ.get("VTE_VERSION"):
        return "osc777"
    return None


def _one_line(text: object) -> str:
    """Server text for inside an escape sequence: no control characters, one line, short."""
    return " ".join(plain(text).split())[:MAX_TEXT]


def title_sequence(title: str) -> str:
    return f"{ESC}]2;{_one_line(title)}{STRING_TERMINATOR}"


def notification_sequence(protocol: Protocol, title: str, body: str) -> str:
    if protocol == "osc9":
        return f"{ESC}]9;{_one_line(f'{title}: {body}')}{STRING_TERMINATOR}"
    # OSC 777 separates its fields with ';', so the title may not carry one.
    safe_title = _one_line(title).replace(";", ",")
    return f"{ESC}]777;notify;{safe_title};{_one_line(body)}{STRING_TERMINATOR}"


def unread_title(count: int | None) -> str:
    return f"{APP_NAME} ({count})" if count else APP_NAME


def describe(notification: Notification | None, count: int) -> tuple[str, str]:
    """(title, body) of the desktop notification for a rise to `count` unread."""
    title = f"{APP_NAME}: {count} unread notification{'s' if count != 1 else ''}"
    if notification is None:
        return title, "New notification"
    what = notification.resource_title or "a work package"
    if notification.resource_id is not None:
        what = f"#{notification.resource_id} {what}"
    by = f" by {notification.actor_name}" if notification.actor_name else ""
    return title, f"{what}{by}"


class TerminalSignals:
    """Writes the sequences through `write` (the app's driver), once the app has one."""

    def __init__(self, environ: Mapping[str, str] = os.environ) -> None:
        self.write: Callable[[str], None] | None = None
        self.enabled = notifications_enabled(environ)
        self.protocol = notification_protocol(environ)

    def _emit(self, data: str) -> None:
        if self.write is not None:
            self.write(data)

    def show_unread(self, count: int | None) -> None:
        self._emit(title_sequence(unread_title(count)))

    def announce(self, newest: Notification | None, count: int) -> None:
        """A new unread notification: the bell, and a desktop notification where possible."""
        if not self.enabled:
            return
        self._emit(BELL)
        if self.protocol is not None:
            self._emit(notification_sequence(self.protocol, *describe(newest, count)))
