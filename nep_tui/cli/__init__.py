"""The `nep-tui` command: the TUI when run alone, a scriptable CLI with subcommands.

Every failure ends as one line on stderr, `error: <what happened> (<what to do>)`, and an exit
code from `exit_codes.ExitCode` (documented in README.md). No traceback reaches the user, and
no token reaches any output: known secrets are masked in every error line as a last guard.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from nep_tui.api.errors import NepError, NextcloudNotConnected, ValidationFailed
from nep_tui.api.redact import redact
from nep_tui.cli.exit_codes import ExitCode, exit_code_for
from nep_tui.cli.state import CliState
from nep_tui.formatting import plain

DEBUG_VARIABLE = "NEP_TUI_DEBUG"


class NepGroup(click.Group):
    """The root group: turns every failure into one line and an exit code."""

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
    secrets = [os.environ.get("NEP_TUI_TOKEN", "")]
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
@click.option(
    "--server",
    metavar="URL",
    envvar="NEP_TUI_SERVER",
    help="Nepenthes server URL (default: the profile's). Env: NEP_TUI_SERVER.",
)
@click.option(
    "--token",
    metavar="TOKEN",
    envvar="NEP_TUI_TOKEN",
    show_envvar=False,
    help="API token to use instead of the stored login. Env: NEP_TUI_TOKEN.",
)
@click.option(
    "--profile",
    metavar="NAME",
    envvar="NEP_TUI_PROFILE",
    help="Stored login profile to use. Env: NEP_TUI_PROFILE.",
)
@click.option(
    "--json",
    "json_output",
    is_flag=True,
    help="Print the API data as JSON (stable field names, see README).",
)
@click.option(
    "--ca-bundle",
    metavar="PATH",
    type=click.Path(dir_okay=False),
    help="CA certificates to verify the server with (also: SSL_CERT_FILE).",
)
@click.option(
    "--insecure-http",
    is_flag=True,
    help="Allow a plain http:// server that is not on this machine.",
)
@click.version_option(package_name="nep-tui", prog_name="nep-tui")
@click.pass_context
def cli(
    ctx: click.Context,
    server: str | None,
    token: str | None,
    profile: str | None,
    json_output: bool,
    ca_bundle: str | None,
    insecure_http: bool,
) -> None:
    """A terminal client for Nepenthes and its Nextcloud file storage.

    Run without a command to open the full-screen interface.
    """
    ctx.obj = CliState(
        server=server,
        token=token,
        profile=profile,
        json=json_output,
        ca_bundle=ca_bundle,
        insecure_http=insecure_http,
    )
    if ctx.invoked_subcommand is None:
        from nep_tui.cli.launch import open_tui

        open_tui(ctx.obj)


def _register_commands() -> None:
    from nep_tui.cli import (
        attachments,
        auth,
        doctor,
        files,
        launch,
        notifications,
        projects,
        storage,
        work_packages,
    )

    for module in (
        auth,
        projects,
        work_packages,
        files,
        attachments,
        storage,
        notifications,
        doctor,
        launch,
    ):
        for command in module.COMMANDS:
            cli.add_command(command)


_register_commands()


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Console-script entry point."""
    cli.main(argv)
