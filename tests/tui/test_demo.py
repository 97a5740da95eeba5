"""`nep-tui demo`: logs in by itself on the sandbox and leaves nothing running."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from support.tui import wait_for

from nep_tui import demo
from nep_tui.screens.login import LoginScreen
from nep_tui.screens.projects import ProjectsScreen


async def test_demo_approves_the_code_and_lands_in_projects(sandbox):
    demo._save_demo_profile(sandbox)
    app = demo.DemoApp(sandbox, approve_after=0.3)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen) and app.screen.device)
        await wait_for(pilot, lambda: isinstance(app.screen, ProjectsScreen), timeout=15)
        assert app.profile_name == demo.DEMO_PROFILE


def port_is_open(url: str) -> bool:
    parts = urlsplit(url)
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((parts.hostname, parts.port)) == 0


def test_run_keeps_data_between_runs_and_stops_the_sandbox(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "demo_dir", lambda: tmp_path / "demo")
    seen = []

    def fake_run(app):
        seen.append(app.sandbox.nepenthes_url)
        assert port_is_open(app.sandbox.nepenthes_url)

    monkeypatch.setattr(demo.DemoApp, "run", fake_run)
    assert demo.run() == 0
    marker = tmp_path / "demo" / "sandbox" / "kept"
    marker.write_text("x")
    assert demo.run() == 0
    assert marker.exists()
    assert demo.run(reset=True) == 0
    assert not marker.exists()
    assert len(seen) == 3 and not any(port_is_open(url) for url in seen)
