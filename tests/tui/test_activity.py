"""The work-package screen acts on the work package: each field through the update form, the
activity timeline and the comment box, conflicts with another client, over real HTTP."""

from __future__ import annotations

from support.tui import make_app, settle, wait_for
from textual.widgets import Input, TextArea

from nep_tui.api.activity import ActivityKind, WorkPackageEdit
from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource
from nep_tui.dialogs.ask_value import AskValueDialog
from nep_tui.dialogs.choose_value import ChooseValueDialog
from nep_tui.dialogs.conflict import ConflictDialog, server_change_lines
from nep_tui.dialogs.edit_text import EditTextDialog
from nep_tui.screens.work_package import WorkPackageScreen
from nep_tui.widgets.activity_timeline import PAGE, ActivityTimeline, CommentEntry
from nep_tui.widgets.comment_box import CommentBox
from tests.tui.test_description import choose_in_palette, rendered_lines

TASK = 3  # "Collect requirements from the sales team": Task, New, assigned to member
HOSTILE = "[b]bold?[/b] \x1b[31mred?\x1b[0m [@click=app.quit]quit[/] \x1b]8;;https://evil\x07x"


def _client(sandbox, login: str) -> NepenthesClient:
    return NepenthesClient(sandbox.nepenthes_url, ApiTokenSource(sandbox.user(login).api_token))


async def _api(sandbox, login: str, call):
    async with _client(sandbox, login) as client:
        return await call(client)


def _app(sandbox, login: str = "member", at: int | None = TASK):
    """The app at work package `at`; what it tells the user is kept in `app.told`."""
    app = make_app(sandbox.nepenthes_url, sandbox.user(login).api_token, start_at=at)
    app.told = []
    app.notify = lambda message, *, title="", **_options: app.told.append((title, message))
    return app


def timeline_text(screen) -> str:
    timeline = screen.query_one(ActivityTimeline)
    return "\n".join(str(child.render()) for child in timeline.query(".activity-change"))


async def choose(pilot, typed: str) -> list[str]:
    """Wait for the choice dialog, narrow it to `typed` and pick; the labels it offered."""
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ChooseValueDialog))
    offered = [choice.label for choice in pilot.app.screen.choices]
    pilot.app.screen.query_one(Input).value = typed
    await pilot.pause()
    await pilot.press("enter")
    return offered


async def answer(pilot, dialog_type, text: str) -> None:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, dialog_type))
    if dialog_type is EditTextDialog:
        pilot.app.screen.query_one(TextArea).text = text
        await pilot.press("ctrl+s")
    else:
        pilot.app.screen.query_one(Input).value = text
        await pilot.press("enter")
    await settle(pilot)


async def test_every_field_changes_through_the_tui_and_shows_in_the_activity(fresh_sandbox):
    async with _app(fresh_sandbox).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, WorkPackageScreen)

        await pilot.press("s")
        offered = await choose(pilot, "in prog")
        assert offered == ["New", "In progress", "Rejected"]  # the workflow: no "Closed"
        await settle(pilot)
        await pilot.press("p")
        await choose(pilot, "high")
        await settle(pilot)
        await pilot.press("w")
        assert "Nora Newcomer" in await choose(pilot, "nora")
        await settle(pilot)
        await pilot.press("t")
        await answer(pilot, AskValueDialog, "Requirements, collected")
        await pilot.press("S")
        await answer(pilot, AskValueDialog, "2026-01-15")
        await pilot.press("D")
        await answer(pilot, AskValueDialog, "2026-02-10")
        await pilot.press("e")
        await answer(pilot, EditTextDialog, "Now with *emphasis*.")

        now = await _api(fresh_sandbox, "member", lambda client: client.work_package(TASK))
        assert (now.status_name, now.priority_name, now.assignee_name) == (
            "In progress",
            "High",
            "Nora Newcomer",
        )
        assert now.subject == "Requirements, collected"
        assert (str(now.start_date), str(now.due_date)) == ("2026-01-15", "2026-02-10")
        assert now.description == "Now with *emphasis*."

        shown = timeline_text(screen)
        for line in (
            "Status changed from New to In progress",
            "Priority changed from Normal to High",
            "Assignee changed from Max Member to Nora Newcomer",
            "Subject changed from Collect requirements from the sales team to Requirements,",
            "Start date changed from 01/14/2026 to 01/15/2026",
            "Finish date changed from 02/06/2026 to 02/10/2026",
            "Description changed",
        ):
            assert line in shown
        assert shown.count("Max Member:") >= 7  # one line per change, newest last
        assert shown.splitlines()[-1].endswith("Description changed (Details)")


