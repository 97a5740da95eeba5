"""Start-up time of the `nep-tui` command line, beside `python -c pass` and other OpenProject CLIs.

    python bench/startup_cli.py [--runs 15] [--no-others]

Runs an in-process sandbox (demo seed), then times each command as a fresh process, `--runs`
times, and prints the median in milliseconds with its ratio to the floor (`python -c pass`: the
interpreter's own start-up, below which no Python CLI can go). Acceptance: `--version` and
`--help` within 150 ms; `projects list` and `wp show` no slower than the fastest other Python
OpenProject CLI from PyPI against the same server.

Every CLI runs as its console script from a virtual environment of its own under the user's
cache folder, as pipx would install it: nep-tui is installed there from this checkout (a
regular, not an editable, install, refreshed at each run), the others from PyPI on demand
(`--no-others` skips them); one that cannot be installed or cannot talk to the sandbox is
reported as such. (Run from the development interpreter instead, nep-tui would pay some 20 ms
for what that interpreter's site-packages load at start-up, such as an editable install's
finder, which no other column pays.) Their configuration goes to a temporary folder, never
the user's own.

The machine's load is printed with the figures: a busy machine slows every column alike, so
the ratios to the floor are the figures to compare between runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from dataclasses import dataclass, field
from pathlib import Path

from _common import start_sandbox

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "nep-tui-bench"
WORK_PACKAGE_ID = 1
ROWS = ("--version", "--help", "projects list", "wp show")


@dataclass
class Tool:
    """One CLI: how to run each row's command (None: it has no such command)."""

    name: str
    argv: list[str]
    commands: dict[str, list[str] | None]
    env: dict[str, str] = field(default_factory=dict)
    problem: str = ""


def time_runs(argv: list[str], env: dict[str, str], runs: int) -> float | str:
    """Median wall time in seconds, or why the command failed."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            return f"failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-200:]}"
    return statistics.median(times)


def nep_tui(server: str, token: str) -> Tool:
    home = CACHE / "nep-tui"
    fresh = not (home / "bin" / "nep-tui").exists()
    if fresh:
        venv.create(home, with_pip=True)
    print(f"installing nep-tui from {REPO} into {home}…", flush=True)
    subprocess.run(
        [str(home / "bin" / "python"), "-m", "pip", "install", "-q"]
        + ([] if fresh else ["--no-deps", "--force-reinstall"])
        + [str(REPO)],
        check=True,
        capture_output=True,
    )
    login = ["--server", server, "--token", token]
    return Tool(
        "nep-tui",
        [str(home / "bin" / "nep-tui")],
        {
            "--version": ["--version"],
            "--help": ["--help"],
            "projects list": ["projects", "list", *login],
            "wp show": ["wp", "show", str(WORK_PACKAGE_ID), *login],
        },
    )


def installed(package: str, script: str) -> Path:
    """The console script of `package`, installed into a cached virtual environment."""
    home = CACHE / package
    executable = home / "bin" / script
    if not executable.exists():
        print(f"installing {package} into {home}…", flush=True)
        venv.create(home, with_pip=True)
        subprocess.run(
            [str(home / "bin" / "python"), "-m", "pip", "install", "-q", package],
            check=True,
            capture_output=True,
        )
    return executable


def others(server: str, token: str, config: Path) -> list[Tool]:
    tools = []
    for package, script, build in (
        ("openproject-cli", "openproject-cli", _openproject_cli),
        ("agent-tool-openproject-cli", "openproject", _agent_tool_cli),
    ):
        try:
            executable = installed(package, script)
        except (subprocess.CalledProcessError, OSError) as error:
            tools.append(Tool(package, [], {}, problem=f"could not be installed ({error})"))
            continue
        tools.append(build(package, str(executable), server, token, config))
    return tools


def _openproject_cli(package: str, executable: str, server: str, token: str, config: Path) -> Tool:
    # It has no project list of its own; its raw API command does the same one request.
    return Tool(
        package,
        [executable],
        {
            "--version": ["--version"],
            "--help": ["--help"],
            "projects list": ["api", "GET", "projects"],
            "wp show": ["wp", "get", str(WORK_PACKAGE_ID)],
        },
        {
            "OPENPROJECT_URL": server,
            "OPENPROJECT_TOKEN": token,
            "XDG_CONFIG_HOME": str(config),
        },
    )


def _agent_tool_cli(package: str, executable: str, server: str, token: str, config: Path) -> Tool:
    return Tool(
        package,
        [executable],
        {
            "--version": ["--version"],
            "--help": ["--help"],
            "projects list": ["project", "list"],
            "wp show": ["wp", "get", str(WORK_PACKAGE_ID)],
        },
        {
            "OPCLI_BASE_URL": server,
            "OPCLI_TOKEN": token,
            "HOME": str(config),
            "XDG_CONFIG_HOME": str(config),
        },
    )


def cell(result: float | str | None, floor: float) -> str:
    if result is None:
        return "-"
    if isinstance(result, str):
        return "failed"
    return f"{result * 1000:6.0f} ms ({result / floor:4.1f}x)"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-others", action="store_true", help="time nep-tui only")
    args = parser.parse_args()
    if args.runs < 1:
        sys.exit("--runs must be at least 1")
    load_at_start = os.getloadavg()[0]
    config = Path(tempfile.mkdtemp(prefix="nep-bench-cli-"))
    sandbox = start_sandbox("demo")
    token = sandbox.user("member").api_token
    base_env = {key: value for key, value in os.environ.items() if not key.startswith("NEP_TUI")}
    try:
        tools = [nep_tui(sandbox.nepenthes_url, token)]
        if not args.no_others:
            tools += others(sandbox.nepenthes_url, token, config)
        floor = time_runs([sys.executable, "-c", "pass"], base_env, args.runs)
        assert isinstance(floor, float)
        results: dict[tuple[str, str], float | str | None] = {}
        for tool in tools:
            for row in ROWS:
                command = tool.commands.get(row)
                results[(tool.name, row)] = (
                    None
                    if tool.problem or command is None
                    else time_runs(tool.argv + command, base_env | tool.env, args.runs)
                )
    finally:
        sandbox.stop()
        shutil.rmtree(sandbox.data_dir, ignore_errors=True)
        shutil.rmtree(config, ignore_errors=True)
    print(f"\nmedian of {args.runs} runs; floor `python -c pass`: {floor * 1000:.0f} ms")
    width = max(len(tool.name) for tool in tools) + 2
    print(f"{'':16}" + "".join(f"{tool.name:>{width}}" for tool in tools))
    for row in ROWS:
        print(
            f"{row:16}"
            + "".join(f"{cell(results[(tool.name, row)], floor):>{width}}" for tool in tools)
        )
    for tool in tools:
        if tool.problem:
            print(f"{tool.name}: {tool.problem}")
        for row in ROWS:
            result = results[(tool.name, row)]
            if isinstance(result, str):
                print(f"{tool.name} {row}: {result}")
    print(
        f"load average: {load_at_start:.2f} at the start, {os.getloadavg()[0]:.2f} at the end, "
        f"{os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
