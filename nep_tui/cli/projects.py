"""`nep-tui projects ...`"""

from __future__ import annotations

import click

from nep_tui.api.models import Project
from nep_tui.cli.output import Column, print_listing
from nep_tui.cli.state import CliState, pass_state

PROJECT_COLUMNS = [
    Column("ID", lambda p: p.id, align_right=True),
    Column("IDENTIFIER", lambda p: p.identifier),
    Column("NAME", lambda p: p.name, flexible=True),
    Column("PARENT", lambda p: p.parent_id, align_right=True),
]


@click.group()
def projects() -> None:
    """Projects you can see."""


@projects.command("list")
@click.option("--search", metavar="TEXT", help="Only projects whose name contains TEXT.")
@pass_state
def list_projects(state: CliState, search: str | None) -> None:
    """List the projects you are a member of (or that are public)."""
    found: list[Project] = state.call(lambda client: client.projects(search=search))
    print_listing(
        found,
        PROJECT_COLUMNS,
        empty="No projects.",
        as_json=state.json,
        nouns=("project", "projects"),
    )


COMMANDS = [projects]
