"""The app shell: help, back, notifications key, paste-to-open, palette, links, themes."""

from __future__ import annotations

from support.tui import app_for, settle
from textual import events

from nep_tui import app as app_module
from nep_tui import browser
from nep_tui.api.errors import NotLoggedIn
from nep_tui.app import NepTuiApp
from nep_tui.commands import NepTuiCommands
from nep_tui.dialogs.help import HelpScreen
from nep_tui.screens.login import LoginScreen
from nep_tui.screens.notifications import NotificationsScreen
from nep_tui.screens.projects import ProjectsScreen
from nep_tui.widgets.unread_badge import UnreadBadge


def nobody_logged_in(profile):
    raise NotLoggedIn()


async def test_help_lists_the_keys_of_the_screen_and_closes(sandbox):
    app = app_for(sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        described = {action for _, action, _ in app.screen.rows}
        assert {"Filter", "Reload", "Help", "Quit"} <= described
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ProjectsScreen)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_escape_goes_back_but_not_past_the_first_screen(sandbox):
    app = app_for(sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, NotificationsScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ProjectsScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ProjectsScreen)


async def test_unread_badge_is_in_every_header(sandbox):
    app = app_for(sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        badge = app.screen.query_one(UnreadBadge)
        assert f"{app.unread_count} unread" in str(badge.render())


async def test_pasting_a_work_package_link_opens_it(sandbox, monkeypatch):
    opened: list[int] = []
    app = app_for(sandbox)
    monkeypatch.setattr(app, "open_work_package", opened.append)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.post_message(
            events.Paste(f"{sandbox.nepenthes_url}/projects/demo/work_packages/5/activity")
        )
        app.post_message(events.Paste("https://elsewhere.example/work_packages/6"))
        app.post_message(events.Paste("7"))
        await pilot.pause()
        assert opened == [5]


async def test_pasting_into_the_filter_opens_the_link_instead_of_typing_it(sandbox, monkeypatch):
    opened: list[int] = []
    app = app_for(sandbox)
    monkeypatch.setattr(app, "open_work_package", opened.append)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        app.post_message(events.Paste(f"{sandbox.nepenthes_url}/wp/3"))
        await pilot.pause()
        assert opened == [3]
        assert app.screen.query_one("#project-filter").value == ""


async def test_palette_offers_context_and_global_commands(sandbox):
    app = app_for(sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        provider = NepTuiCommands(app.screen)
        titles = [command.title for command in provider._commands()]
        assert "Mark all notifications read" in titles
        assert "Projects" in titles and "Notifications" not in titles
        hits = [hit async for hit in provider.search("projects")]
        assert hits


def test_no_browser_over_ssh(monkeypatch):
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 5000 10.0.0.2 22")
    assert not browser.has_local_browser()
    monkeypatch.delenv("SSH_CONNECTION")
    monkeypatch.delenv("SSH_TTY", raising=False)
    monkeypatch.setattr(browser.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert not browser.has_local_browser()
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert browser.has_local_browser()


async def test_safe_open_url_copies_and_shows_the_link_without_a_browser(monkeypatch):
    monkeypatch.setattr(app_module, "has_local_browser", lambda: False)
    opened: list[str] = []
    app = NepTuiApp(nobody_logged_in)
    monkeypatch.setattr(app, "open_url", lambda url, **kw: opened.append(url))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        app.safe_open_url("http://127.0.0.1:1/work_packages/1")
        await pilot.pause()
        assert opened == []
        assert app.clipboard == "http://127.0.0.1:1/work_packages/1"
        assert any("work_packages/1" in str(n.message) for n in app._notifications)


async def test_without_login_the_app_starts_at_the_login_screen():
    app = NepTuiApp(nobody_logged_in)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)


async def test_theme_from_the_environment_and_no_animation(sandbox, monkeypatch):
    monkeypatch.setenv("NEP_TUI_THEME", "ansi-light")
    monkeypatch.delenv("TEXTUAL_ANIMATIONS", raising=False)
    app = app_for(sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.theme == "ansi-light"
        assert app.animation_level == "none"


async def test_unknown_theme_falls_back(sandbox, monkeypatch):
    monkeypatch.setenv("NEP_TUI_THEME", "textual-ansi")
    app = app_for(sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.theme == app_module.DEFAULT_THEME


async def test_start_at_a_work_package_with_projects_behind_it(sandbox):
    from nep_tui.screens.work_package import WorkPackageScreen

    app = app_for(sandbox, start_at=9)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WorkPackageScreen)
        assert app.screen.work_package_id == 9
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ProjectsScreen)


def test_run_app_refuses_a_link_that_is_no_work_package(capsys):
    assert app_module.run_app(start_url="https://nepenthes.example/projects/demo") == 2
    assert "not a link to a work package" in capsys.readouterr().err


async def test_a_rejected_token_leads_to_the_login_screen(sandbox):
    from nep_tui.api.client import NepenthesClient
    from nep_tui.api.http import ApiTokenSource

    def revoked_token(profile):
        return NepenthesClient(
            sandbox.nepenthes_url, ApiTokenSource("opapi-" + "1" * 64), profile_name="work"
        )

    app = NepTuiApp(revoked_token)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.client is None


async def test_switch_profile_from_the_palette(sandbox, member_token, newcomer_token):
    from nep_tui.api import session

    await session.login_with_token(sandbox.nepenthes_url, member_token, profile="one")
    await session.login_with_token(sandbox.nepenthes_url, newcomer_token, profile="two")
    app = NepTuiApp(profile="one")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.profile_name == "one"
        commands = {c.title: c for c in NepTuiCommands(app.screen)._commands()}
        assert "Switch profile: one" not in commands
        commands["Switch profile: two"].callback()
        await settle(pilot)
        assert app.profile_name == "two" and isinstance(app.screen, ProjectsScreen)
        assert "two · " in app.sub_title
