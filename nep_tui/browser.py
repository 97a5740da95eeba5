"""Links for a user who may sit on another machine: the browser, OSC 8 links and OSC 52 copies."""

from __future__ import annotations

import os
import sys

from textual.content import Content
from textual.style import Style


def has_local_browser() -> bool:
    """Whether a browser would open where the user sits (not on a remote host over SSH).

    Without a display, Python's webbrowser may pick a console browser that blocks the
    terminal Textual owns, or silently do nothing; in both cases the user sees nothing.
    """
    if os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY"):
        return False
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def link_content(prefix: str, url: str) -> Content:
    """`prefix` followed by `url` as an OSC 8 hyperlink (the URL text is always shown too)."""
    return Content(prefix) + Content(url).stylize(Style(link=url))
