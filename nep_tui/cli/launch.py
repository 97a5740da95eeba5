"""Commands that start something bigger: the TUI, the demo, the sandbox server.

Those parts are imported only when their command runs, so the scriptable commands never
load Textual or the sandbox server.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import click

from nep_tui.cli.state import CliState, pass_state


def _load(module_name: str, attribute: str, what: str) -> Any:
    try:
        module = importlib.import_module(module_name)
        return getattr(module, attribute)
    except (ImportError, AttributeError) as error:
        missing = getattr(error, "name", None) or module_name
        # Only a missing nep-tui part is "not available"; a missing dependency is a real bug.
        if missing.startswith("nep_tui") or isinstance(error, AttributeError):
            raise click.ClickException(
                f"{what} is not available in this installation of nep-tui "
                f"({module_name}.{attribute} is missing)"
            ) from None
        raise


def open_tui(state: CliState, start_url: str | None = None) -> None:
    run_app = _load("nep_tui.app", "run_app", "The full-screen interface")
    # The app resolves its login through open_client, which reads these variables.
    for variable, value in (("NEP_TUI_SERVER", state.server), ("NEP_TUI_TOKEN", state.token)):
        if value:
            os.environ[variable] = value
    code = run_app(start_url=start_url, profile=state.profile)
    if code:
        raise SystemExit(code)


@click.command("open")
@click.argument("url")
@pass_state
def open_link(state: CliState, url: str) -> None:
    """Open the full-screen interface at a Nepenthes link, such as a work package URL."""
    open_tui(state, start_url=url)


@click.command()
@click.option("--reset", is_flag=True, help="Start again from fresh demo data.")
@click.option(
    "--admin",
    is_flag=True,
    help="Start without the Nextcloud integration, at the administration screen as the admin.",
)
def demo(reset: bool, admin: bool) -> None:
    """Open the interface on the embedded sandbox server with demo data."""
    run = _load("nep_tui.demo", "run", "The demo")
    result = run(reset=reset, admin=admin)
    if isinstance(result, int) and result:
        raise SystemExit(result)


@click.command(
    context_settings={
        "ignore_unknown_options": True,
        "allow_extra_args": True,
        "help_option_names": [],
    }
)
@click.argument("arguments", nargs=-1, type=click.UNPROCESSED)
def sandbox(arguments: tuple[str, ...]) -> None:
    """Run the sandbox server (Nepenthes + Nextcloud on loopback); see `sandbox --help`."""
    server_main = _load("nep_tui.sandbox.server", "main", "The sandbox server")
    code = server_main(list(arguments))
    if code:
        raise SystemExit(code)


COMMANDS = [open_link, demo, sandbox]