async def test_accountable_type_version_and_done_change_through_the_tui(fresh_sandbox):
    async with _app(fresh_sandbox).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        await pilot.press("W")
        assert "Nora Newcomer" in await choose(pilot, "nora")
        await settle(pilot)
        await pilot.press("y")
        assert await choose(pilot, "bug") == ["Task", "Bug", "Feature", "Milestone"]
        await settle(pilot)
        await pilot.press("v")
        # Sprint 1 is closed: a work package cannot be planned for it any more.
        assert await choose(pilot, "release") == ["No version", "Sprint 2", "Release 1.0"]
        await settle(pilot)
        await pilot.press("percent_sign")
        await answer(pilot, AskValueDialog, "75")

        now = await _api(fresh_sandbox, "member", lambda client: client.work_package(TASK))
        assert (now.responsible_name, now.type_name, now.version_name, now.percentage_done) == (
            "Nora Newcomer",
            "Bug",
            "Release 1.0",
            75,
        )
        shown = timeline_text(screen)
        for line in (
            "Accountable changed from Max Member to Nora Newcomer",
            "Type changed from Task to Bug",
            "Version set to Release 1.0",
            "% Complete changed from 10% to 75%",
        ):
            assert line in shown
    feed = await _api(fresh_sandbox, "newcomer", lambda client: client.notifications())
    assert "responsible" in [item.reason for item in feed if item.resource_id == TASK]


async def test_a_version_is_taken_away_and_a_bad_percentage_never_sent(fresh_sandbox):
    async with _app(fresh_sandbox, at=1).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await choose(pilot, "no version")
        await settle(pilot)
        await pilot.press("percent_sign")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, AskValueDialog))
        pilot.app.screen.query_one(Input).value = "140"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, AskValueDialog)  # refused before any request
        await pilot.press("escape")
        now = await _api(fresh_sandbox, "member", lambda client: client.work_package(1))
        assert (now.version_name, now.percentage_done) == (None, 40)
        assert "Version deleted (Sprint 2)" in timeline_text(pilot.app.screen)


async def test_a_validation_error_names_the_field(fresh_sandbox):
    async with _app(fresh_sandbox).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("D")
        await answer(pilot, AskValueDialog, "2020-01-01")  # before the start date
        titles = [title for title, _message in pilot.app.told]
        assert "Not saved: dueDate" in titles, pilot.app.told
        now = await _api(fresh_sandbox, "member", lambda client: client.work_package(TASK))
        assert str(now.due_date) == "2026-02-06"


def _mention(user_id: int, name: str) -> str:
    return (
        f'<mention class="mention" data-id="{user_id}" data-type="user" '
        f'data-text="@{name}">@{name}</mention>'
    )


