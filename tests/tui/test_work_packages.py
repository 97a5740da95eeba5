"""The work packages of a project: search, filters, lazy paging, opening one."""

from __future__ import annotations

import pytest
from support.tui import app_for, settle

from nep_tui.api.models import Project
from nep_tui.screens import work_packages as work_packages_module
from nep_tui.screens.work_packages import WorkPackagesScreen
from nep_tui.widgets.work_package_table import WorkPackageTable

WEBSITE = Project(id=2, identifier="website", name="Website Relaunch", parent_id=1)
DEMO = Project(id=1, identifier="demo", name="Nepenthes Demo")


async def open_project(app, pilot, project: Project) -> WorkPackagesScreen:
    await settle(pilot)
    app.push_screen(WorkPackagesScreen(project))
    await settle(pilot)
    assert isinstance(app.screen, WorkPackagesScreen)
    return app.screen


def subjects(screen: WorkPackagesScreen) -> list[str]:
    return [
        work_package.subject for work_package in screen.query_one(WorkPackageTable).work_packages
    ]


async def test_open_work_packages_of_the_project(sandbox):
    app = app_for(sandbox)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_project(app, pilot, WEBSITE)
        shown = subjects(screen)
        assert "New landing page design" in shown
        assert "Choose a hosting provider" not in shown  # closed
        assert f"{len(shown)} of {len(shown)} work packages" in str(
            screen.query_one("#wp-count").render()
        )


async def test_filters_toggle_closed_and_mine(sandbox):
    app = app_for(sandbox)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_project(app, pilot, WEBSITE)
        open_count = len(subjects(screen))
        await pilot.press("o")
        await settle(pilot)
        assert "Choose a hosting provider" in subjects(screen)
        assert len(subjects(screen)) > open_count
        await pilot.press("o", "m")
        await settle(pilot)
        mine = subjects(screen)
        assert mine and "Contact form does not send mails" not in mine  # assigned to newcomer
        assert "assigned to me" in str(screen.query_one("#wp-filters").render())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("landing", ["New landing page design"]),
        ("#9", ["New landing page design"]),
    ],
)
async def test_search_narrows_the_rows(sandbox, query, expected):
    app = app_for(sandbox)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_project(app, pilot, WEBSITE)
        await pilot.press("slash", *query)
        await settle(pilot)
        assert subjects(screen) == expected


async def test_id_of_another_project_is_not_listed(sandbox):
    app = app_for(sandbox)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_project(app, pilot, WEBSITE)
        await pilot.press("slash", *"#17")
        await settle(pilot)
        assert screen.query_one("#wp-state").state == "empty"


async def test_paging_loads_more_when_the_cursor_nears_the_end(sandbox, monkeypatch):
    monkeypatch.setattr(work_packages_module, "PAGE_SIZE", 3)
    monkeypatch.setattr("nep_tui.widgets.work_package_table.PREFETCH_ROWS", 1)
    app = app_for(sandbox)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_project(app, pilot, DEMO)
        table = screen.query_one(WorkPackageTable)
        assert table.row_count == 3
        assert screen.total > 3
        await pilot.press("down", "down")
        await settle(pilot)
        assert table.row_count == 6
        assert f"6 of {screen.total} work packages" in str(screen.query_one("#wp-count").render())


async def test_enter_asks_the_app_to_open_the_work_package(sandbox, monkeypatch):
    opened: list[int] = []
    app = app_for(sandbox)
    monkeypatch.setattr(app, "open_work_package", lambda wp_id, **_: opened.append(wp_id))
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_project(app, pilot, WEBSITE)
        table = screen.query_one(WorkPackageTable)
        await pilot.press("enter")
        await pilot.pause()
        assert opened == [table.work_packages[0].id]


HOSTILE_SUBJECTS = [
    "[bold]x[/] and [link=http://evil.example]click[/link]",
    "\x1b[31mred\x1b[0m \x1b]8;;http://evil.example\x07link\x1b]8;;\x07 \x1b[2J",
    "long " + "x" * 250,
]


async def test_hostile_subjects_render_as_plain_text_in_one_line(fresh_sandbox):
    from nep_tui.api.client import NepenthesClient
    from nep_tui.api.http import ApiTokenSource

    async with NepenthesClient(
        fresh_sandbox.nepenthes_url, ApiTokenSource(fresh_sandbox.user("member").api_token)
    ) as client:
        for subject in HOSTILE_SUBJECTS:
            await client.create_work_package("mobile-backend", type_id=1, subject=subject)
    app = app_for(fresh_sandbox)
    backend = Project(id=4, identifier="mobile-backend", name="Mobile Backend", parent_id=3)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_project(app, pilot, backend)
        table = screen.query_one(WorkPackageTable)
        subject_cells = [table.get_row(str(wp.id))[3] for wp in table.work_packages]
        assert all(not cell.spans for cell in subject_cells)  # no style or link from the text
        cells = {str(cell) for cell in subject_cells}
        assert HOSTILE_SUBJECTS[0] in cells  # the markup is shown, not applied
        assert "red link " in cells  # escapes removed, the text kept
        assert all("\x1b" not in cell and "\x07" not in cell for cell in cells)
        assert all(table.rows[key].height == 1 for key in table.rows)
        assert table.virtual_size.width <= 80
        assert "\x1b" not in app.export_screenshot()


async def test_a_4000_character_subject_keeps_the_table_inside_the_screen(sandbox):
    """The API caps subjects at 255 characters; the table must cope with longer ones anyway."""
    from datetime import UTC, datetime

    from nep_tui.api.models import WorkPackage

    huge = WorkPackage(
        id=99,
        display_id="99",
        subject="[b]" + "y" * 4000 + "\n" + "z" * 10,
        type_name="Task",
        status_name="New",
        assignee_name="[red]Eve[/]",
        updated_at=datetime(2026, 1, 2, tzinfo=UTC),
    )
    app = app_for(sandbox)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_project(app, pilot, WEBSITE)
        table = screen.query_one(WorkPackageTable)
        table.show([huge])
        await pilot.pause()
        assert table.rows["99"].height == 1
        assert table.virtual_size.width <= 80
        assert str(table.get_row("99")[4]) == "[red]Eve[/]"


async def test_palette_copies_the_highlighted_work_package_link(sandbox):
    app = app_for(sandbox)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_project(app, pilot, WEBSITE)
        highlighted = screen.query_one(WorkPackageTable).highlighted
        commands = {command.title: command for command in screen.palette_commands()}
        commands[f"Copy link to #{highlighted.id}"].callback()
        assert app.clipboard == f"{sandbox.nepenthes_url}/work_packages/{highlighted.id}"
