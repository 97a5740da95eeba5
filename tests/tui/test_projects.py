"""The project tree: loads from the sandbox, type-to-filter keeps ancestors, Enter opens."""

from __future__ import annotations

from support.tui import app_for, settle

from nep_tui.screens.projects import ProjectsScreen
from nep_tui.screens.work_packages import WorkPackagesScreen
from nep_tui.widgets.project_tree import ProjectTree


def labels(tree: ProjectTree) -> list[str]:
    found: list[str] = []

    def walk(node, depth: int) -> None:
        for child in node.children:
            found.append("  " * depth + child.data.name)
            walk(child, depth + 1)

    walk(tree.root, 0)
    return found


async def test_projects_show_the_hierarchy(sandbox):
    app = app_for(sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ProjectsScreen)
        tree = app.screen.query_one(ProjectTree)
        assert labels(tree)[:4] == [
            "Nepenthes Demo",
            "  Mobile App",
            "    Mobile Backend",
            "  Website Relaunch",
        ]


async def test_typing_filters_the_tree_and_keeps_ancestors(sandbox):
    app = app_for(sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"backend")
        await pilot.pause()
        tree = app.screen.query_one(ProjectTree)
        assert labels(tree) == ["Nepenthes Demo", "  Mobile App", "    Mobile Backend"]
        assert "1 of" in str(app.screen.query_one("#projects-count").render())


async def test_filter_without_match_says_so(sandbox):
    app = app_for(sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"zzzz")
        await pilot.pause()
        assert app.screen.query_one("#projects-state").state == "empty"


async def test_enter_opens_work_packages_and_escape_comes_back(sandbox):
    app = app_for(sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"website", "enter")
        await settle(pilot)
        assert isinstance(app.screen, WorkPackagesScreen)
        assert app.screen.project.identifier == "website"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ProjectsScreen)
