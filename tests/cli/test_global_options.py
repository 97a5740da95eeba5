"""Global options work after the command as well as before it, for every command (as in gh)."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from support.cli import as_user, nep

from nep_tui.cli import cli
from nep_tui.cli.global_options import GLOBAL_OPTIONS, passes_arguments_through

GIVEN_AFTER = [
    "--json",
    "--server",
    "http://127.0.0.1:9",
    "--token",
    "opapi-0000000000000000",
    "--profile",
    "someone",
    "--ca-bundle",
    "/nonexistent/ca.pem",
    "--insecure-http",
]


def command_paths() -> Iterator[tuple[list[str], click.Command]]:
    """Every command and group below the root, loaded as a run would load it."""
    ctx = click.Context(cli)

    def walk(group: click.Group, path: list[str]) -> Iterator[tuple[list[str], click.Command]]:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, name
            yield [*path, name], command
            if isinstance(command, click.Group):
                yield from walk(command, [*path, name])

    yield from walk(cli, [])


ALL_COMMANDS = [
    pytest.param(path, id=" ".join(path))
    for path, command in command_paths()
    if not passes_arguments_through(command)
]


def test_the_walk_reaches_nested_commands():
    walked = {" ".join(path) for path, _ in command_paths()}
    assert {"projects list", "wp show", "files download", "login", "sandbox"} <= walked


@pytest.mark.parametrize("path", ALL_COMMANDS)
def test_every_command_accepts_the_global_options_after_it(path):
    # --help last: the parse fails first if any option before it is unknown to the command.
    run = nep(*path, *GIVEN_AFTER, "--help")
    assert run.exit_code == 0, run.stderr
    for spec in GLOBAL_OPTIONS:
        assert spec.flag in run.stdout


def test_the_root_help_still_lists_every_global_option():
    run = nep("--help")
    assert run.exit_code == 0
    for spec in GLOBAL_OPTIONS:
        assert spec.flag in run.stdout


def test_json_after_the_command(sandbox):
    run = nep("projects", "list", *as_user(sandbox), "--json")
    assert run.exit_code == 0, run.stderr
    assert {"identifier": "demo"}.items() <= run.json[0].items()


def test_options_after_a_nested_command_and_between_group_and_command(sandbox):
    after = nep("wp", "show", "1", *as_user(sandbox), "--json")
    between = nep("wp", "--json", *as_user(sandbox), "show", "1")
    assert after.exit_code == 0 and between.exit_code == 0, after.stderr + between.stderr
    assert after.json["id"] == between.json["id"] == 1


def test_the_option_nearest_the_end_wins(sandbox):
    unreachable = ["--server", "http://127.0.0.1:9"]
    run = nep(*unreachable, "wp", "show", "1", *as_user(sandbox))
    assert run.exit_code == 0, run.stderr
    run = nep(*as_user(sandbox), "wp", "show", "1", *unreachable)
    assert "could not be reached" in run.stderr


def test_an_environment_variable_does_not_override_an_option_given_before(sandbox, monkeypatch):
    monkeypatch.setenv("NEP_TUI_SERVER", "http://127.0.0.1:9")
    run = nep(*as_user(sandbox), "wp", "show", "1", "--json")
    assert run.exit_code == 0, run.stderr


def test_a_command_keeps_its_own_option_of_the_same_name(sandbox):
    # `login --token` is the token to store, not the global one to log in with.
    login = cli.get_command(click.Context(cli), "login")
    assert login is not None
    tokens = [param for param in login.params if "--token" in param.opts]
    assert [param.name for param in tokens] == ["api_token"]


def test_secrets_given_after_the_command_are_masked_in_errors(sandbox):
    secret = "not-a-real-token-but-secret"
    run = nep("wp", "show", "1", "--server", sandbox.nepenthes_url, "--token", secret)
    assert run.exit_code != 0
    assert secret not in run.stderr
