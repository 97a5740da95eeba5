"""The sandbox process: CLI start, credentials.json, restart persistence, Ctrl-C, seed sizes."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from nep_tui.sandbox.server import start_in_thread

URL_LINE = re.compile(r"^(Nepenthes|Nextcloud): (http://127\.0\.0\.1:\d+)$")


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _start_cli(data_dir: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nep_tui.sandbox.server",
            "--seed",
            "demo",
            "--data",
            str(data_dir),
            "--port",
            "0",
            "--nextcloud-port",
            "0",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _read_urls(process: subprocess.Popen[str], timeout: float) -> dict[str, str]:
    urls: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while len(urls) < 2 and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        match = URL_LINE.match(line.strip())
        if match:
            urls[match.group(1)] = match.group(2)
    return urls


def test_cli_starts_within_three_seconds_and_writes_credentials(tmp_path):
    started = time.monotonic()
    process = _start_cli(tmp_path / "data")
    try:
        urls = _read_urls(process, timeout=10)
        elapsed = time.monotonic() - started
        assert set(urls) == {"Nepenthes", "Nextcloud"}, (
            process.stderr.read() if process.poll() is not None else urls
        )
        # Includes the interpreter's start-up and imports, as a user would see it.
        assert elapsed < 3.0, f"the demo sandbox took {elapsed:.2f} s to start"
        credentials = json.loads((tmp_path / "data" / "credentials.json").read_text())
        assert list(credentials) == [
            "nepenthes_url",
            "nextcloud_url",
            "oauth_client_id",
            "users",
            "nextcloud_admin",
        ]
        assert credentials["nepenthes_url"] == urls["Nepenthes"]
        assert credentials["nextcloud_url"] == urls["Nextcloud"]
        assert isinstance(credentials["oauth_client_id"], str) and credentials["oauth_client_id"]
        assert [user["login"] for user in credentials["users"]] == ["admin", "member", "newcomer"]
        assert [user["admin"] for user in credentials["users"]] == [True, False, False]
        for user in credentials["users"]:
            assert list(user) == ["login", "password", "api_token", "admin"]
            assert re.fullmatch(r"opapi-[0-9a-f]{64}", user["api_token"])
            assert user["password"] == f"{user['login']}-password"
        member = credentials["users"][1]
        answer = httpx.get(
            f"{urls['Nepenthes']}/api/v3/users/me", headers=_auth(member["api_token"])
        )
        assert answer.status_code == 200 and answer.json()["login"] == "member"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            _out, err = process.communicate(timeout=10)
        finally:
            process.kill()
    assert process.returncode == 0
    assert "Traceback" not in err


def test_cli_refuses_a_busy_port_with_one_sentence(tmp_path, sandbox):
    port = sandbox.nepenthes_url.rsplit(":", 1)[1]
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "nep_tui.sandbox.server",
            "--data",
            str(tmp_path / "d"),
            "--port",
            port,
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert process.returncode == 1
    assert "Could not start the sandbox" in process.stderr
    assert "Traceback" not in process.stderr


def test_servers_listen_on_loopback_only(sandbox):
    assert sandbox.nepenthes_url.startswith("http://127.0.0.1:")
    assert sandbox.nextcloud_url.startswith("http://127.0.0.1:")
    for server in sandbox._servers:
        assert server.servers, "uvicorn should be serving"
        for listener in server.servers:
            for sock in listener.sockets:
                assert sock.getsockname()[0] == "127.0.0.1"


def test_small_answers_on_kept_alive_connections_do_not_wait_for_delayed_acks(
    sandbox, member_token
):
    for server in sandbox._servers:
        for listener in server.servers:
            # What makes asyncio set TCP_NODELAY on each accepted connection.
            assert all(sock.proto == socket.IPPROTO_TCP for sock in listener.sockets)
    with httpx.Client(base_url=sandbox.nepenthes_url, headers=_auth(member_token)) as client:
        client.get("/api/v3/users/me")
        timings = []
        for _ in range(15):
            started = time.monotonic()
            client.get("/api/v3/users/me")
            timings.append(time.monotonic() - started)
    # Nagle + delayed ACK would make every one of them take ~40 ms.
    assert statistics.median(timings) < 0.035


def test_restart_on_the_same_data_dir_keeps_everything(tmp_path):
    data_dir = tmp_path / "data"
    first = start_in_thread(data_dir, seed="demo")
    try:
        token = first.user("member").api_token
        created = httpx.post(
            f"{first.nepenthes_url}/api/v3/projects/demo/work_packages",
            json={"subject": "Survives a restart"},
            headers=_auth(token),
        )
        assert created.status_code == 201
        wp_id = created.json()["id"]
    finally:
        first.stop()
    first.stop()  # idempotent

    second = start_in_thread(data_dir, seed="empty")
    try:
        assert first.seeded and not second.seeded, "a restart keeps the data, whatever --seed says"
        assert second.credentials["users"] == first.credentials["users"]
        # New ports, so Nextcloud must send the consent back to the new Nepenthes URL.
        redirect = second._on_loop(
            lambda: second._stores[1].oauth_client("nepenthes-storage-client").redirect_uri
        )
        assert redirect.startswith(second.nepenthes_url + "/oauth_clients/")
        answer = httpx.get(
            f"{second.nepenthes_url}/api/v3/work_packages/{wp_id}", headers=_auth(token)
        )
        assert answer.status_code == 200 and answer.json()["subject"] == "Survives a restart"
        # Seeded once: still exactly the demo projects.
        projects = httpx.get(
            f"{second.nepenthes_url}/api/v3/projects", headers=_auth(second.user("admin").api_token)
        )
        assert projects.json()["total"] == 5
        on_disk = json.loads((data_dir / "credentials.json").read_text())
        assert on_disk == second.credentials
    finally:
        second.stop()


def test_empty_seed_has_just_the_three_users(tmp_path):
    running = start_in_thread(tmp_path / "data", seed="empty")
    try:
        assert [user["login"] for user in running.credentials["users"]] == [
            "admin",
            "member",
            "newcomer",
        ]
        admin = running.user("admin")
        assert admin.admin and admin.api_token.startswith("opapi-")
        # Not the demo's fixed secrets: an empty sandbox is not a shared demo.
        assert admin.password != "admin-password"
        projects = httpx.get(
            f"{running.nepenthes_url}/api/v3/projects", headers=_auth(admin.api_token)
        )
        assert projects.status_code == 200 and projects.json()["total"] == 0
    finally:
        running.stop()


@pytest.mark.slow
def test_large_seed_is_fast_and_sized(tmp_path):
    started = time.monotonic()
    running = start_in_thread(
        tmp_path / "data",
        seed="large",
        seed_sizes={"projects": 500, "work_packages": 20000, "files": 2000},
    )
    elapsed = time.monotonic() - started
    try:
        assert elapsed < 15, f"seeding 500 projects and 20000 work packages took {elapsed:.1f} s"
        token = running.user("admin").api_token
        projects = httpx.get(
            f"{running.nepenthes_url}/api/v3/projects?pageSize=1", headers=_auth(token)
        )
        assert projects.json()["total"] == 500
        work_packages = httpx.get(
            f"{running.nepenthes_url}/api/v3/work_packages",
            params={"filters": "[]", "pageSize": 1},
            headers=_auth(token),
        )
        assert work_packages.json()["total"] == 20000
        page = httpx.get(
            f"{running.nepenthes_url}/api/v3/work_packages",
            params={"pageSize": -1},
            headers=_auth(token),
            timeout=30,
        )
        assert page.json()["count"] == 1000
    finally:
        running.stop()


def test_approve_device_code_in_process(fresh_sandbox):
    base = fresh_sandbox.nepenthes_url
    client_id = fresh_sandbox.credentials["oauth_client_id"]
    started = httpx.post(
        f"{base}/oauth/device_authorization", data={"client_id": client_id, "scope": "api_v3"}
    )
    assert started.status_code == 200, started.text
    fresh_sandbox.approve_device_code(started.json()["user_code"], "newcomer")
    token = httpx.post(
        f"{base}/oauth/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "device_code": started.json()["device_code"],
            "client_id": client_id,
        },
    )
    assert token.status_code == 200, token.text
    me = httpx.get(f"{base}/api/v3/users/me", headers=_auth(token.json()["access_token"]))
    assert me.status_code == 200 and me.json()["login"] == "newcomer"


def test_faults_are_reachable_in_process(fresh_sandbox):
    fresh_sandbox.set_faults(delay_ms=150)
    token = fresh_sandbox.user("member").api_token
    started = time.monotonic()
    httpx.get(f"{fresh_sandbox.nepenthes_url}/api/v3/users/me", headers=_auth(token))
    assert time.monotonic() - started >= 0.15
    fresh_sandbox.set_faults(reset=True)
    assert fresh_sandbox.faults.delay_ms == 0


def test_default_data_dir_is_under_the_user_data_dir(monkeypatch, tmp_path):
    from nep_tui.sandbox import server

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert server.default_data_dir().is_relative_to(tmp_path)
    assert os.fspath(server.default_data_dir()).count("nep-tui") == 1
