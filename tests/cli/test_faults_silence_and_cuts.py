"""The real CLI against a server that stops talking or cuts its answer short, through the fault
proxy with short limits (env): every command ends within seconds, with exit 9 and one sentence;
a download never leaves a short file or replaces the user's."""

from __future__ import annotations

import time

import pytest
from support.cli import nep, one_sentence, through

from nep_tui.cli.exit_codes import ExitCode

KICKOFF = b"%PDF-1.4\n% nep-tui demo kickoff slides\n%%EOF\n"
KICKOFF_LINK = "1"
SILENCE = [
    pytest.param("no_headers", {}, "did not answer in time", id="no-headers"),
    pytest.param("stall", {}, "stopped halfway", id="stalled-body"),
    pytest.param("drip", {"interval": 0.5}, "did not arrive in time", id="dripping-body"),
]
CUTS = [
    pytest.param({"kind": "cut"}, id="cut-with-length"),
    pytest.param({"kind": "cut", "length": False}, id="cut-close-delimited"),
    pytest.param({"kind": "reset"}, id="reset-mid-body"),
]


@pytest.mark.parametrize(("kind", "params", "sentence"), SILENCE)
def test_a_silent_server_ends_a_read_in_seconds(
    sandbox, fault_proxy, fast_limits, kind, params, sentence
):
    fault_proxy.add(kind, path=r"/api/v3/projects", **params)
    started = time.monotonic()
    run = nep(*through(fault_proxy, sandbox), "projects", "list")
    assert time.monotonic() - started < 6
    assert run.exit_code == ExitCode.NETWORK
    assert sentence in one_sentence(run)
    assert run.stdout == ""


@pytest.mark.parametrize("fault", CUTS)
def test_a_cut_answer_is_named_cut_off_not_unreachable(sandbox, fault_proxy, fast_limits, fault):
    fault_proxy.add(path=r"/api/v3/projects", **fault)
    run = nep(*through(fault_proxy, sandbox), "projects", "list")
    assert run.exit_code == ExitCode.NETWORK
    line = one_sentence(run)
    assert "was cut off" in line and "could not be reached" not in line
    assert run.stdout == ""


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param({"kind": "stall"}, id="stalled-body"),
        pytest.param({"kind": "drip", "interval": 0.6}, id="dripping-body"),
        *CUTS,
    ],
)
def test_a_broken_download_keeps_the_users_file_and_leaves_nothing(
    sandbox, fault_proxy, fast_limits, tmp_path, fault
):
    target = tmp_path / "Kickoff presentation.pdf"
    target.write_bytes(b"my own edits")
    fault_proxy.add(side="nextcloud", path=r"/direct/", **fault)
    started = time.monotonic()
    run = nep(
        *through(fault_proxy, sandbox),
        "files",
        "download",
        KICKOFF_LINK,
        "-o",
        str(tmp_path),
        "--overwrite",
    )
    assert time.monotonic() - started < 8
    assert run.exit_code == ExitCode.NETWORK
    line = one_sentence(run)
    assert "could not be reached" not in line and "Saved" not in run.stdout
    assert target.read_bytes() == b"my own edits"
    assert [path.name for path in tmp_path.iterdir()] == [target.name]
    # The same command without the fault replaces the file with the whole one.
    again = nep(
        *through(fault_proxy, sandbox),
        "files",
        "download",
        KICKOFF_LINK,
        "-o",
        str(tmp_path),
        "--overwrite",
    )
    assert again.exit_code == 0, again.stderr
    assert target.read_bytes() == KICKOFF


def test_a_close_delimited_cut_download_is_checked_against_the_reported_size(
    sandbox, fault_proxy, fast_limits, tmp_path
):
    fault_proxy.add("cut", side="nextcloud", path=r"/direct/", length=False)
    run = nep(
        *through(fault_proxy, sandbox), "files", "download", KICKOFF_LINK, "-o", str(tmp_path)
    )
    assert run.exit_code == ExitCode.NETWORK
    assert f"of {len(KICKOFF)} bytes" in one_sentence(run)
    assert list(tmp_path.iterdir()) == []
