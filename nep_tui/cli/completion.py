"""`nep-tui completion SHELL` and what the shells complete: profile names, project identifiers.

Completion runs on every Tab press, so it reads only local files and never asks a server.
"""

from __future__ import annotations

import click
from click.shell_completion import CompletionItem, get_completion_class

from nep_tui.api.errors import NepError
from nep_tui.api.profiles import load_profiles
from nep_tui.cli.state import CliState

PROG_NAME = "nep-tui"
# The variable click's completion scripts set when they ask the program for candidates.
COMPLETE_VARIABLE = "_NEP_TUI_COMPLETE"
SHELLS = ("bash", "zsh", "fish")


def profile_names(incomplete: str) -> list[str]:
    """Stored profile names starting with `incomplete`; none when the profile file is unreadable."""
    try:
        names = load_profiles()
    except NepError:
        return []
    return sorted(name for name in names if name.startswith(incomplete))


def cached_project_identifiers(profile: str | None) -> list[str]:
    """Project identifiers last seen for `profile`: from the last-seen cache once there is one
    (issue 13 item 2 wires it here); until then there is nothing local to offer."""
    del profile
    return []


def complete_profile(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    return [CompletionItem(name) for name in profile_names(incomplete)]


def complete_project(ctx: click.Context, incomplete: str) -> list[CompletionItem]:
    # The global options land in the run's CliState wherever on the line they were given.
    state = ctx.find_object(CliState)
    profile = state.profile if state is not None else None
    return [
        CompletionItem(identifier)
        for identifier in cached_project_identifiers(profile)
        if identifier.startswith(incomplete)
    ]


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the shell completion script for SHELL (bash, zsh or fish); see the README."""
    script_class = get_completion_class(shell)
    assert script_class is not None  # click ships all of SHELLS
    click.echo(script_class(ctx.find_root().command, {}, PROG_NAME, COMPLETE_VARIABLE).source())


COMMANDS = [completion]
