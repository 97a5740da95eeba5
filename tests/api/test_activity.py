"""The client's activity layer over real HTTP: allowed values from the update form, edits of
the fields the CLI has no option for, comments and their edits, watchers."""

from __future__ import annotations

import asyncio

from nep_tui.api.activity import ActivityKind, WorkPackageEdit, plain_detail
from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource


def _client(sandbox, login: str) -> NepenthesClient:
    return NepenthesClient(sandbox.nepenthes_url, ApiTokenSource(sandbox.user(login).api_token))


def test_the_update_form_offers_the_statuses_the_workflow_allows(fresh_sandbox):
    async def allowed(login: str) -> list[str]:
        async with _client(fresh_sandbox, login) as client:
            form = await client.update_form(await client.work_package(3), WorkPackageEdit())
            assert form.valid
            return [value.title for value in form.allowed_values("status")]

    assert asyncio.run(allowed("member")) == ["New", "In progress", "Rejected"]
    assert asyncio.run(allowed("admin")) == ["New", "In progress", "Closed", "Rejected"]


def test_type_accountable_and_description_changes_are_journaled_and_notify(fresh_sandbox):
    async def scenario() -> None:
        async with (
            _client(fresh_sandbox, "member") as member,
            _client(fresh_sandbox, "newcomer") as newcomer,
        ):
            before = len(await newcomer.notifications())
            updated = await member.update_work_package(
                await member.work_package(3),
                WorkPackageEdit(type_id=2, responsible_id=3, description="New *text*"),
            )
            assert (updated.type_name, updated.description) == ("Bug", "New *text*")
            last = (await member.activities(3))[-1]
            assert last.kind is ActivityKind.CHANGE and last.user_name == "Max Member"
            assert last.plain_details == [
                "Type changed from Task to Bug",
                "Accountable changed from Max Member to Nora Newcomer",
                "Description changed (Details)",
            ]
            feed = await newcomer.notifications()
            assert len(feed) == before + 1 and feed[0].reason == "responsible"

    asyncio.run(scenario())


def test_comments_are_typed_and_only_ones_own_are_editable(fresh_sandbox):
    async def scenario() -> None:
        async with (
            _client(fresh_sandbox, "member") as member,
            _client(fresh_sandbox, "newcomer") as newcomer,
        ):
            added = await member.add_comment(3, "First *draft*")
            assert (added.kind, added.comment, added.editable) == (
                ActivityKind.COMMENT,
                "First *draft*",
                True,
            )
            edited = await member.edit_comment(added.id, "Final")
            assert edited.id == added.id and edited.comment == "Final"
            seen_by_other = [a for a in await newcomer.activities(3) if a.id == added.id][0]
            assert (seen_by_other.comment, seen_by_other.editable) == ("Final", False)

            await newcomer.watch(3)
            assert [user.name for user in await member.watchers(3)] == ["Nora Newcomer"]
            await newcomer.unwatch(3)
            assert await member.watchers(3) == []
            assignable = [user.name for user in await member.available_assignees(3)]
            assert assignable == ["Ada Admin", "Max Member", "Nora Newcomer"]

    asyncio.run(scenario())


def test_plain_detail_drops_the_markdown_of_the_servers_sentences():
    assert plain_detail("**Assignee** deleted (~~*Nora*~~)") == "Assignee deleted (Nora)"
    assert (
        plain_detail("**Description** changed ([Details](/x))") == "Description changed (Details)"
    )
