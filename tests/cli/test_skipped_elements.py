"""A list with unreadable elements: the rest is printed, a warning line on stderr says how many
are missing, and --json stays a valid list of what was read."""

from __future__ import annotations

from support.cli import nep
from support.collections import SHORTENED, collection, project, serve, work_package


def through(fault_proxy, sandbox) -> list[str]:
    return ["--server", fault_proxy.nepenthes_url, "--token", sandbox.user("member").api_token]


def test_the_table_shows_the_readable_ones_and_stderr_counts_the_others(fault_proxy, sandbox):
    body = collection([project(1), SHORTENED, dict(SHORTENED, id=98), project(2)])
    serve(fault_proxy, r"/api/v3/projects\?", body)
    run = nep(*through(fault_proxy, sandbox), "projects", "list")
    assert run.exit_code == 0, run.stderr
    assert "Project 1" in run.stdout and "Project 2" in run.stdout
    assert run.stderr.strip() == "2 projects could not be read and are not shown."


def test_json_stays_a_list_and_one_missing_reads_in_the_singular(fault_proxy, sandbox):
    shortened = {"_type": "WorkPackage", "id": 7}
    serve(fault_proxy, r"/api/v3/work_packages\?", collection([work_package(1), shortened]))
    run = nep(*through(fault_proxy, sandbox), "--json", "wp", "list")
    assert run.exit_code == 0, run.stderr
    assert [item["id"] for item in run.json] == [1]
    assert run.stderr.strip() == "1 work package could not be read and is not shown."


def test_a_whole_list_prints_no_warning(fault_proxy, sandbox):
    run = nep(*through(fault_proxy, sandbox), "projects", "list")
    assert run.exit_code == 0 and run.stderr == ""
