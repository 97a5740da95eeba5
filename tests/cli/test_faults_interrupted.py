"""Ctrl-C and SIGTERM during a download, in a real `nep-tui` process, while the file drips in
through the fault proxy: the run ends at once with exit 130 and one line, and no `.part` file
(nor a half file) is left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.cli import through

from nep_tui.cli.exit_codes import ExitCode

REPO = Path(__file__).resolve().parents[2]


def _wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_an_interrupted_download_leaves_no_part_file(sandbox, fault_proxy, tmp_path, signum):
    fault_proxy.add("drip", side="nextcloud", path=r"/direct/", interval=0.3)
    out = tmp_path / "out"
    out.mkdir()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nep_tui",
            *through(fault_proxy, sandbox),
            "files",
            "download",
            "1",
            "-o",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert _wait_for(lambda: any(p.suffix == ".part" for p in out.iterdir()), 20), (
            "the download never began"
        )
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == ExitCode.INTERRUPTED, stderr
    assert stderr.strip().splitlines() == ["error: interrupted"], stderr
    assert "Saved" not in stdout
    assert list(out.iterdir()) == []
