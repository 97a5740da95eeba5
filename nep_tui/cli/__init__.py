"""The `nep-tui` command: the TUI when run alone, a scriptable CLI with subcommands.

Every failure ends as one line on stderr, `error: <what happened> (<what to do>)`, and an exit
code from `exit_codes.ExitCode` (documented in README.md). No traceback reaches the user, and
no token reaches any output: known secrets are masked in every error line as a last guard.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import click
from click.utils import make_default_short_help

from nep_tui import __version__
from nep_tui.api.errors import NepError, NextcloudNotConnected, ValidationFailed
from nep_tui.api.redact import redact
from nep_tui.cli.exit_codes import ExitCode, exit_code_for
from nep_tui.cli.global_options import add_global_options, root_options
from nep_tui.cli.state import CliState
from nep_tui.formatting import plain

DEBUG_VARIABLE = "NEP_TUI_DEBUG"
SECRET_VARIABLES = (
    "NEP_TUI_TOKEN",
    "NEP_TUI_NEXTCLOUD_ADMIN_PASSWORD",
    "NEP_TUI_OPENPROJECT_CLIENT_SECRET",
)


@dataclass(frozen=True)
class LazyCommand:
    """A command of the root, loaded from its module only when it runs (or its help is shown)."""

    module: str
    summary: str  # the command's short help, for `nep-tui --help` without loading the module


# Each module's COMMANDS, by name: a start-up loads only the module of the command it runs, so
# `--version` or `--help` imports no HTTP client and `projects list` no OAuth or sandbox.
COMMANDS: Mapping[str, LazyCommand] = {
    "login": LazyCommand(
        "nep_tui.cli.auth", "Log in to the Nepenthes server at URL and remember it as a profile."
    ),
    "logout": LazyCommand(
        "nep_tui.cli.auth",
        "Revoke the stored tokens of a profile on the server and forget the profile.",
    ),
    "whoami": LazyCommand(
        "nep_tui.cli.auth",
        "List the stored logins (profiles) with their server and user; * marks the default.",
    ),
    "projects": LazyCommand("nep_tui.cli.projects", "Projects you can see."),
    "wp": LazyCommand(
        "nep_tui.cli.work_packages",
        "Work packages: list, show, create, update, comment, activity, watch.",
    ),
    "files": LazyCommand(
        "nep_tui.cli.files",
        "Nextcloud files linked to work packages: list, download, upload, link, unlink.",
    ),
    "attachments": LazyCommand(
        "nep_tui.cli.attachments", "Attachments of work packages: list, upload, download, delete."
    ),
    "storage": LazyCommand(
        "nep_tui.cli.storage", "File storages: list them, list a folder, download a folder."
    ),
    "notifications": LazyCommand(
        "nep_tui.cli.notifications", "Your notifications: list, mark as read."
    ),
    "admin": LazyCommand(
        "nep_tui.cli.admin",
        "Administer the Nextcloud integration (Nepenthes admins).",
    ),
    "cache": LazyCommand(
        "nep_tui.cli.cache", "The last-seen data the TUI shows while the server is away."
    ),
    "doctor": LazyCommand(
        "nep_tui.cli.doctor",
        "Check the connection: server, TLS, login, OAuth, Nextcloud storages, token files.",
    ),
    "completion": LazyCommand(
        "nep_tui.cli.completion",
        "Print the shell completion script for SHELL (bash, zsh or fish); see the README.",
    ),
    "serve": LazyCommand(
        "nep_tui.cli.serve", "Serve the full-screen interface to a web browser (Ctrl+C stops)."
    ),
    "open": LazyCommand(
        "nep_tui.cli.launch",
        "Open the full-screen interface at a Nepenthes link, such as a work package URL.",
    ),
    "demo": LazyCommand(
        "nep_tui.cli.launch", "Open the interface on the embedded sandbox server with demo data."
    ),
    "sandbox": LazyCommand(
        "nep_tui.cli.launch",
        "Run the sandbox server (Nepenthes + Nextcloud on loopback); see `sandbox --help`.",
    ),
}


class NepGroup(click.Group):
    """The root group: loads its commands lazily, gives them the global options, and turns
    every failure into one line and an exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module = importlib.import_module(COMMANDS[cmd_name].module)
            self.add_command(next(c for c in module.COMMANDS if c.name == cmd_name))
        command = self.commands.get(cmd_name)
        if command is not None:
            add_global_options(command)  # also for one added with add_command; once is enough
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        with formatter.section("Commands"):
            formatter.write_dl(
                [
                    (name, make_default_short_help(COMMANDS[name].summary, limit))
                    for name in self.list_commands(ctx)
                ]
            )

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> NoReturn:
        argv = list(sys.argv[1:] if args is None else args)
        try:
            result = super().main(
                argv, prog_name or "nep-tui", complete_var, standalone_mode=False, **extra
            )
        except NepError as error:
            _fail(_error_line(error.message, _hint_for(error)), exit_code_for(error), argv)
        except click.UsageError as error:
            hint = f"see {error.ctx.command_path} --help" if error.ctx else "see nep-tui --help"
            _fail(_error_line(error.format_message(), hint), ExitCode.USAGE, argv)
        except click.ClickException as error:
            _fail(_error_line(error.format_message()), ExitCode(error.exit_code), argv)
        except click.Abort:
            _fail("error: interrupted", ExitCode.INTERRUPTED, argv)
        except KeyboardInterrupt:
            _fail("error: interrupted", ExitCode.INTERRUPTED, argv)
        except OSError as error:
            reason = error.strerror or str(error)
            where = f": {error.filename}" if error.filename else ""
            _fail(f"error: {reason}{where}", ExitCode.GENERIC, argv)
        except Exception as error:  # the last guard: never a traceback
            if os.environ.get(DEBUG_VARIABLE):
                raise
            _fail(
                _error_line(
                    f"unexpected internal error ({type(error).__name__})",
                    f"set {DEBUG_VARIABLE}=1 to see details and report it",
                ),
                ExitCode.GENERIC,
                argv,
            )
        sys.exit(result if isinstance(result, int) else ExitCode.OK)


