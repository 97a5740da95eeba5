"""Fixtures of the sandbox tests: a Nextcloud sandbox of the test's own, and the recordings."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.nextcloud import RECORDINGS, LiveNextcloud, ThreadedServer, seed_small

from nep_tui.sandbox.faults import FaultState
from nep_tui.sandbox.nextcloud.app import create_app
from nep_tui.sandbox.nextcloud.store import NextcloudStore


@pytest.fixture
def live_nextcloud(tmp_path):
    store = NextcloudStore(tmp_path / "nextcloud.sqlite3", tmp_path / "nextcloud-files")
    folder_id, file_id = seed_small(store)
    faults = FaultState()
    holder: dict[str, str] = {}
    server = ThreadedServer(create_app(store, faults, public_url=lambda: holder["url"]))
    holder["url"] = f"http://127.0.0.1:{server.start()}"
    yield LiveNextcloud(holder["url"], store, faults, folder_id, file_id)
    server.stop()
    store.close()


@pytest.fixture
def recordings() -> Path:
    if not RECORDINGS.is_dir():
        pytest.skip(f"Nextcloud recordings not found at {RECORDINGS}")
    return RECORDINGS
