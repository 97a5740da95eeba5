"""Snapshots of the activity: the timeline with hostile server text, the comment box, the
conflict dialog, and the work-package screen opened at its activity (80x24)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from support.fixed_ports import start_on_fixed_ports
from support.tui import app_for, settle
from textual.app import App, ComposeResult
from textual.widgets import Footer

import nep_tui.screens
from nep_tui.api.activity import Activity, ActivityKind, WorkPackageConflict, WorkPackageEdit
from nep_tui.api.models import WorkPackage
from nep_tui.dialogs.conflict import ConflictDialog
from nep_tui.screens.field_edits import describe_edit
from nep_tui.widgets.activity_timeline import ActivityTimeline
from nep_tui.widgets.comment_box import CommentBox
from tests.tui.test_dialog_snapshots import HOSTILE, Host

pytestmark = pytest.mark.xdist_group("tui-activity-snapshots")

ACTIVITY_PORTS = (47370, 47371)
SCREEN_CSS = Path(nep_tui.screens.__file__).parent / "work_package.tcss"
MENTION = (
    '<mention class="mention" data-id="4" data-type="user" data-text="@Nora Newcomer">'
    "@Nora Newcomer</mention>"
)


def _at(minute: int) -> datetime:
    return datetime(2026, 1, 20, 9, minute, tzinfo=UTC)


ACTIVITIES = [
    Activity(id=1, kind=ActivityKind.CHANGE, version=1, created_at=_at(0), user_name="Max Member"),
    Activity(
        id=2,
        kind=ActivityKind.CHANGE,
        version=2,
        created_at=_at(5),
        user_name="Ada Admin",
        details=[
            "**Status** changed from *New* to *In progress*",
            f"**Subject** changed from *Kickoff* to *{HOSTILE}*",
        ],
    ),
    Activity(
        id=3,
        kind=ActivityKind.COMMENT,
        version=3,
        created_at=_at(9),
        user_name=f"Max {HOSTILE}",
        details=["**% Complete** changed from *10%* to *30%*"],
        comment=f"**Looks good**, {MENTION}:\n\n- one\n- `two`\n\n{HOSTILE}",
    ),
    Activity(
        id=4,
        kind=ActivityKind.CHANGE,
        version=4,
        created_at=_at(12),
        user_name="Nora Newcomer",
        details=["**Assignee** changed from *Max Member* to *Nora Newcomer*"],
    ),
]


class WidgetHost(App[None]):
    """One widget of the work-package screen, styled as the screen styles it."""

    CSS_PATH = SCREEN_CSS

    def __init__(self, widget) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget
        yield Footer()


def test_timeline(snap_compare):
    async def show(pilot) -> None:
        await pilot.app.query_one(ActivityTimeline).show(ACTIVITIES)
        await pilot.pause()

    app = WidgetHost(ActivityTimeline(id="wp-activity"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=show)


def test_comment_box(snap_compare):
    async def type_comment(pilot) -> None:
        box = pilot.app.query_one(CommentBox)
        box.area.insert(f"**Agreed**, {MENTION}\n{HOSTILE}")
        box.focus_text()
        await pilot.pause()

    app = WidgetHost(CommentBox(id="wp-comment"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=type_comment)


def test_conflict_dialog(snap_compare):
    current = WorkPackage(id=3, display_id="3", subject=HOSTILE)
    conflict = WorkPackageConflict(current, ACTIVITIES[1:])
    mine = describe_edit(WorkPackageEdit(status_id=7), "Closed")
    assert snap_compare(Host(ConflictDialog(conflict, mine)), terminal_size=(80, 24))


@pytest.fixture(scope="module")
def activity_sandbox(tmp_path_factory):
    folder = tmp_path_factory.mktemp("activity-sandbox")
    running = start_on_fixed_ports(folder, ACTIVITY_PORTS, seed="demo")
    yield running
    running.stop()


def test_work_package_at_its_activity(snap_compare, activity_sandbox):
    async def to_the_comment_box(pilot) -> None:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)

    app = app_for(activity_sandbox, start_at=3)
    assert snap_compare(app, terminal_size=(80, 24), run_before=to_the_comment_box)


EDITOR_KEYS = {
    "status": "s",
    "assignee": "w",
    "accountable": "W",
    "priority": "p",
    "type": "y",
    "version": "v",
    "done": "percent_sign",
    "subject": "t",
    "start": "S",
    "finish": "D",
    "description": "e",
}


@pytest.mark.parametrize("editor", EDITOR_KEYS)
def test_each_editor_over_its_work_package(snap_compare, activity_sandbox, editor):
    """Each field's editor as the key opens it on work package 1 (planned for Sprint 2, with
    the closed Sprint 1 not offered), offering what the server allows."""

    async def open_editor(pilot) -> None:
        await settle(pilot)
        await pilot.press(EDITOR_KEYS[editor])
        await settle(pilot)

    app = app_for(activity_sandbox, start_at=1)
    assert snap_compare(app, terminal_size=(80, 24), run_before=open_editor)
