"""The one typed way for screens, widgets and dialogs to reach the app.

They sit below the app module and must not import it; they ask for `AppServices`, which the
app provides, and get a typed object or a clear error instead of `type: ignore`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual.dom import DOMNode

from nep_tui.api.errors import NotLoggedIn

if TYPE_CHECKING:
    from nep_tui.api.client import NepenthesClient


@runtime_checkable
class AppServices(Protocol):
    """What the app offers the nodes below it."""

    client: NepenthesClient | None
    """The client of the logged-in profile; None on the login screen."""

    offline: bool
    """The server could not be reached: screens show what was last seen, read-only."""

    def safe_open_url(self, url: str, *, what: str = "link") -> None:
        """Open `url` in a browser where the user sits, or show and copy it."""

    def copy_with_toast(self, text: str, what: str) -> None:
        """Copy `text` to the clipboard and say so."""


def app_services(node: DOMNode) -> AppServices:
    app = node.app
    if not isinstance(app, AppServices):
        raise TypeError(f"{type(app).__name__} does not provide nep-tui's app services")
    return app


def current_client(node: DOMNode) -> NepenthesClient:
    """The logged-in client; NotLoggedIn (shown like any typed error) when there is none."""
    client = app_services(node).client
    if client is None:
        raise NotLoggedIn()
    return client


def is_offline(node: DOMNode) -> bool:
    app = node.app
    return isinstance(app, AppServices) and app.offline
