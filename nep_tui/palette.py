"""What a screen offers the command palette: a leaf module, so screens need not import the app."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple, Protocol, runtime_checkable

from textual.dom import DOMNode

from nep_tui.services import app_services


class PaletteCommand(NamedTuple):
    title: str
    help: str
    callback: Callable[[], object]


@runtime_checkable
class ProvidesCommands(Protocol):
    """A screen that adds context commands to the palette (e.g. "Open in browser")."""

    def palette_commands(self) -> Iterable[PaletteCommand]: ...


def work_package_link_commands(node: DOMNode, work_package_id: int) -> list[PaletteCommand]:
    """Open a work package's web page, or copy its link (none when nobody is logged in)."""
    services = app_services(node)
    if services.client is None:
        return []
    web_url = services.client.work_package_web_url(work_package_id)
    return [
        PaletteCommand(
            f"Open #{work_package_id} in the browser",
            "Its page in the web UI.",
            lambda: services.safe_open_url(web_url, what="work package link"),
        ),
        PaletteCommand(
            f"Copy link to #{work_package_id}",
            "Copy its web address.",
            lambda: services.copy_with_toast(web_url, "work package link"),
        ),
    ]
