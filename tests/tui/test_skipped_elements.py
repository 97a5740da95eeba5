"""The list screens say how many of the server's elements could not be read."""

from __future__ import annotations

from support.collections import SHORTENED, collection, project, serve, work_package
from support.tui import make_app, settle

from nep_tui.screens.notifications import NotificationsScreen
from nep_tui.screens.projects import ProjectsScreen
from nep_tui.screens.work_packages import WorkPackagesScreen
from nep_tui.widgets.work_package_table import WorkPackageTable


async def test_the_projects_screen_counts_the_unreadable_ones(fault_proxy, sandbox):
    serve(fault_proxy, r"/api/v3/projects\?", collection([project(1), SHORTENED, project(2)]))
    app = make_app(fault_proxy.nepenthes_url, sandbox.user("member").api_token)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ProjectsScreen)
        count = str(app.screen.query_one("#projects-count").render())
        assert count == "2 projects · 1 project could not be read and is not shown"


async def test_the_work_packages_screen_counts_them_and_asks_for_no_more(fault_proxy, sandbox):
    shortened = {"_type": "WorkPackage", "id": 9}
    body = collection([work_package(1), shortened, shortened, work_package(4)])
    serve(fault_proxy, r"/api/v3/projects/1/work_packages\?", body)
    app = make_app(fault_proxy.nepenthes_url, sandbox.user("member").api_token)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        project_one = next(p for p in app.screen.projects if p.id == 1)
        app.push_screen(WorkPackagesScreen(project_one))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, WorkPackagesScreen)
        assert [wp.id for wp in screen.query_one(WorkPackageTable).work_packages] == [1, 4]
        assert str(screen.query_one("#wp-count").render()) == (
            "2 of 4 work packages · 2 work packages could not be read and are not shown"
        )
        screen.query_one(WorkPackageTable).focus()
        await pilot.press("end")
        await settle(pilot)
        asked = [target for _method, target in fault_proxy.requests() if "work_packages" in target]
        assert len(asked) == 1, "the skipped ones are not asked for again as a next page"


async def test_the_notifications_screen_counts_them_in_its_summary(fault_proxy, sandbox):
    whole = {"_type": "Notification", "id": 1, "readIAN": False, "reason": "mentioned"}
    shortened = {"_type": "Notification", "id": 2}
    serve(fault_proxy, r"/api/v3/notifications\?", collection([whole, shortened]))
    app = make_app(fault_proxy.nepenthes_url, sandbox.user("member").api_token)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        app.push_screen(NotificationsScreen())
        await settle(pilot)
        summary = str(app.screen.query_one("#notifications-summary").render())
        assert summary == (
            "1 unread of 1 notifications · 1 notification could not be read and is not shown"
        )
