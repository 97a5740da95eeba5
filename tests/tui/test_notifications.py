"""Notifications: unread first per work package, mark one / all read, the unread badge."""

from __future__ import annotations

from support.tui import app_for, settle, wait_for

from nep_tui.dialogs.confirm import ConfirmDialog
from nep_tui.screens.notifications import NotificationsScreen
from nep_tui.widgets.notification_list import NotificationList, group_notifications


async def open_notifications(app, pilot) -> NotificationsScreen:
    await settle(pilot)
    await pilot.press("ctrl+n")
    await settle(pilot)
    assert isinstance(app.screen, NotificationsScreen)
    return app.screen


async def test_unread_first_grouped_per_work_package(sandbox):
    app = app_for(sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_notifications(app, pilot)
        groups = group_notifications(screen.notifications)
        unread_flags = [group.unread > 0 for group in groups]
        assert unread_flags == sorted(unread_flags, reverse=True)
        assert len({group.resource_id for group in groups}) == len(groups)
        highlighted = screen.query_one(NotificationList).highlighted_notification
        assert highlighted is not None and not highlighted.read
        assert app.unread_count == screen.unread > 0


async def test_mark_one_read_lowers_the_unread_count(fresh_sandbox):
    app = app_for(fresh_sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_notifications(app, pilot)
        before = app.unread_count
        await pilot.press("r")
        await settle(pilot)
        await wait_for(pilot, lambda: app.unread_count == before - 1)
        assert screen.unread == before - 1
        moved_to = screen.query_one(NotificationList).highlighted_notification
        assert moved_to is not None and not moved_to.read  # on to the next unread one


async def test_mark_all_read_asks_first(fresh_sandbox):
    app = app_for(fresh_sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_notifications(app, pilot)
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert app.unread_count and app.screen is screen
        await pilot.press("R")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        await wait_for(pilot, lambda: app.unread_count == 0)
        assert screen.unread == 0


async def test_enter_opens_the_work_package(sandbox, monkeypatch):
    opened: list[tuple[int, dict]] = []
    app = app_for(sandbox)
    monkeypatch.setattr(app, "open_work_package", lambda wp_id, **how: opened.append((wp_id, how)))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_notifications(app, pilot)
        expected = screen.query_one(NotificationList).highlighted_notification.resource_id
        await pilot.press("enter")
        await pilot.pause()
        assert opened == [(expected, {"at_activity": True})]
