"""Starts the sandbox: the Nepenthes and Nextcloud apps under uvicorn in one background thread.

Both servers listen on 127.0.0.1 only. The data dir holds `nepenthes.sqlite3`,
`nextcloud.sqlite3`, `nextcloud-files/`, `attachments/` and `credentials.json`; a restart on
the same dir keeps everything and seeds only when the store is empty.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
import uvicorn
from starlette.applications import Starlette

from nep_tui.sandbox import seed as seeding
from nep_tui.sandbox.faults import FaultState
from nep_tui.sandbox.nepenthes.app import NepenthesConfig, create_app, init_schemas
from nep_tui.sandbox.nepenthes.oauth import NEP_TUI_CLIENT_ID
from nep_tui.sandbox.nepenthes.store import NepenthesStore

REQUEST_HEAD_LIMIT_BYTES = 1024 * 1024
STARTUP_TIMEOUT_SECONDS = 10.0
HOST = "127.0.0.1"


@dataclass
class SandboxUser:
    login: str
    password: str
    api_token: str
    admin: bool


def _bind(port: int) -> socket.socket:
    # An explicit IPPROTO_TCP lets asyncio set TCP_NODELAY on every accepted connection;
    # without it each small answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _url(sock: socket.socket) -> str:
    return f"http://{HOST}:{sock.getsockname()[1]}"


def _nextcloud_side(data_dir: Path, faults: FaultState, public_url: Any) -> tuple[Any, Starlette]:
    from nep_tui.sandbox.nextcloud.app import create_app as create_nextcloud_app
    from nep_tui.sandbox.nextcloud.store import NextcloudStore

    store = NextcloudStore(data_dir / "nextcloud.sqlite3", data_dir / "nextcloud-files")
    return store, create_nextcloud_app(store, faults, public_url=public_url)


@dataclass
class RunningSandbox:
    nepenthes_url: str
    nextcloud_url: str
    data_dir: Path
    credentials: dict[str, Any]
    faults: FaultState
    seeded: bool  # False when an existing data dir was reused as it was
    _nepenthes_app: Starlette
    _servers: list[uvicorn.Server]
    _thread: threading.Thread
    _loop: asyncio.AbstractEventLoop
    _stores: list[Any] = field(default_factory=list)
    _stopped: bool = False

    def user(self, login: str) -> SandboxUser:
        for entry in self.credentials["users"]:
            if entry["login"] == login:
                return SandboxUser(**entry)
        raise KeyError(f"No sandbox user {login!r}")

    def _on_loop(self, function: Any, *args: Any) -> Any:
        """Run a function on the server thread: the stores' connections live there."""

        async def call() -> Any:
            return function(*args)

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(timeout=30)

    def set_faults(self, **faults: Any) -> None:
        """Same keys as `POST /sandbox/faults`, one-shot actions (connect/disconnect) included."""
        self._on_loop(self._nepenthes_app.state.apply_faults, faults)

    def approve_device_code(self, user_code: str, login: str) -> None:
        self._on_loop(self._nepenthes_app.state.oauth.approve_device_code, user_code, login)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        for server in self._servers:
            server.should_exit = True
        self._thread.join(timeout=15)
        for store in self._stores:
            store.close()


def _credentials(
    store: NepenthesStore, nextcloud_store: Any, nepenthes_url: str, nextcloud_url: str
) -> dict[str, Any]:
    """What credentials.json holds: the URLs, nep-tui's OAuth client, the users in order."""
    users = [
        {
            "login": row["login"],
            "password": row["password"],
            "api_token": row["api_token"],
            "admin": bool(row["admin"]),
        }
        for row in store.all(
            "SELECT users.login, users.password, users.admin,"
            " (SELECT value FROM api_tokens WHERE user_id = users.id ORDER BY id LIMIT 1) AS api_token"
            " FROM users WHERE users.login IN ('admin', 'member', 'newcomer')"
            " ORDER BY CASE users.login WHEN 'admin' THEN 0 WHEN 'member' THEN 1 ELSE 2 END"
        )
    ]
    return {
        "nepenthes_url": nepenthes_url,
        "nextcloud_url": nextcloud_url,
        "oauth_client_id": NEP_TUI_CLIENT_ID,
        "users": users,
        "nextcloud_admin": nextcloud_store.admin_credentials(),
    }


def _serve_forever(
    loop: asyncio.AbstractEventLoop, servers: list[uvicorn.Server], sockets: list[socket.socket]
) -> None:
    asyncio.set_event_loop(loop)

    async def run_all() -> None:
        await asyncio.gather(
            *(server.serve(sockets=[sock]) for server, sock in zip(servers, sockets, strict=True))
        )

    try:
        loop.run_until_complete(run_all())
    finally:
        loop.close()


