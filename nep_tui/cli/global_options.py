"""The global options (`--server`, `--token`, `--json`, ...): before the command or after it.

As in gh, `nep-tui projects list --json` means the same as `nep-tui --json projects list`. The
root command declares the options (with their environment variables); every command below it
gets a copy of each, added when the root loads the command, so a new command needs nothing
of its own. Wherever an option is given it lands in the run's one `CliState`; the one nearest
the end of the command line wins, as a later option does in any shell command.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import click

from nep_tui.cli.state import CliState

F = TypeVar("F", bound=Callable[..., Any])


def _complete_profile(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[click.shell_completion.CompletionItem]:
    # Imported on a Tab press only: the profile store is not needed to start a command.
    from nep_tui.cli.completion import complete_profile

    return complete_profile(ctx, param, incomplete)


@dataclass(frozen=True)
class GlobalOption:
    flag: str
    state_field: str
    settings: dict[str, Any] = field(default_factory=dict)

    def decls(self) -> tuple[str, str]:
        return self.flag, f"global_{self.state_field}"

    def on_root(self) -> Callable[[F], F]:
        return click.option(
            *self.decls(), expose_value=False, callback=self._store, **self.settings
        )

    def below_root(self) -> click.Option:
        # No variable here: the copy would override an option given explicitly before the command.
        settings = {key: value for key, value in self.settings.items() if key != "envvar"}
        return click.Option(self.decls(), expose_value=False, callback=self._store, **settings)

    def _store(self, ctx: click.Context, param: click.Parameter, value: Any) -> None:
        # None, or False for a flag, is the default: not given here, so not overriding.
        if value is not None and value is not False:
            setattr(ctx.ensure_object(CliState), self.state_field, value)


GLOBAL_OPTIONS = (
    GlobalOption(
        "--server",
        "server",
        {
            "metavar": "URL",
            "envvar": "NEP_TUI_SERVER",
            "help": "Nepenthes server URL (default: the profile's). Env: NEP_TUI_SERVER.",
        },
    ),
    GlobalOption(
        "--token",
        "token",
        {
            "metavar": "TOKEN",
            "envvar": "NEP_TUI_TOKEN",
            "help": "API token to use instead of the stored login. Env: NEP_TUI_TOKEN.",
        },
    ),
    GlobalOption(
        "--profile",
        "profile",
        {
            "metavar": "NAME",
            "envvar": "NEP_TUI_PROFILE",
            "shell_complete": _complete_profile,
            "help": "Stored login profile to use. Env: NEP_TUI_PROFILE.",
        },
    ),
    GlobalOption(
        "--json",
        "json",
        {"is_flag": True, "help": "Print the API data as JSON (stable field names, see README)."},
    ),
    GlobalOption(
        "--ca-bundle",
        "ca_bundle",
        {
            "metavar": "PATH",
            "type": click.Path(dir_okay=False),
            "help": "CA certificates to verify the server with (also: SSL_CERT_FILE).",
        },
    ),
    GlobalOption(
        "--insecure-http",
        "insecure_http",
        {"is_flag": True, "help": "Allow a plain http:// server that is not on this machine."},
    ),
)


def root_options(command: F) -> F:
    """Declare the global options on the root command."""
    for spec in reversed(GLOBAL_OPTIONS):
        command = spec.on_root()(command)
    return command


def passes_arguments_through(command: click.Command) -> bool:
    """A command that hands its arguments to another program (`sandbox`) keeps them all."""
    return bool(command.context_settings.get("ignore_unknown_options"))


def add_global_options(command: click.Command) -> None:
    """Give `command` and every command below it the global options they lack.

    A command's own option of the same name (`login --token`) keeps its meaning there."""
    if passes_arguments_through(command):
        return
    taken = {flag for param in command.params for flag in param.opts}
    command.params.extend(spec.below_root() for spec in GLOBAL_OPTIONS if spec.flag not in taken)
    if isinstance(command, click.Group):
        for child in command.commands.values():
            add_global_options(child)
