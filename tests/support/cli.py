"""Helpers for the CLI tests: run `nep-tui` in-process with click's CliRunner, parse its JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from click.testing import CliRunner

from nep_tui.cli import cli


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)


def nep(*args: str, input: str | None = None) -> Run:
    """`nep-tui ARGS...` with stdin not a terminal (as in a script)."""
    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


def as_user(sandbox, login: str = "member") -> list[str]:
    """The global options that log in to `sandbox` as `login` with its API token."""
    return ["--server", sandbox.nepenthes_url, "--token", sandbox.user(login).api_token]


def nep_json(sandbox, *args: str, login: str = "member") -> Any:
    """Run a command with --json as `login`; it must succeed; its parsed JSON."""
    run = nep(*as_user(sandbox, login), "--json", *args)
    assert run.exit_code == 0, run.stderr
    return run.json


def through(proxy, sandbox, login: str = "member") -> list[str]:
    """The global options that log in as `login`, talking to `sandbox` through the fault proxy."""
    return ["--server", proxy.nepenthes_url, "--token", sandbox.user(login).api_token]


def one_sentence(run: Run) -> str:
    """The failed run's stderr: exactly one `error:` line and no traceback; that line."""
    assert run.exit_code not in (0, 1), (run.exit_code, run.stderr)
    assert "Traceback" not in run.stderr and "unexpected internal error" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], run.stderr
    return errors[0]
