"""The Textual app shell: header, footer, global bindings, the client, and where to start."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, cast

from textual import events, on, work
from textual.app import App, InvalidThemeError
from textual.binding import Binding
from textual.driver import Driver
from textual.reactive import reactive
from textual.screen import Screen

from nep_tui.browser import has_local_browser, link_content
from nep_tui.commands import NepTuiCommands
from nep_tui.failures import log_unexpected, unexpected_failure_text
from nep_tui.messages import (
    LoggedIn,
    OpenWorkPackage,
    SessionEnded,
    UnexpectedFailure,
    UnreadCountChanged,
)
from nep_tui.terminal_signals import TerminalSignals
from nep_tui.widgets.worker_failures import ReportsWorkerFailures

if TYPE_CHECKING:
    from nep_tui.api.client import NepenthesClient

ClientFactory = Callable[[str | None], "NepenthesClient"]
"""Opens a client for a profile name (None: the current profile); raises NotLoggedIn."""

StartAt = int | Literal["login"] | None
"""Where the app opens: a work package id, the login screen, or (None) the project list."""

UNREAD_REFRESH_SECONDS = 60
OFFLINE_PROBE_SECONDS = 10
DEFAULT_THEME = "textual-dark"
TERMINATED_EXIT_CODE = 128 + signal.SIGTERM  # as a shell reports a process ended by it


def session_client_factory(server: str | None = None, token: str | None = None) -> ClientFactory:
    """Clients the way the CLI resolves them: arguments, environment, stored profile."""

    def open_for(profile: str | None) -> NepenthesClient:
        from nep_tui.api.session import open_client

        return open_client(profile=profile, server=server, token=token)

    return open_for


class NepTuiApp(ReportsWorkerFailures, App[None]):
    """nep-tui: Nepenthes work packages and their Nextcloud files in a terminal."""

    CSS_PATH = "app.tcss"
    TITLE = "nep-tui"
    COMMANDS = App.COMMANDS | {NepTuiCommands}
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        # Quit is listed in help, not in the footer: at 80 columns the footer needs the room.
        Binding(
            "ctrl+q", "quit", "Quit", priority=True, id="quit", tooltip="Leave nep-tui.", show=False
        ),
        Binding(
            "f1,question_mark", "help", "Help", id="help", tooltip="Show the keys of this screen."
        ),
        Binding("escape", "back", "Back", id="back", tooltip="Go back to the previous screen."),
        Binding(
            "ctrl+n",
            "notifications",
            "Notifications",
            id="notifications",
            tooltip="Show your notifications.",
        ),
    ]

    unread_count: reactive[int | None] = reactive(None)
    """Unread notifications of the logged-in user; None while unknown."""

    offline: reactive[bool] = reactive(False)
    """The server could not be reached; probed every OFFLINE_PROBE_SECONDS until it is back."""

    def __init__(
        self,
        client_factory: ClientFactory | None = None,
        *,
        start_at: StartAt = None,
        profile: str | None = None,
        server: str | None = None,
        theme: str | None = None,
    ) -> None:
        self.terminal_signals = TerminalSignals()
        super().__init__()
        self.client_factory = client_factory or session_client_factory(server)
        self.requested_server = server
        """A server named on the command line: the login screen offers it when nothing is stored."""
        self.start_at = start_at
        self.client: NepenthesClient | None = None
        self.profile_name: str | None = profile
        self.server_url: str = ""
        self._requested_theme = theme or os.environ.get("NEP_TUI_THEME") or DEFAULT_THEME
        if "TEXTUAL_ANIMATIONS" not in os.environ:
            self.animation_level = "none"

    # --- start-up -------------------------------------------------------------------------

    def get_driver_class(self) -> type[Driver]:
        return _with_terminal_signals(super().get_driver_class())

    def on_mount(self) -> None:
        # SIGTERM ends the interface as quitting does: the workers are cancelled and clean up
        # (a download removes its `.part`) and the terminal is restored, instead of the
        # process vanishing mid-write with the terminal left in raw mode.
        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows; not main thread
            asyncio.get_running_loop().add_signal_handler(
                signal.SIGTERM, self.exit, None, TERMINATED_EXIT_CODE
            )
        self._apply_theme(self._requested_theme)
        self.set_interval(UNREAD_REFRESH_SECONDS, self.refresh_unread_count)
        self._probe = self.set_interval(OFFLINE_PROBE_SECONDS, self._probe_server, pause=True)
        if self.start_at == "login" or not self._connect():
            self.show_login()
            return
        self._show_start()

    def _show_start(self) -> None:
        """The project list, or straight the work package asked for (without the project list:
        it is loaded when the user goes back to it)."""
        if isinstance(self.start_at, int):
            from nep_tui.screens.work_package import WorkPackageScreen

            self._replace_stack(WorkPackageScreen(self.start_at))
        else:
            self.show_home()

    def _apply_theme(self, name: str) -> None:
        try:
            self.theme = name
        except InvalidThemeError:
            self.theme = DEFAULT_THEME
            known = ", ".join(sorted(self.available_themes))
            self.notify(
                f"Unknown theme {name!r}; using {DEFAULT_THEME}. Known themes: {known}.",
                severity="warning",
                markup=False,
            )

    def _connect(self) -> bool:
        """Open the client of the current profile; False when nobody is logged in."""
        from nep_tui.api.errors import NotLoggedIn

        try:
            client = self.client_factory(self.profile_name)
        except NotLoggedIn:
            return False
        self._set_client(client)
        return True

    def _set_client(self, client: NepenthesClient) -> None:
        self.client = client
        client.on_reachable = self._reachable
        self.offline = False
        self.server_url = client.server_url.rstrip("/")
        self.profile_name = client.profile_name or self.profile_name
        self.sub_title = " · ".join(part for part in (self.profile_name, self.server_url) if part)
        self.unread_count = None
        if not isinstance(self.start_at, int):
            # Opening straight at a work package, its screen asks for the count once it is
            # complete, so that the count does not delay it.
            self.refresh_unread_count()

    async def on_unmount(self) -> None:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            asyncio.get_running_loop().remove_signal_handler(signal.SIGTERM)
        self.terminal_signals.write = None  # the driver stops writing after this
        await self._close_client()

    async def _close_client(self) -> None:
        if self.client is not None:
            client, self.client = self.client, None
            await client.aclose()

    def show_login(self) -> None:
        from nep_tui.screens.login import LoginScreen

        self._replace_stack(
            LoginScreen(profile=self.profile_name, server_url=self.requested_server)
        )

    def show_home(self) -> None:
        from nep_tui.screens.projects import ProjectsScreen

        self._replace_stack(ProjectsScreen())

    def _replace_stack(self, screen: Screen[None]) -> None:
        """Make `screen` the only one above the default screen (Escape cannot go behind it)."""
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(screen)

    @on(LoggedIn)
    async def _logged_in(self, event: LoggedIn) -> None:
        await self._close_client()
        self.profile_name = event.profile_name
        if self._connect():
            self._show_start()
        else:
            self.notify(
                "Logged in, but the new credentials were not accepted. Try again.", severity="error"
            )

    @on(SessionEnded)
    async def _session_ended(self, event: SessionEnded) -> None:
        if self.client is None:
            return
        await self._close_client()
        self.notify(f"{event.message} Log in again to continue.", severity="warning", markup=False)
        self.show_login()

    def switch_profile_in_background(self, profile: str) -> None:
        self.run_worker(self.switch_profile(profile), description="switching profiles")

    async def switch_profile(self, profile: str) -> None:
        """Use another stored profile (from the command palette)."""
        await self._close_client()
        self.profile_name = profile
        if self._connect():
            self.show_home()
            self.notify(f"Switched to profile {profile}.", markup=False)
        else:
            self.show_login()

    # --- navigation -----------------------------------------------------------------------

    def open_work_package(self, work_package_id: int, *, at_activity: bool = False) -> None:
        """Show one work package on top of the current screen."""
        if self.client is None:
            self.notify("Log in first to open work packages.", severity="warning")
            return
        from nep_tui.screens.work_package import WorkPackageScreen

        self.push_screen(WorkPackageScreen(work_package_id, at_activity=at_activity))

    def action_open_work_package(self, work_package_id: int) -> None:
        self.open_work_package(work_package_id)

    @on(OpenWorkPackage)
    def _open_work_package_requested(self, event: OpenWorkPackage) -> None:
        self.open_work_package(event.work_package_id, at_activity=event.at_activity)

    async def action_back(self) -> None:
        if len(self.screen_stack) > 2:
            await self.pop_screen()
        elif self._started_elsewhere():
            self.show_home()

    def _can_go_back(self) -> bool:
        # The default screen and the login or project list above it stay; a work package
        # opened straight from a link goes back to the project list.
        return len(self.screen_stack) > 2 or self._started_elsewhere()

    def _started_elsewhere(self) -> bool:
        from nep_tui.screens.login import LoginScreen
        from nep_tui.screens.projects import ProjectsScreen

        return self.client is not None and not isinstance(self.screen, ProjectsScreen | LoginScreen)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # False hides the key in the footer: nothing to go back to, nobody logged in yet.
        if action == "back":
            return self._can_go_back()
        if action == "notifications":
            from nep_tui.screens.notifications import NotificationsScreen

            return self.client is not None and not isinstance(self.screen, NotificationsScreen)
        return True

    def action_help(self) -> None:
        from nep_tui.dialogs.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_notifications(self) -> None:
        from nep_tui.screens.notifications import NotificationsScreen

        if self.client is not None and not isinstance(self.screen, NotificationsScreen):
            self.push_screen(NotificationsScreen())

    def action_projects(self) -> None:
        if self.client is not None:
            self.show_home()

    def action_administration(self) -> None:
        """The file storages' administration; it tells a non-admin that it is for admins."""
        from nep_tui.screens.administration import AdministrationScreen

        if self.client is not None and not isinstance(self.screen, AdministrationScreen):
            self.push_screen(AdministrationScreen())

    # --- pasted links ---------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        # Inputs swallow pastes, so a pasted work-package link is caught before it reaches one.
        if isinstance(event, events.Paste) and not event.is_forwarded:
            work_package_id = self._work_package_in(event.text)
            if work_package_id is not None:
                self.open_work_package(work_package_id)
                return
        await super().on_event(event)

    def _work_package_in(self, text: str) -> int | None:
        if self.client is None or not self.server_url:
            return None
        from nep_tui.api.links import work_package_id_from_url

        candidate = text.strip()
        # Only links: a pasted "12" is just text someone is typing.
        if not candidate.startswith(("http://", "https://")) or any(c.isspace() for c in candidate):
            return None
        return work_package_id_from_url(candidate, self.server_url)

    # --- unread notifications -------------------------------------------------------------

    @on(UnreadCountChanged)
    def _unread_count_changed(self) -> None:
        self.refresh_unread_count()

    def refresh_unread_count(self) -> None:
        if self.client is not None:
            self._count_unread()

    @work(
        exclusive=True,
        exit_on_error=False,
        group="unread-count",
        description="counting unread notifications",
    )
    async def _count_unread(self) -> None:
        from nep_tui.api.errors import NepError

        client = self.client
        if client is None:
            return
        try:
            count = await client.unread_count()
        except NepError:
            return  # the badge keeps its last value; the notifications screen shows the error
        if client is not self.client:
            return
        previous, self.unread_count = self.unread_count, count
        if previous is not None and count > previous:
            await self._announce_newest(client, count)

    async def _announce_newest(self, client: NepenthesClient, count: int) -> None:
        from nep_tui.api.errors import NepError

        try:
            newest = (await client.notifications(unread_only=True))[:1]
        except NepError:
            newest = []  # still worth the bell; the text then says only that one arrived
        self.terminal_signals.announce(newest[0] if newest else None, count)

    def watch_unread_count(self, count: int | None) -> None:
        self.terminal_signals.show_unread(count)

    # --- offline --------------------------------------------------------------------------

    def _reachable(self, reachable: bool) -> None:
        self.offline = not reachable

    def watch_offline(self, was_offline: bool, offline: bool) -> None:
        if offline:
            self._probe.resume()
            return
        self._probe.pause()
        if was_offline:
            # The count failed while the server was away; the badge should not wait for the
            # next periodic refresh to show it again.
            self.refresh_unread_count()

    @work(
        exclusive=True,
        exit_on_error=False,
        group="probe",
        description="asking if the server is back",
    )
    async def _probe_server(self) -> None:
        from nep_tui.api.errors import NepError, NetworkUnreachable, TLSVerificationFailed

        client = self.client
        if client is None:
            self.offline = False
            return
        try:
            await client.me()
        except TLSVerificationFailed:
            pass  # an answer all the same
        except NetworkUnreachable:
            return
        except NepError:
            pass  # the server answered; the screens show what it says
        if client is self.client:
            # The screens watch this and load what they show again.
            self.offline = False

    # --- bugs -----------------------------------------------------------------------------

    @on(UnexpectedFailure)
    def _unexpected_failure(self, event: UnexpectedFailure) -> None:
        log_path = log_unexpected(event.error, event.during)
        self.notify(
            unexpected_failure_text(event.error, event.during, log_path),
            title="Internal error",
            severity="error",
            timeout=30,
            markup=False,
        )

    def worker_failed(self, error: BaseException) -> None:
        pass  # the app's own workers (the unread badge) leave nothing on screen to repair

    # --- links and the clipboard ----------------------------------------------------------

    def safe_open_url(self, url: str, *, what: str = "link") -> None:
        """Open `url` in a browser when one would appear in front of the user, else show it.

        Over SSH or without a display the URL is shown as a clickable (OSC 8) link and copied
        to the clipboard (OSC 52), so it can be opened on the user's own machine.
        """
        if has_local_browser():
            self.open_url(url)
            self.notify(
                link_content(f"Opened the {what} in your browser: ", url).markup, title="Opened"
            )
            return
        self.copy_to_clipboard(url)
        self.notify(
            link_content(f"Copied the {what}; open it in a browser: ", url).markup,
            title="No browser here",
            timeout=15,
        )

    def copy_with_toast(self, text: str, what: str) -> None:
        """Copy `text` with OSC 52 and confirm with a toast that shows what was copied."""
        self.copy_to_clipboard(text)
        self.notify(f"Copied {what}: {text}", title="Clipboard", markup=False)


def _with_terminal_signals(base: type[Driver]) -> type[Driver]:
    """The platform's driver, handing its `write` (where Textual writes its own escape
    sequences, in order with the screen's) to the app's TerminalSignals."""

    def __init__(driver: Driver, app: App[Any], *args: Any, **kwargs: Any) -> None:
        base.__init__(driver, app, *args, **kwargs)
        if isinstance(app, NepTuiApp):
            app.terminal_signals.write = driver.write

    return cast(type[Driver], type(base.__name__, (base,), {"__init__": __init__}))


def run_app(
    start_url: str | None = None,
    profile: str | None = None,
    server: str | None = None,
    token: str | None = None,
) -> int:
    """Run the TUI: at the work package a Nepenthes URL points to, or at the project list."""
    start_at: StartAt = None
    if start_url is not None:
        from nep_tui.api.links import work_package_id_from_url

        start_at = work_package_id_from_url(start_url)
        if start_at is None:
            print(f"nep-tui: {start_url} is not a link to a work package.", file=sys.stderr)
            return 2
    app = NepTuiApp(
        session_client_factory(server, token), start_at=start_at, profile=profile, server=server
    )
    app.run()
    return app.return_code or 0