async def test_a_comment_with_markdown_a_mention_and_hostile_text(fresh_sandbox):
    users = await _api(fresh_sandbox, "member", lambda client: client.available_assignees(TASK))
    nora = next(user for user in users if user.name == "Nora Newcomer")
    text = f"**Agreed**, see `notes`. {_mention(nora.id, 'Nora Newcomer')}\n\n{HOSTILE}"
    async with _app(fresh_sandbox).run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        await pilot.press("m")
        area = screen.query_one(CommentBox).area
        assert screen.focused is area
        await pilot.press("s", "p")  # typed into the box, not taken as keys of the screen
        assert isinstance(pilot.app.screen, WorkPackageScreen) and area.text == "sp"
        area.text = text
        await pilot.press("ctrl+s")
        await settle(pilot)

        assert area.text == ""
        last = (await _api(fresh_sandbox, "member", lambda client: client.activities(TASK)))[-1]
        assert (last.kind, last.comment) == (ActivityKind.COMMENT, text)
        entry = list(screen.query(CommentEntry))[-1]
        assert entry.activity.id == last.id
        shown = "\n".join(rendered_lines(pilot.app, entry))
        assert "Max Member commented" in shown
        assert "Agreed, see notes. @Nora Newcomer" in shown
        assert "[b]bold?[/b] red? [@click=app.quit]quit[/] x" in shown
        assert "\x1b" not in shown and "<mention" not in shown
        assert pilot.app.is_running  # the click action stayed text

    feed = await _api(fresh_sandbox, "newcomer", lambda client: client.notifications())
    assert [item.reason for item in feed if item.resource_id == TASK][0] == "mentioned"


async def test_a_comment_that_fails_stays_in_the_box(fresh_sandbox):
    async with _app(fresh_sandbox).run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        box = pilot.app.screen.query_one(CommentBox)
        box.area.text = "Long thoughts that must not be lost"
        fresh_sandbox.stop()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert box.area.text == "Long thoughts that must not be lost"
        assert not box.area.read_only
        assert any(title == "Comment not sent" for title, _ in pilot.app.told)


def _status_changes(activities) -> list[str]:
    return [
        sentence
        for activity in activities
        for sentence in activity.plain_details
        if sentence.startswith(("Status", "Priority"))
    ]


async def test_a_conflict_shows_their_change_and_reapplies_mine_once(fresh_sandbox):
    def admin_renames(subject: str):
        async def rename(client: NepenthesClient) -> None:
            current = await client.work_package(TASK)
            await client.update_work_package(current, WorkPackageEdit(subject=subject))

        return rename

    async with _app(fresh_sandbox).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ChooseValueDialog))
        await _api(fresh_sandbox, "admin", admin_renames("Renamed by Ada"))  # after the form
        await choose(pilot, "in prog")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConflictDialog))
        dialog = pilot.app.screen
        assert dialog.mine == "Status → In progress"
        assert server_change_lines(dialog.conflict) == [
            "Ada Admin: Subject changed from Collect requirements from the sales team"
            " to Renamed by Ada"
        ]
        await pilot.press("y")
        await settle(pilot)

        now = await _api(fresh_sandbox, "member", lambda client: client.work_package(TASK))
        assert (now.status_name, now.subject) == ("In progress", "Renamed by Ada")
        activities = await _api(fresh_sandbox, "member", lambda client: client.activities(TASK))
        assert _status_changes(activities) == ["Status changed from New to In progress"]
        assert "Status changed from New to In progress" in timeline_text(pilot.app.screen)

        # And dropped: nothing of it is saved, and the screen shows the server's state.
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ChooseValueDialog))
        await _api(fresh_sandbox, "admin", admin_renames("Renamed again"))
        await choose(pilot, "high")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConflictDialog))
        await pilot.press("n")
        await settle(pilot)
        now = await _api(fresh_sandbox, "member", lambda client: client.work_package(TASK))
        assert now.priority_name == "Normal"
        activities = await _api(fresh_sandbox, "member", lambda client: client.activities(TASK))
        assert _status_changes(activities) == ["Status changed from New to In progress"]
        assert ("Not saved", "Dropped: Priority → High") in pilot.app.told


