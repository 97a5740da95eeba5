"""`nep-tui wp update / comment / activity / watch / unwatch`: act on one work package.

Names (status, priority, type, version, assignee, responsible) are matched case-insensitively
against the values the server's update form allows; an unknown or ambiguous name lists them
(exit 2).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from nep_tui.api.activity import Activity, ActivityKind, WorkPackageEdit
from nep_tui.api.errors import ValidationFailed
from nep_tui.api.models import AllowedValue, User, WorkPackage
from nep_tui.cli.output import print_block, print_json
from nep_tui.cli.params import WORK_PACKAGE_ID
from nep_tui.cli.state import CliState, pass_state
from nep_tui.formatting import format_datetime, plain

if TYPE_CHECKING:
    from nep_tui.api.client import NepenthesClient


def match_name(field: str, wanted: str, choices: Sequence[tuple[str, Any]]) -> Any:
    """The value whose name is `wanted` (case-insensitive), else the only one starting with it."""
    folded = wanted.strip().casefold()
    exact = [value for name, value in choices if name.casefold() == folded]
    if len(exact) == 1:
        return exact[0]
    starting = [(name, value) for name, value in choices if name.casefold().startswith(folded)]
    if len({value for _name, value in starting}) == 1:  # a login and a name of one user
        return starting[0][1]
    listed = starting if len(starting) > 1 else choices
    names = ", ".join(plain(name) for name, _ in listed) or "none"
    problem = "is ambiguous" if len(starting) > 1 else "is not allowed here"
    raise ValidationFailed(
        f"The {field} {wanted!r} {problem}; allowed: {names}.", details={field: names}
    )


def _allowed(values: list[AllowedValue]) -> list[tuple[str, Any]]:
    return [(value.title, value.id) for value in values if value.id is not None]


def _user_choices(users: list[User]) -> list[tuple[str, Any]]:
    """Logins where the server shows them (oneself, or to admins), names always."""
    return [(user.login, user.id) for user in users if user.login] + [
        (user.name, user.id) for user in users
    ]


async def _user_id(
    client: NepenthesClient, work_package: WorkPackage, field: str, wanted: str
) -> int | None:
    """A user for `field` (assignee or responsible, who must be assignable): login, me or none."""
    folded = wanted.strip().casefold()
    if folded == "none":
        return None
    if folded == "me":
        return (await client.me()).id
    return int(
        match_name(field, wanted, _user_choices(await client.available_assignees(work_package.id)))
    )


@click.command("update")
@click.argument("work_package_id", metavar="ID", type=WORK_PACKAGE_ID)
@click.option("--status", metavar="S", help="Status name (only those the workflow allows).")
@click.option("--assignee", metavar="LOGIN|me|none", help="Assign to a user, to you, or to no one.")
@click.option("--responsible", metavar="LOGIN|me|none", help="Accountable user, you, or no one.")
@click.option("--priority", metavar="P", help="Priority name.")
@click.option("--type", "type_name", metavar="T", help="Type name (those of the project).")
@click.option(
    "--version",
    "version_name",
    metavar="NAME|none",
    help="Version to plan it for (an open one of its project), or none.",
)
@click.option("--subject", metavar="T", help="New subject line.")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), help="Start date (YYYY-MM-DD).")
@click.option("--due", type=click.DateTime(["%Y-%m-%d"]), help="Finish date (YYYY-MM-DD).")
@click.option("--done", type=click.IntRange(0, 100), metavar="N", help="% done (0-100).")
@click.option("--description", metavar="TEXT", help="New description (Markdown).")
@click.option(
    "--description-file",
    type=click.File("r", encoding="utf-8"),
    metavar="F|-",
    help="Read the new description from a file (- for standard input).",
)
@pass_state
def update_work_package(
    state: CliState,
    work_package_id: int,
    status: str | None,
    assignee: str | None,
    responsible: str | None,
    priority: str | None,
    type_name: str | None,
    version_name: str | None,
    subject: str | None,
    start: Any,
    due: Any,
    done: int | None,
    description: str | None,
    description_file: Any,
) -> None:
    """Change fields of a work package; on a conflict (exit 6) nothing is saved."""
    if description is not None and description_file is not None:
        raise click.UsageError("Give the description once: --description or --description-file.")
    if description_file is not None:
        description = description_file.read()
    linked = (
        ("status", status),
        ("priority", priority),
        ("type", type_name),
        ("version", version_name),
    )

    async def update(client: NepenthesClient) -> WorkPackage:
        work_package = await client.work_package(work_package_id)
        changes: dict[str, Any] = {}
        if any(wanted is not None for _name, wanted in linked):
            form = await client.update_form(work_package, WorkPackageEdit())
            for name, wanted in linked:
                if wanted is None:
                    continue
                if not form.has_field(name):
                    raise ValidationFailed(
                        f"Work package #{work_package.display_id} has no {name} on this server.",
                        details={name: "not offered"},
                    )
                if name == "version" and wanted.strip().casefold() == "none":
                    changes["version_id"] = None
                else:
                    allowed = _allowed(form.allowed_values(name))
                    changes[f"{name}_id"] = match_name(name, wanted, allowed)
        for name, wanted in (("assignee", assignee), ("responsible", responsible)):
            if wanted is not None:
                changes[f"{name}_id"] = await _user_id(client, work_package, name, wanted)
        plain_fields = (
            ("subject", subject),
            ("percentage_done", done),
            ("description", description),
        )
        for name, value in plain_fields:
            if value is not None:
                changes[name] = value
        for name, moment in (("start_date", start), ("due_date", due)):
            if moment is not None:
                changes[name] = date(moment.year, moment.month, moment.day)
        if not changes:
            raise click.UsageError("Nothing to change: give at least one option.")
        return await client.update_work_package(work_package, WorkPackageEdit(**changes))

    updated = state.call(update)
    if state.json:
        print_json(updated)
    else:
        from nep_tui.cli.work_packages import print_work_package

        print_work_package(updated)


def _comment_text(message: str | None, file: Path | None, from_stdin: bool) -> str:
    given = [source for source in (message, file, from_stdin or None) if source is not None]
    if len(given) != 1:
        raise click.UsageError("Give the comment once: -m TEXT, --file F or - (standard input).")
    if message is not None:
        return message
    if file is not None:
        return file.read_text(encoding="utf-8")
    return sys.stdin.read()


@click.command("comment")
@click.argument("work_package_id", metavar="ID", type=WORK_PACKAGE_ID)
@click.argument("stdin_marker", metavar="[-]", required=False, type=click.Choice(["-"]))
@click.option("-m", "--message", metavar="TEXT", help="The comment (Markdown).")
@click.option(
    "--file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the comment from a file.",
)
@pass_state
def comment_work_package(
    state: CliState,
    work_package_id: int,
    stdin_marker: str | None,
    message: str | None,
    file: Path | None,
) -> None:
    """Add a comment (-m TEXT, --file F, or - to read standard input)."""
    text = _comment_text(message, file, stdin_marker == "-")
    if not text.strip():
        raise click.UsageError("The comment is empty.")
    added = state.call(lambda client: client.add_comment(work_package_id, text))
    if state.json:
        print_json(added)
    else:
        print_activity(added)


def print_activity(activity: Activity) -> None:
    who = activity.user_name or (f"user {activity.user_id}" if activity.user_id else "someone")
    header = f"#{activity.id} {format_datetime(activity.created_at)} {plain(who)}"
    if activity.kind is ActivityKind.COMMENT:
        click.echo(f"{header} commented:")
        print_block(activity.comment)
    for sentence in activity.plain_details:
        click.echo(f"{header}: {plain(sentence)}")
    if activity.kind is ActivityKind.CHANGE and not activity.details:
        click.echo(f"{header}: created" if activity.version == 1 else f"{header}: saved")


@click.command("activity")
@click.argument("work_package_id", metavar="ID", type=WORK_PACKAGE_ID)
@pass_state
def show_activity(state: CliState, work_package_id: int) -> None:
    """The comments and changes of a work package, oldest first."""
    found = state.call(lambda client: client.activities(work_package_id))
    if state.json:
        print_json(found)
        return
    for activity in found:
        print_activity(activity)


def _watch_command(name: str, *, on: bool) -> click.Command:
    @click.command(name)
    @click.argument("work_package_id", metavar="ID", type=WORK_PACKAGE_ID)
    @pass_state
    def command(state: CliState, work_package_id: int) -> None:
        async def act(client: NepenthesClient) -> list[User]:
            if on:
                await client.watch(work_package_id)
            else:
                await client.unwatch(work_package_id)
            return await client.watchers(work_package_id)

        watchers = state.call(act)
        if state.json:
            print_json({"workPackage": work_package_id, "watching": on, "watchers": watchers})
        else:
            verb = "Watching" if on else "No longer watching"
            click.echo(f"{verb} #{work_package_id}.")

    command.__doc__ = (
        "Watch a work package (get notified of its changes)."
        if on
        else "Stop watching a work package."
    )
    return command


EDIT_COMMANDS = [
    update_work_package,
    comment_work_package,
    show_activity,
    _watch_command("watch", on=True),
    _watch_command("unwatch", on=False),
]
