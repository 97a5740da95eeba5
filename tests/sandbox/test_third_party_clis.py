"""Other people's OpenProject CLIs from PyPI, run against the sandbox: their everyday commands
work, and what they change is what nep-tui then reads.

Each CLI is installed into a virtual environment of its own (cached under the user's cache
folder, as the bench scripts do, so a second run installs nothing); without the package registry the tests skip and
say so. They write, so they get a sandbox of this module's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource

pytestmark = pytest.mark.xdist_group("third-party-clis")

# package → its console script; versions pinned so that a new release cannot turn CI red
CLIS = {
    "openproject-cli==0.4.0": "openproject-cli",
    "agent-tool-openproject-cli==0.5.4": "openproject",
}


def _install(home: Path, package: str, script: str) -> Path | str:
    """The script installed into `home`, or why it could not be."""
    executable = home / "bin" / script
    if executable.exists():
        return executable
    venv.create(home, with_pip=True, clear=True)
    done = subprocess.run(
        [str(home / "bin" / "python"), "-m", "pip", "install", "-q", "--retries", "1"]
        + ["--timeout", "20", package],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        return f"{package} could not be installed: {done.stderr.strip()[-300:]}"
    return executable


@pytest.fixture(scope="module")
def installed() -> dict[str, Path]:
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "nep-tui-tests"
    python = f"py{sys.version_info.major}{sys.version_info.minor}"
    with ThreadPoolExecutor(len(CLIS)) as pool:
        found = dict(
            zip(
                CLIS.values(),
                pool.map(
                    lambda item: _install(cache / f"{python}-{item[0]}", *item),
                    CLIS.items(),
                ),
                strict=True,
            )
        )
    problems = [problem for problem in found.values() if isinstance(problem, str)]
    if problems:
        pytest.skip("; ".join(problems))
    return {script: path for script, path in found.items() if isinstance(path, Path)}


@pytest.fixture(scope="module")
def own_sandbox(tmp_path_factory):
    from nep_tui.sandbox.server import start_in_thread

    running = start_in_thread(tmp_path_factory.mktemp("third-party"), seed="demo")
    yield running
    running.stop()


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {key: value for key, value in os.environ.items() if not key.startswith("NEP_TUI")}
    return subprocess.run(argv, env=base | env, capture_output=True, text=True, timeout=60)


def _json(done: subprocess.CompletedProcess[str]):  # type: ignore[no-untyped-def]
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


async def _work_package(sandbox, wp_id: int):  # type: ignore[no-untyped-def]
    token = ApiTokenSource(sandbox.user("member").api_token)
    async with NepenthesClient(sandbox.nepenthes_url, token) as client:
        return await client.work_package(wp_id), await client.activities(wp_id)


async def test_openproject_cli_lists_creates_updates_and_comments(installed, own_sandbox, tmp_path):
    env = {
        "OPENPROJECT_URL": own_sandbox.nepenthes_url,
        "OPENPROJECT_TOKEN": own_sandbox.user("member").api_token,
        "XDG_CONFIG_HOME": str(tmp_path),
        "HOME": str(tmp_path),
    }

    def cli(*argv: str):  # type: ignore[no-untyped-def]
        return _json(_run([str(installed["openproject-cli"]), *argv], env))

    assert "Prepare kickoff presentation" in [row["subject"] for row in cli("wp", "list")]
    assert cli("wp", "get", "1")["assignee"] == "Max Member"
    created = cli(
        "wp", "create", "--project", "demo", "--type", "Task", "--subject", "From openproject-cli",
        "--assignee", "Nora", "--start-date", "2026-02-02", "--due-date", "2026-02-06",
    )  # fmt: skip
    assert created["assignee"] == "Nora Newcomer"  # a name found through /principals
    updated = cli(
        "wp", "update", str(created["id"]), "--status", "In progress", "--type", "Bug",
        "--done-ratio", "50",
    )  # fmt: skip
    assert (updated["status"], updated["type"], updated["percentageDone"]) == (
        "In progress",
        "Bug",
        50,
    )
    cli("comment", "create", "--work-package", str(created["id"]), "Looks **fine**")
    note = tmp_path / "notes.txt"
    note.write_text("from another CLI\n")
    cli("attachment", "upload", "--work-package", str(created["id"]), str(note))
    listed = cli("attachment", "list", "--work-package", str(created["id"]))
    assert [row["fileName"] for row in listed] == ["notes.txt"]
    assert cli("notification", "list")

    work_package, activities = await _work_package(own_sandbox, created["id"])
    assert (work_package.status_name, work_package.type_name) == ("In progress", "Bug")
    assert "Looks **fine**" in [activity.comment for activity in activities]
    assert "Attachment notes.txt added" in [
        detail for activity in activities for detail in activity.plain_details
    ]


async def test_agent_tool_cli_assigns_comments_watches_and_lists_members(
    installed, own_sandbox, tmp_path
):
    env = {
        "OPCLI_BASE_URL": own_sandbox.nepenthes_url,
        "OPCLI_TOKEN": own_sandbox.user("member").api_token,
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / ".config"),
    }

    def cli(*argv: str):  # type: ignore[no-untyped-def]
        return _json(_run([str(installed["openproject"]), *argv], env))

    assert "demo" in [project["identifier"] for project in cli("project", "list")]
    created = cli("wp", "create", "From the agent tool", "--project", "demo", "--type", "Task")
    assigned = cli("wp", "assign", str(created["id"]), "Nora Newcomer")
    assert assigned["assignee"]["id"] == 3
    cli("comment", "add", str(created["id"]), "Taken by Nora")
    assert cli("wp", "watch", str(created["id"]))["status"] == "watching"
    names = [row["principal"]["name"] for row in cli("member", "list", "--project", "demo")]
    assert names == ["Ada Admin", "Max Member", "Nora Newcomer"]
    linked = [row["originName"] for row in cli("filelink", "list", "1")]
    assert "Kickoff presentation.pdf" in linked

    work_package, activities = await _work_package(own_sandbox, created["id"])
    assert work_package.assignee_name == "Nora Newcomer"
    assert "Taken by Nora" in [activity.comment for activity in activities]
