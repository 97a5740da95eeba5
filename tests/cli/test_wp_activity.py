"""`wp update / comment / activity / watch / unwatch` over real HTTP against a sandbox of its own:
the change reaches the activity of the work package and the other user's notifications."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx
import pytest
from support.cli import as_user, nep, nep_json

from nep_tui.api.activity import WorkPackageConflict, WorkPackageEdit
from nep_tui.api.client import NepenthesClient
from nep_tui.api.errors import ValidationFailed
from nep_tui.api.http import ApiTokenSource
from nep_tui.cli.work_package_edits import match_name

TASK = "3"  # "Collect requirements from the sales team": Task, New, assigned to member


def _reasons_for(sandbox, login: str, wp_id: int) -> list[str]:
    found = nep_json(sandbox, "notifications", "list", login=login)
    return [item["reason"] for item in found if item["resource_id"] == wp_id]


def test_every_field_changed_shows_in_the_activity_and_notifies_the_new_assignee(fresh_sandbox):
    before = _reasons_for(fresh_sandbox, "newcomer", 3)
    updated = nep_json(
        fresh_sandbox,
        "wp", "update", TASK,
        "--status", "IN PROGRESS",
        "--assignee", "nora",
        "--priority", "high",
        "--subject", "Requirements, collected",
        "--start", "2026-01-15",
        "--due", "2026-02-10",
        "--done", "30",
    )  # fmt: skip
    assert (updated["status_name"], updated["assignee_name"]) == ("In progress", "Nora Newcomer")
    assert (updated["priority_name"], updated["percentage_done"]) == ("High", 30)
    last = nep_json(fresh_sandbox, "wp", "activity", TASK)[-1]
    assert last["kind"] == "change"
    assert last["user_name"] == "Max Member"
    assert last["details"] == [
        "**Subject** changed from *Collect requirements from the sales team* to"
        " *Requirements, collected*",
        "**Status** changed from *New* to *In progress*",
        "**Priority** changed from *Normal* to *High*",
        "**Assignee** changed from *Max Member* to *Nora Newcomer*",
        "**Start date** changed from *01/14/2026* to *01/15/2026*",
        "**Finish date** changed from *02/06/2026* to *02/10/2026*",
        "**% Complete** changed from *10%* to *30%*",
    ]
    assert _reasons_for(fresh_sandbox, "newcomer", 3) == ["assigned", *before]

    text = nep(*as_user(fresh_sandbox), "wp", "activity", TASK).stdout
    assert "Status changed from New to In progress" in text

    cleared = nep_json(fresh_sandbox, "wp", "update", TASK, "--assignee", "none")
    assert cleared["assignee_name"] is None
    last = nep_json(fresh_sandbox, "wp", "activity", TASK)[-1]
    assert last["details"] == ["**Assignee** deleted (~~*Nora Newcomer*~~)"]


def test_a_status_the_workflow_does_not_allow_is_not_offered(fresh_sandbox):
    run = nep(*as_user(fresh_sandbox), "wp", "update", TASK, "--status", "closed")
    assert run.exit_code == 2
    assert "allowed: New, In progress, Rejected (" in run.stderr
    assert nep_json(fresh_sandbox, "wp", "show", TASK)["status_name"] == "New"
    # The project admin's role may close it directly.
    closed = nep_json(fresh_sandbox, "wp", "update", TASK, "--status", "closed", login="admin")
    assert closed["status_name"] == "Closed"


def test_an_unknown_or_ambiguous_name_lists_the_allowed_ones(fresh_sandbox):
    unknown = nep(*as_user(fresh_sandbox), "wp", "update", TASK, "--priority", "urgent")
    assert unknown.exit_code == 2
    assert "allowed: Low, Normal, High, Immediate (" in unknown.stderr
    # The demo has no two assignable users sharing a prefix; the matcher is checked directly.
    with pytest.raises(ValidationFailed, match="ambiguous; allowed: Nora, Norbert"):
        match_name("assignee", "nor", [("Ada", 1), ("Nora", 2), ("Norbert", 3)])
    assert match_name("assignee", "NORA", [("Nora", 2), ("Norbert", 3)]) == 2


def test_a_validation_error_names_the_field_with_the_servers_sentence(fresh_sandbox):
    run = nep(*as_user(fresh_sandbox), "wp", "update", TASK, "--start", "2026-03-10")
    assert run.exit_code == 2
    assert "Finish date must be greater than or equal to start date" in run.stderr


def test_two_clients_the_second_gets_a_conflict_and_reapplies_once(fresh_sandbox):
    async def scenario() -> None:
        url = fresh_sandbox.nepenthes_url
        first = NepenthesClient(url, ApiTokenSource(fresh_sandbox.user("member").api_token))
        second = NepenthesClient(url, ApiTokenSource(fresh_sandbox.user("admin").api_token))
        async with first, second:
            seen_by_second = await second.work_package(3)
            await first.update_work_package(
                await first.work_package(3), WorkPackageEdit(status_id=2)
            )
            edit = WorkPackageEdit(subject="Renamed by admin")
            with pytest.raises(WorkPackageConflict) as conflict:
                await second.update_work_package(seen_by_second, edit)
            assert "Status changed from New to In progress" in str(conflict.value)
            assert conflict.value.current.status_name == "In progress"
            again = await second.update_work_package(conflict.value.current, edit)
            assert (again.subject, again.status_name) == ("Renamed by admin", "In progress")
            details = [d for a in await first.activities(3) for d in a.plain_details]
            assert details.count("Status changed from New to In progress") == 1
            assert sum("Renamed by admin" in d for d in details) == 1

            with pytest.raises(ValidationFailed) as invalid:
                await first.update_work_package(again, WorkPackageEdit(status_id=4))
            assert invalid.value.details == {
                "status": "Status is invalid because no valid transition exists from old to"
                " new status for the current user's roles."
            }

    asyncio.run(scenario())


def test_comment_with_mention_and_hostile_text_prints_literally(fresh_sandbox, tmp_path):
    hostile = (
        "**bold** <script>alert(1)</script> \x1b[31mred\x1b[0m [x](javascript:y) "
        '<mention class="mention" data-id="1" data-type="user" data-text="@Ada Admin">'
        "@Ada Admin</mention>"
    )
    added = nep_json(fresh_sandbox, "wp", "comment", TASK, "-m", hostile)
    assert added["kind"] == "comment" and added["editable"] is True
    assert added["comment"] == hostile
    shown = nep(*as_user(fresh_sandbox), "wp", "activity", TASK)
    assert shown.exit_code == 0
    assert "\x1b" not in shown.stdout
    assert "**bold** <script>alert(1)</script>" in shown.stdout
    assert "[x](javascript:y)" in shown.stdout
    assert _reasons_for(fresh_sandbox, "admin", 3)[0] == "mentioned"

    note = tmp_path / "note.md"
    note.write_text("From a file\n\nsecond paragraph\n", encoding="utf-8")
    from_file = nep_json(fresh_sandbox, "wp", "comment", TASK, "--file", str(note))
    assert from_file["comment"].startswith("From a file")
    from_stdin = nep(*as_user(fresh_sandbox), "--json", "wp", "comment", TASK, "-", input="piped")
    assert from_stdin.json["comment"] == "piped"
    assert nep(*as_user(fresh_sandbox), "wp", "comment", TASK).exit_code == 2


def test_watch_notifies_the_watcher_of_anothers_change_and_unwatch_stops_it(fresh_sandbox):
    watched = nep_json(fresh_sandbox, "wp", "watch", "6", login="newcomer")
    assert [user["name"] for user in watched["watchers"]] == ["Nora Newcomer"]
    before = _reasons_for(fresh_sandbox, "newcomer", 6)
    nep_json(fresh_sandbox, "wp", "update", "6", "--subject", "Weekly report, v2")
    assert _reasons_for(fresh_sandbox, "newcomer", 6) == ["watched", *before]

    assert nep_json(fresh_sandbox, "wp", "unwatch", "6", login="newcomer")["watchers"] == []
    nep_json(fresh_sandbox, "wp", "update", "6", "--subject", "Weekly report, v3")
    assert _reasons_for(fresh_sandbox, "newcomer", 6) == ["watched", *before]


def test_a_conflict_in_the_cli_exits_6_saying_what_changed_and_saves_nothing(fresh_sandbox):
    """Another client saves between the CLI's read and its write: every answer waits 800 ms,
    and the other save is sent 400 ms after the CLI starts, so it lands in between."""
    other = httpx.Client(
        base_url=fresh_sandbox.nepenthes_url,
        headers={"Authorization": f"Bearer {fresh_sandbox.user('admin').api_token}"},
    )
    lock = other.get("/api/v3/work_packages/3").json()["lockVersion"]
    fresh_sandbox.set_faults(delay_ms=800)
    result: list[Any] = []
    cli = threading.Thread(
        target=lambda: result.append(
            nep(*as_user(fresh_sandbox), "wp", "update", TASK, "--subject", "From the CLI")
        )
    )
    cli.start()
    time.sleep(0.4)
    other.patch(
        "/api/v3/work_packages/3",
        json={"lockVersion": lock, "_links": {"status": {"href": "/api/v3/statuses/2"}}},
    ).raise_for_status()
    cli.join(timeout=30)
    fresh_sandbox.set_faults(reset=True)
    run = result[0]
    assert run.exit_code == 6, run.stderr
    assert "Status changed from New to In progress" in run.stderr
    current = nep_json(fresh_sandbox, "wp", "show", TASK)
    assert current["subject"] == "Collect requirements from the sales team"


def test_responsible_type_and_description_change_show_in_the_activity_and_notify(fresh_sandbox):
    before = _reasons_for(fresh_sandbox, "newcomer", 3)
    updated = nep_json(
        fresh_sandbox,
        "wp", "update", TASK,
        "--responsible", "nora",
        "--type", "bug",
        "--description", "Ask *sales* first.",
    )  # fmt: skip
    assert updated["type_name"] == "Bug"
    last = nep_json(fresh_sandbox, "wp", "activity", TASK)[-1]
    assert any(detail.startswith("**Type** changed from") for detail in last["details"])
    assert any("**Accountable**" in detail for detail in last["details"])
    assert any(detail.startswith("**Description**") for detail in last["details"])
    assert _reasons_for(fresh_sandbox, "newcomer", 3) == ["responsible", *before]
    shown = nep_json(fresh_sandbox, "wp", "show", TASK)
    assert "Ask *sales* first." in str(shown)


def test_description_read_from_standard_input_and_unknown_type_lists_the_allowed(fresh_sandbox):
    run = nep(
        *as_user(fresh_sandbox), "wp", "update", TASK, "--description-file", "-", input="From stdin"
    )
    assert run.exit_code == 0, run.stderr
    assert "From stdin" in str(nep_json(fresh_sandbox, "wp", "show", TASK))
    failed = nep(*as_user(fresh_sandbox), "wp", "update", TASK, "--type", "nope")
    assert failed.exit_code == 2
    assert "allowed: " in failed.stderr and "Bug" in failed.stderr


def test_version_is_planned_and_taken_away_only_among_the_open_ones(fresh_sandbox):
    updated = nep_json(fresh_sandbox, "wp", "update", TASK, "--version", "release")
    assert updated["version_name"] == "Release 1.0"
    last = nep_json(fresh_sandbox, "wp", "activity", TASK)[-1]
    assert last["details"] == ["**Version** set to *Release 1.0*"]
    closed = nep(*as_user(fresh_sandbox), "wp", "update", TASK, "--version", "Sprint 1")
    assert closed.exit_code == 2
    assert "allowed: Sprint 2, Release 1.0" in closed.stderr  # Sprint 1 is closed
    cleared = nep_json(fresh_sandbox, "wp", "update", TASK, "--version", "none")
    assert cleared["version_name"] is None
    shown = nep(*as_user(fresh_sandbox), "wp", "show", "1")
    assert "Version" in shown.stdout and "Sprint 2" in shown.stdout
