"""`nep-tui wp ...`: list, show and create work packages."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from nep_tui.api.errors import NotFound
from nep_tui.api.models import Type, WorkPackage
from nep_tui.cli.output import Column, print_block, print_fields, print_json, print_listing
from nep_tui.cli.params import PROJECT, WORK_PACKAGE_ID
from nep_tui.cli.state import CliState, pass_state
from nep_tui.cli.work_package_edits import EDIT_COMMANDS
from nep_tui.formatting import format_date, format_datetime

if TYPE_CHECKING:
    from nep_tui.api.client import NepenthesClient

WORK_PACKAGE_COLUMNS = [
    Column("ID", lambda wp: wp.id, align_right=True),
    Column("TYPE", lambda wp: wp.type_name),
    Column("STATUS", lambda wp: wp.status_name),
    Column("SUBJECT", lambda wp: wp.subject, flexible=True),
    Column("ASSIGNEE", lambda wp: wp.assignee_name),
    Column("PROJECT", lambda wp: wp.project_name),
    Column("UPDATED", lambda wp: format_datetime(wp.updated_at)),
]


@click.group("wp")
def work_packages() -> None:
    """Work packages: list, show, create, update, comment, activity, watch."""


for _command in EDIT_COMMANDS:
    work_packages.add_command(_command)


@work_packages.command("list")
@click.option("--project", "-p", type=PROJECT, help="Project id or identifier (default: all).")
@click.option("--search", "-s", metavar="TEXT", help="Only work packages matching TEXT.")
@click.option("--all", "include_closed", is_flag=True, help="Include closed work packages.")
@click.option("--mine", is_flag=True, help="Only work packages assigned to you.")
@click.option("--limit", type=click.IntRange(min=1), help="Stop after this many.")
@pass_state
def list_work_packages(
    state: CliState,
    project: int | str | None,
    search: str | None,
    include_closed: bool,
    mine: bool,
    limit: int | None,
) -> None:
    """List open work packages (all of them with --all), newest changes first."""

    found = state.call(
        lambda client: client.work_packages(
            project, limit=limit, search=search, open_only=not include_closed, assigned_to_me=mine
        )
    )
    print_listing(
        found,
        WORK_PACKAGE_COLUMNS,
        empty="No work packages.",
        as_json=state.json,
        nouns=("work package", "work packages"),
    )


@work_packages.command("show")
@click.argument("work_package_id", metavar="ID", type=WORK_PACKAGE_ID)
@pass_state
def show_work_package(state: CliState, work_package_id: int) -> None:
    """Show one work package (ID is its number or its Nepenthes link)."""
    found = state.call(lambda client: client.work_package(work_package_id))
    if state.json:
        print_json(found)
    else:
        print_work_package(found)


def print_work_package(work_package: WorkPackage) -> None:
    print_fields(
        [
            ("Work package", f"#{work_package.display_id}"),
            ("Subject", work_package.subject),
            ("Project", work_package.project_name),
            ("Type", work_package.type_name),
            ("Status", work_package.status_name),
            ("Priority", work_package.priority_name),
            ("Version", work_package.version_name),
            ("Assignee", work_package.assignee_name),
            ("Accountable", work_package.responsible_name),
            ("Start", format_date(work_package.start_date)),
            ("Due", format_date(work_package.due_date)),
            (
                "Done",
                None
                if work_package.percentage_done is None
                else f"{work_package.percentage_done}%",
            ),
            ("Created", format_datetime(work_package.created_at)),
            ("Updated", format_datetime(work_package.updated_at)),
        ]
    )
    if work_package.description.strip():
        click.echo("Description:")
        print_block(work_package.description)


@work_packages.command("create")
@click.option("--project", "-p", type=PROJECT, required=True, help="Project id or identifier.")
@click.option(
    "--type", "-t", "type_name", metavar="TYPE", required=True, help="Type name (e.g. Task) or id."
)
@click.option("--subject", "-s", required=True, help="The subject line.")
@click.option("--description", "-d", help="Description text (Markdown).")
@pass_state
def create_work_package(
    state: CliState, project: int | str, type_name: str, subject: str, description: str | None
) -> None:
    """Create a work package and print it."""

    async def create(client: NepenthesClient) -> WorkPackage:
        chosen = _find_type(await client.types(project), type_name)
        return await client.create_work_package(
            project, type_id=chosen.id, subject=subject, description=description
        )

    created = state.call(create)
    if state.json:
        print_json(created)
    else:
        print_work_package(created)


def _find_type(types: list[Type], wanted: str) -> Type:
    folded = wanted.strip().casefold()
    for candidate in types:
        if str(candidate.id) == folded or candidate.name.casefold() == folded:
            return candidate
    names = ", ".join(candidate.name for candidate in types) or "none"
    raise NotFound(f"This project has no type {wanted!r}.", hint=f"available types: {names}")


COMMANDS = [work_packages]
