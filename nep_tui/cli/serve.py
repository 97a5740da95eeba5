"""`nep-tui serve`: the same TUI in a browser, through Textual's own server (textual-serve).

Each browser tab starts its own `nep-tui` process with the options given here; the process
reads its login as the terminal TUI does (a token passed on this command line reaches it
through the environment, never through its command line, which other users can read).
"""

from __future__ import annotations

import ipaddress
import os
import shlex
import sys
from typing import Any

import click

from nep_tui.cli.output import info
from nep_tui.cli.state import CliState, pass_state

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_command(state: CliState) -> str:
    """The shell command textual-serve runs for each browser connection."""
    command = [sys.executable, "-m", "nep_tui"]
    if state.profile:
        command += ["--profile", state.profile]
    if state.ca_bundle:
        command += ["--ca-bundle", state.ca_bundle]
    if state.insecure_http:
        command.append("--insecure-http")
    return shlex.join(command)


def _server_class() -> Any:
    try:
        from textual_serve.server import Server
    except ImportError:
        raise click.ClickException(
            "the browser view needs textual-serve, which is not installed "
            "(install it with: pip install 'nep-tui[serve]')"
        ) from None
    return Server


@click.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True)
@pass_state
def serve(state: CliState, host: str, port: int) -> None:
    """Serve the full-screen interface to a web browser (Ctrl+C stops).

    Whoever can open the page uses nep-tui as you, with your login: it listens on this
    machine only unless --host says otherwise.
    """
    server_class = _server_class()
    if not is_loopback_host(host):
        info(
            f"warning: serving on {host}: anyone who can reach {host}:{port} uses nep-tui "
            "with your login; there is no password and no TLS"
        )
    for variable, value in (("NEP_TUI_SERVER", state.server), ("NEP_TUI_TOKEN", state.token)):
        if value:
            os.environ[variable] = value
    server = server_class(app_command(state), host=host, port=port, title="nep-tui")
    info(f"Serving nep-tui on http://{host}:{port} (Ctrl+C stops)")
    server.serve()


COMMANDS = [serve]