async def test_read_answer_mark_read_from_the_notifications(fresh_sandbox):
    async def admin_mentions_member(client: NepenthesClient) -> None:
        users = await client.available_assignees(TASK)
        max_member = next(user for user in users if user.name == "Max Member")
        await client.add_comment(TASK, f"Question for {_mention(max_member.id, 'Max Member')}?")

    await _api(fresh_sandbox, "admin", admin_mentions_member)
    async with _app(fresh_sandbox, at=None).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        notifications = pilot.app.screen
        first = notifications.notifications[0]
        assert (first.resource_id, first.reason, first.read) == (TASK, "mentioned", False)
        await pilot.press("enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, WorkPackageScreen)
        assert screen.focused is screen.query_one(CommentBox).area
        assert "Question for @Max Member?" in "\n".join(
            rendered_lines(pilot.app, list(screen.query(CommentEntry))[-1])
        )
        await pilot.press(*"Yes", "ctrl+s")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is notifications
        await pilot.press("r")
        await settle(pilot)

    activities = await _api(fresh_sandbox, "member", lambda client: client.activities(TASK))
    assert activities[-1].comment == "Yes"
    feed = await _api(fresh_sandbox, "member", lambda client: client.notifications())
    assert next(item for item in feed if item.id == first.id).read


async def test_every_action_is_in_the_palette_of_a_work_package_opened_by_link(fresh_sandbox):
    async with _app(fresh_sandbox).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        titles = [command.title for command in pilot.app.screen.palette_commands()]
        for title in (
            "Open #3 in the browser",
            "Copy link to #3",
            "Comment on #3",
            "Show earlier activity",
            "Reload #3",
            "Attach files to #3",
            "Change status of #3",
            "Change assignee of #3",
            "Change priority of #3",
            "Change subject of #3",
            "Change description of #3",
            "Change start date of #3",
            "Change finish date of #3",
        ):
            assert title in titles
        chosen = await choose_in_palette(pilot, "change status")
        assert chosen.startswith("Change status of #3")
        assert "Rejected" in await choose(pilot, "in prog")
        await settle(pilot)
    now = await _api(fresh_sandbox, "member", lambda client: client.work_package(TASK))
    assert now.status_name == "In progress"


async def test_the_timeline_pages_earlier_activity_in(fresh_sandbox):
    for number in range(PAGE + 3):
        await _api(
            fresh_sandbox, "member", lambda client, n=number: client.add_comment(TASK, f"n{n}")
        )
    async with _app(fresh_sandbox).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        timeline = pilot.app.screen.query_one(ActivityTimeline)
        total = len(timeline.activities)
        assert len(timeline.query(".activity-comment, .activity-change")) == PAGE
        assert list(timeline.query(CommentEntry))[-1].activity.comment == f"n{PAGE + 2}"
        timeline.focus()
        timeline.scroll_home(animate=False)
        await pilot.pause()
        await pilot.press("up")  # at the top: the previous page comes in
        await settle(pilot)
        assert len(timeline.query(".activity-comment, .activity-change")) == min(total, 2 * PAGE)
        await pilot.press("ctrl+u")
        await settle(pilot)
        assert len(timeline.query(".activity-comment, .activity-change")) == total
        assert not timeline.has_earlier


async def test_ctrl_e_writes_the_comment_in_the_users_editor(fresh_sandbox, monkeypatch):
    # The editor appends a line to the draft it is given, as a user would.
    monkeypatch.setenv("VISUAL", 'sh -c \'printf "and from the editor" >> "$0"\'')
    async with _app(fresh_sandbox).run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("m", *"typed here ")
        await pilot.press("ctrl+e")
        await pilot.pause()
        box = pilot.app.screen.query_one(CommentBox)
        assert box.area.text == "typed here and from the editor"
        await pilot.press("ctrl+s")
        await settle(pilot)
    last = (await _api(fresh_sandbox, "member", lambda client: client.activities(TASK)))[-1]
    assert last.comment == "typed here and from the editor"