def start_in_thread(
    data_dir: Path,
    *,
    seed: str = "demo",
    port: int = 0,
    nextcloud_port: int = 0,
    token_ttl: int = 7200,
    device_grant: bool = True,
    fixed_user_code: str | None = None,
    seed_sizes: dict[str, int] | None = None,
) -> RunningSandbox:
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "attachments").mkdir(exist_ok=True)
    nepenthes_sock = _bind(port)
    try:
        nextcloud_sock = _bind(nextcloud_port)
    except OSError:
        nepenthes_sock.close()
        raise
    nepenthes_url, nextcloud_url = _url(nepenthes_sock), _url(nextcloud_sock)
    faults = FaultState()

    store = NepenthesStore(data_dir / "nepenthes.sqlite3", public_url=lambda: nepenthes_url)
    config = NepenthesConfig(
        public_url=lambda: nepenthes_url,
        nextcloud_url=lambda: nextcloud_url,
        data_dir=data_dir,
        token_ttl=token_ttl,
        device_grant=device_grant,
        fixed_user_code=fixed_user_code,
    )
    nextcloud_store, nextcloud_app = _nextcloud_side(data_dir, faults, lambda: nextcloud_url)
    init_schemas(store.db)
    seeded = store.is_empty()
    if seeded:
        seeding.seed(seed, store, nextcloud_store, config=config, sizes=seed_sizes or {})
    seeding.refresh_nextcloud_redirects(store, nextcloud_store, config)
    nepenthes_app = create_app(store, faults, config=config)
    # Lets `connect_user` give a user a Nextcloud token without the browser dance.
    nepenthes_app.state.issue_nextcloud_token = lambda login, client_id: (
        nextcloud_store.issue_oauth_token(login, client_id=client_id)
    )

    # Off the main thread uvicorn leaves signals alone: Ctrl-C stays with the caller.
    servers = [
        uvicorn.Server(
            uvicorn.Config(
                app,
                log_level="warning",
                access_log=False,
                lifespan="off",
                timeout_graceful_shutdown=5,
                # h11's 16 KiB default resets the connection on a large request head; real
                # servers answer such requests, so the sandbox must too.
                h11_max_incomplete_event_size=REQUEST_HEAD_LIMIT_BYTES,
            )
        )
        for app in (nepenthes_app, nextcloud_app)
    ]
    loop = asyncio.new_event_loop()
    thread = threading.Thread(
        target=_serve_forever,
        args=(loop, servers, [nepenthes_sock, nextcloud_sock]),
        name="nep-tui-sandbox",
        daemon=True,
    )
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not all(server.started for server in servers):
        if not thread.is_alive() or time.monotonic() > deadline:
            for server in servers:
                server.should_exit = True
            thread.join(timeout=5)
            raise RuntimeError("The sandbox servers did not start")
        time.sleep(0.005)

    credentials = _credentials(store, nextcloud_store, nepenthes_url, nextcloud_url)
    credentials_path = data_dir / "credentials.json"
    credentials_path.write_text(json.dumps(credentials, indent=2) + "\n", encoding="utf-8")
    credentials_path.chmod(0o600)
    return RunningSandbox(
        nepenthes_url=nepenthes_url,
        nextcloud_url=nextcloud_url,
        data_dir=data_dir,
        credentials=credentials,
        faults=faults,
        seeded=seeded,
        _nepenthes_app=nepenthes_app,
        _servers=servers,
        _thread=thread,
        _loop=loop,
        _stores=[store, nextcloud_store],
    )


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("nep-tui")) / "sandbox"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nep-tui sandbox", description="Run the Nepenthes + Nextcloud sandbox on 127.0.0.1."
    )
    parser.add_argument(
        "--seed",
        choices=["demo", "large", "empty", "bare"],
        default="demo",
        help="data to start with when the data dir is empty (default: %(default)s)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="data dir, kept between runs (default: sandbox/ in nep-tui's user data dir)",
    )
    parser.add_argument("--port", type=int, default=0, help="Nepenthes port (0 = a free port)")
    parser.add_argument(
        "--nextcloud-port", type=int, default=0, help="Nextcloud port (0 = a free port)"
    )
    parser.add_argument(
        "--projects",
        type=int,
        default=seeding.LARGE_DEFAULTS["projects"],
        help="projects of the large seed (default: %(default)s)",
    )
    parser.add_argument(
        "--work-packages",
        type=int,
        default=seeding.LARGE_DEFAULTS["work_packages"],
        help="work packages of the large seed (default: %(default)s)",
    )
    parser.add_argument(
        "--files",
        type=int,
        default=seeding.LARGE_DEFAULTS["files"],
        help="Nextcloud files of the large seed (default: %(default)s)",
    )
    parser.add_argument(
        "--token-ttl", type=int, default=7200, help="OAuth access token lifetime in seconds"
    )
    parser.add_argument(
        "--no-device-grant",
        action="store_true",
        help="no device authorization grant, as on a stock server",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    data_dir = args.data or default_data_dir()
    try:
        running = start_in_thread(
            data_dir,
            seed=args.seed,
            port=args.port,
            nextcloud_port=args.nextcloud_port,
            token_ttl=args.token_ttl,
            device_grant=not args.no_device_grant,
            seed_sizes={
                "projects": args.projects,
                "work_packages": args.work_packages,
                "files": args.files,
            },
        )
    except OSError as error:
        print(
            f"Could not start the sandbox: {error.strerror or error}. Choose other ports or free them.",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("Stopped before the sandbox was up.", file=sys.stderr)
        return 130
    print(f"Nepenthes: {running.nepenthes_url}")
    print(f"Nextcloud: {running.nextcloud_url}")
    print(f"Credentials: {data_dir / 'credentials.json'}")
    if not running.seeded:
        print(f"Kept the existing data in {data_dir} (--seed applies to an empty data dir only).")
    print("Press Ctrl-C to stop.", flush=True)
    try:
        while running._thread.is_alive():
            running._thread.join(timeout=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
