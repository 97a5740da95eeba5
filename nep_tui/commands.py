"""The command palette: global commands plus whatever the current screen offers."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from nep_tui.palette import PaletteCommand, ProvidesCommands

if TYPE_CHECKING:
    from nep_tui.app import NepTuiApp


def _highlight(matcher: Matcher, title: str) -> Content:
    """`title` as text, its matched characters styled as `Matcher.highlight` styles them.

    `Matcher.highlight` reads its candidate as markup, and a title can carry server text (the
    text of a link in a description), whose brackets would then style it or add click actions.
    """
    _, offsets = matcher.fuzzy_search.match(matcher.query, title)
    content = Content(title)
    for offset in offsets:
        if not title[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class NepTuiCommands(Provider):
    """Context commands of the screen under the palette, then the app-wide ones."""

    def _commands(self) -> list[PaletteCommand]:
        # Imported here: the app module imports this one to register the provider.
        from nep_tui.app import NepTuiApp

        app = self.app
        if not isinstance(app, NepTuiApp):
            return []
        commands: list[PaletteCommand] = []
        if isinstance(self.screen, ProvidesCommands):
            commands.extend(self.screen.palette_commands())
        from nep_tui.screens.notifications import NotificationsScreen

        if app.client is not None and not isinstance(self.screen, NotificationsScreen):
            commands.append(
                PaletteCommand(
                    "Notifications",
                    "Show your notifications, unread first.",
                    app.action_notifications,
                )
            )
        if app.client is not None:
            commands.append(
                PaletteCommand("Projects", "Go to the list of projects.", app.action_projects)
            )
            commands.append(
                PaletteCommand(
                    "Administration",
                    "File storages and the Nextcloud setup (administrators).",
                    app.action_administration,
                )
            )
        commands.extend(self._profile_commands(app))
        return commands

    def _profile_commands(self, app: NepTuiApp) -> Iterable[PaletteCommand]:
        from nep_tui.api.session import list_profiles

        for status in list_profiles():
            name = status.profile.name
            if name != app.profile_name and status.logged_in:
                yield PaletteCommand(
                    f"Switch profile: {name}",
                    f"Use the stored profile {name!r} instead.",
                    partial(app.switch_profile_in_background, name),
                )

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(Content(command.title), command.callback, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(
                    score, _highlight(matcher, command.title), command.callback, help=command.help
                )