def _hint_for(error: NepError) -> str:
    """The error's hint, where the TUI's wording does not fit a command line."""
    if isinstance(error, ValidationFailed):
        return "correct the values given on the command line"
    if isinstance(error, NextcloudNotConnected) and error.authorize_url:
        return (
            f"open {error.authorize_url} in a browser where you are logged in "
            "to the server, then retry"
        )
    return error.hint


def _error_line(message: str, hint: str = "") -> str:
    message = message.strip().rstrip(".")
    hint = hint.strip().rstrip(".")
    return f"error: {message} ({hint})" if hint else f"error: {message}"


def _fail(line: str, code: ExitCode, argv: Sequence[str]) -> NoReturn:
    click.echo(_mask_secrets(" ".join(plain(line).split()), argv), err=True)
    sys.exit(int(code))


def _mask_secrets(text: str, argv: Sequence[str]) -> str:
    secrets = [os.environ.get(name, "") for name in SECRET_VARIABLES]
    for index, arg in enumerate(argv):
        if arg == "--token" and index + 1 < len(argv):
            secrets.append(argv[index + 1])
        elif arg.startswith("--token="):
            secrets.append(arg.partition("=")[2])
    for secret in secrets:
        if len(secret) >= 4:
            text = text.replace(secret, "***")
    # Secrets with a recognisable shape are masked even when we were not told the value.
    return redact(text)


@click.group(
    cls=NepGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@root_options
@click.version_option(__version__, prog_name="nep-tui")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """A terminal client for Nepenthes and its Nextcloud file storage.

    Run without a command to open the full-screen interface.
    """
    state = ctx.ensure_object(CliState)
    if ctx.invoked_subcommand is None:
        from nep_tui.cli.launch import open_tui

        open_tui(state)


# Loaded by dependencies for features nep-tui never uses, at a third of a command's start-up:
# httpx's own command line (rich, pygments, click) and trio, which httpcore loads when it is
# installed in case the event loop is trio's. Blocked (an import of them fails, which both
# expect) only in nep-tui's own process, not for library users of nep_tui.api.
UNUSED_MODULES = ("httpx._main", "trio")


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Console-script entry point."""
    for name in UNUSED_MODULES:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
    # Pydantic looks for plugins in every installed distribution before its first model.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    cli.main(argv)
