"""`nep-tui cache clear`: forget the last-seen data the TUI keeps."""

from __future__ import annotations

import click

from nep_tui.api import cache as last_seen
from nep_tui.cli.output import print_json
from nep_tui.cli.state import CliState, pass_state


@click.group()
def cache() -> None:
    """The last-seen data the TUI shows while the server is away."""


@cache.command("clear")
@pass_state
def clear(state: CliState) -> None:
    """Empty the cache of last-seen projects, work packages, files and notifications.

    Only the data of `--profile NAME` when given, of every profile otherwise."""
    profile = state.profile
    removed = last_seen.clear(profile)
    if state.json:
        print_json({"profile": profile, "removed": removed})
        return
    whose = f"profile {profile!r}" if profile else "all profiles"
    click.echo(f"Cleared the last-seen data of {whose} ({removed} entries).")


COMMANDS = [cache]
