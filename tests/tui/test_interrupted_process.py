"""SIGTERM to the real full-screen interface, in a pseudo-terminal, while a download drips in
through the fault proxy: the process ends, no traceback reaches the terminal, and neither a
`.part` file nor a half file is left in the download folder."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import sys
import time
from pathlib import Path

import pytest
from support.cli import through

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")


def _read_until(fd: int, condition, seconds: float) -> bytes:
    """What the interface painted, read until `condition(painted)` holds or time runs out."""
    painted = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition(painted):
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                painted += os.read(fd, 65536)
            except OSError:  # the terminal closed: the process is gone
                break
    return painted


def _text_of(painted: bytes) -> str:
    """The words the interface painted, without its escape sequences and block characters."""
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|[\u2580-\u259f]", " ", painted.decode(errors="replace"))
    return " ".join(text.split())


def test_sigterm_during_a_download_leaves_no_part_file(sandbox, fault_proxy, tmp_path):
    fault_proxy.add("drip", side="nextcloud", path=r"/direct/", interval=0.3)
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    environment = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "HOME": str(tmp_path),
        "XDG_DOWNLOAD_DIR": str(downloads),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "TERM": "xterm-256color",
        "COLUMNS": "100",
        "LINES": "30",
    }
    arguments = [*through(fault_proxy, sandbox), "open", f"{fault_proxy.nepenthes_url}/wp/1"]
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(sys.executable, [sys.executable, "-m", "nep_tui", *arguments], environment)
    try:
        painted = _read_until(fd, lambda out: b"Kickoff presentation.pdf" in out, 30)
        assert b"Kickoff presentation.pdf" in painted, _text_of(painted)[-1500:]
        time.sleep(1.0)  # the list takes the focus once it is filled
        os.write(fd, b"d")
        # The folder question, prefilled with the download folder.
        question = _read_until(fd, lambda out: str(downloads).encode() in out, 10)
        time.sleep(0.5)  # its input takes the focus once shown
        os.write(fd, b"\r")
        painted += question
        deadline = time.monotonic() + 20
        while not any(p.suffix == ".part" for p in downloads.iterdir()):
            assert time.monotonic() < deadline, _text_of(painted)[-1500:]
            painted += _read_until(fd, lambda out: False, 0.1)
        os.kill(pid, signal.SIGTERM)
        painted += _read_until(fd, lambda out: False, 5)  # until the terminal closes
        _, status = os.waitpid(pid, 0)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.close(fd)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 128 + signal.SIGTERM, status
    assert b"Traceback" not in painted
    assert list(downloads.iterdir()) == []
