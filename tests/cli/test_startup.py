"""Start-up: the root loads a command's module only when it runs, and a command imports only what
it needs (timings are in bench/startup_cli.py; here, what is imported)."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import click

import nep_tui.cli
from nep_tui.cli import COMMANDS, cli

NEVER_FOR_A_COMMAND_LINE = {"textual", "starlette", "uvicorn", "trio", "pygments"}
NOT_FOR_VERSION_OR_HELP = {
    "httpx",
    "pydantic",
    "authlib",
    "asyncio",
    "rich.text",
    "nep_tui.api.models",
}


def test_every_module_with_commands_is_registered_with_their_summaries():
    found = {}
    for info in pkgutil.iter_modules(nep_tui.cli.__path__):
        module = importlib.import_module(f"nep_tui.cli.{info.name}")
        for command in getattr(module, "COMMANDS", ()):
            found[command.name] = (module.__name__, command.get_short_help_str(limit=10_000))
    registered = {name: (entry.module, entry.summary) for name, entry in COMMANDS.items()}
    assert registered == found


def test_the_root_help_shows_the_summaries_without_loading_the_commands():
    run = subprocess.run(
        [sys.executable, "-m", "nep_tui", "--help"], capture_output=True, text=True, check=True
    )
    assert "Projects you can see." in run.stdout
    command_modules = {entry.module for entry in COMMANDS.values()}
    assert not command_modules & loaded_modules("--help")


def loaded_modules(*argv: str) -> set[str]:
    """The modules `nep-tui ARGV` has imported by the time it exits (in a process of its own)."""
    script = (
        "import atexit, json, sys\n"
        "atexit.register(lambda: print(json.dumps([n for n, m in sys.modules.items() if m]),"
        " file=sys.stderr))\n"
        "from nep_tui.cli import main\n"
        f"main({list(argv)!r})\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return set(json.loads(run.stderr.strip().splitlines()[-1]))


def imported(modules: set[str], packages: set[str]) -> set[str]:
    return {
        name
        for name in modules
        if any(name == package or name.startswith(package + ".") for package in packages)
    }


def test_version_and_help_load_no_http_client_models_or_interface():
    for argv in (["--version"], ["--help"]):
        modules = loaded_modules(*argv)
        assert not imported(modules, NEVER_FOR_A_COMMAND_LINE | NOT_FOR_VERSION_OR_HELP), argv


def test_a_one_request_command_loads_no_interface_oauth_or_server(sandbox):
    login = ["--server", sandbox.nepenthes_url, "--token", sandbox.user("member").api_token]
    modules = loaded_modules("wp", "show", "1", *login)
    assert "httpx" in modules  # it did talk to the server
    assert not imported(modules, NEVER_FOR_A_COMMAND_LINE | {"authlib", "httpx._main"})


def test_the_root_group_knows_every_command_it_lists():
    ctx = click.Context(cli)
    assert cli.list_commands(ctx) == sorted(COMMANDS)
    assert all(cli.get_command(ctx, name) is not None for name in COMMANDS)
