"""`nep-tui serve`: the command textual-serve gets, the loopback default, and a real page."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from support.cli import nep

from nep_tui.cli import serve as serve_module


class RecordingServer:
    made: list[RecordingServer] = []

    def __init__(self, command: str, *, host: str, port: int, title: str) -> None:
        self.command, self.host, self.port, self.title = command, host, port, title
        self.served = False
        RecordingServer.made.append(self)

    def serve(self) -> None:
        self.served = True


@pytest.fixture
def recorded(monkeypatch) -> list[RecordingServer]:
    RecordingServer.made = []
    monkeypatch.setattr(serve_module, "_server_class", lambda: RecordingServer)
    for variable in ("NEP_TUI_TOKEN", "NEP_TUI_SERVER"):
        # set first, so the test's own setting is undone afterwards
        monkeypatch.setenv(variable, "")
        monkeypatch.delenv(variable)
    return RecordingServer.made


def test_serves_the_tui_on_loopback_by_default(recorded) -> None:
    run = nep("--profile", "work", "serve")
    assert run.exit_code == 0, run.stderr
    [server] = recorded
    assert (server.host, server.port, server.served) == ("127.0.0.1", 8000, True)
    assert shlex.split(server.command) == [sys.executable, "-m", "nep_tui", "--profile", "work"]
    assert "warning" not in run.stderr


def test_a_token_reaches_the_app_through_the_environment_only(recorded) -> None:
    run = nep("--server", "http://127.0.0.1:9", "--token", "opapi-" + "a" * 64, "serve")
    assert run.exit_code == 0, run.stderr
    [server] = recorded
    assert "opapi-" not in server.command
    assert os.environ["NEP_TUI_TOKEN"] == "opapi-" + "a" * 64
    assert os.environ["NEP_TUI_SERVER"] == "http://127.0.0.1:9"


def test_another_host_is_served_with_a_warning(recorded) -> None:
    run = nep("serve", "--host", "0.0.0.0", "--port", "8123")
    assert run.exit_code == 0, run.stderr
    assert (recorded[0].host, recorded[0].port) == ("0.0.0.0", 8123)
    assert "warning: serving on 0.0.0.0" in run.stderr


def test_without_textual_serve_it_says_how_to_get_it(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    run = nep("serve")
    assert run.exit_code == 1
    assert "pip install 'nep-tui[serve]'" in run.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_page_is_served_on_loopback() -> None:
    pytest.importorskip("textual_serve")
    port = _free_port()
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    process = subprocess.Popen(
        [sys.executable, "-m", "nep_tui", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        assert page.status_code == 200
        assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in page.text
    finally:
        process.terminate()
        process.wait(timeout=10)
