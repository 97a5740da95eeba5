"""A Nextcloud sandbox of its own per test: a tmp store, served by uvicorn on loopback.

The fixtures that start one are in tests/sandbox/conftest.py; the whole sandbox (server.py)
is not needed for these tests."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import uvicorn

from nep_tui.sandbox.faults import FaultState
from nep_tui.sandbox.nextcloud.store import NextcloudStore
from support import SHARED_DIR

RECORDINGS = SHARED_DIR / "reference" / "nextcloud-recordings"
CLIENT_ID = "nepenthes-client"
CLIENT_SECRET = "nepenthes-secret"
REDIRECT_URI = "http://127.0.0.1:9/oauth_clients/nepenthes-client/callback"
SEED_TIME = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


@dataclass
class LiveNextcloud:
    url: str
    store: NextcloudStore
    faults: FaultState
    folder_id: int  # /Shared, where member may upload
    file_id: int  # /Shared/report.pdf

    def client(self, login: str | None = "member", **kwargs) -> httpx.Client:
        auth = (login, f"{login}-password") if login else None
        return httpx.Client(base_url=self.url, auth=auth, timeout=30, **kwargs)


class ThreadedServer:
    def __init__(self, app) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> int:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the Nextcloud sandbox did not start")
            time.sleep(0.01)
        return self.server.servers[0].sockets[0].getsockname()[1]

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def seed_small(store: NextcloudStore) -> tuple[int, int]:
    for login, name in (("admin", "Admin"), ("member", "Member Person"), ("newcomer", "New Comer")):
        store.ensure_user(login, f"{login}-password", name)
    store.register_oauth_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    folder_id = store.mkdir("admin", "/Shared", mtime=SEED_TIME)
    file_id = store.put_file("admin", "/Shared/report.pdf", b"%PDF-1.4 demo", mtime=SEED_TIME)
    return folder_id, file_id
