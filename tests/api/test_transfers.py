"""Downloads land atomically via NAME.part and never clobber; uploads stream multipart from
disk with an exact Content-Length. Against a tiny local HTTP server."""

from __future__ import annotations

import asyncio
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from nep_tui.api import transfers
from nep_tui.api.errors import DownloadTargetExists, LocalFileError, NetworkUnreachable

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB
BIG = 64 * len(PAYLOAD)


class Handler(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []
    stall = threading.Event()

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/big":
            self.send_response(200)
            self.send_header("Content-Length", str(BIG))
            self.end_headers()
            for _ in range(BIG // len(PAYLOAD)):
                self.wfile.write(PAYLOAD)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD)))
        self.end_headers()
        if self.path == "/broken":
            self.wfile.write(PAYLOAD[:1000])
            self.wfile.flush()
            self.connection.shutdown(2)
            return
        if self.path == "/slow":
            self.wfile.write(PAYLOAD[:1000])
            self.wfile.flush()
            self.stall.wait(5)
            return
        self.wfile.write(PAYLOAD)

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        if self.path == "/discard":
            while length:
                length -= len(self.rfile.read(min(length, 1 << 20)))
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = self.rfile.read(length)
        Handler.received.append((dict(self.headers), body))
        self.send_response(201)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    Handler.stall.set()
    httpd.shutdown()


async def download(url: str, target: Path, **kwargs) -> Path:
    async with httpx.AsyncClient() as client:
        async with client.stream("GET", url) as response:
            return await transfers.save_stream(response, target, **kwargs)


async def test_download_reports_progress_and_leaves_no_part(server, tmp_path):
    seen: list[tuple[int, int | None]] = []
    target = tmp_path / "file.bin"
    await download(
        f"{server}/file",
        target,
        overwrite=False,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert target.read_bytes() == PAYLOAD
    assert seen[0] == (0, len(PAYLOAD)) and seen[-1] == (len(PAYLOAD), len(PAYLOAD))
    assert [p.name for p in tmp_path.iterdir()] == ["file.bin"]


async def test_existing_file_is_never_overwritten_unless_asked(server, tmp_path):
    target = tmp_path / "file.bin"
    target.write_bytes(b"precious")
    with pytest.raises(DownloadTargetExists) as caught:
        await download(f"{server}/file", target, overwrite=False, progress=None)
    assert target.read_bytes() == b"precious" and str(target) in caught.value.message
    await download(f"{server}/file", target, overwrite=True, progress=None)
    assert target.read_bytes() == PAYLOAD
    assert transfers.unique_path(target).name == "file (1).bin"


async def test_a_broken_download_leaves_nothing_behind(server, tmp_path):
    target = tmp_path / "broken.bin"
    target.write_bytes(b"old")
    with pytest.raises((httpx.HTTPError, NetworkUnreachable)):
        await download(f"{server}/broken", target, overwrite=True, progress=None)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.bin"]


async def test_a_cancelled_download_leaves_no_part_file(server, tmp_path):
    target = tmp_path / "slow.bin"
    started = asyncio.Event()
    task = asyncio.create_task(
        download(
            f"{server}/slow",
            target,
            overwrite=False,
            progress=lambda done, total: done and started.set(),
        )
    )
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert list(tmp_path.iterdir()) == []


def test_resolve_target_puts_files_into_directories(tmp_path):
    assert transfers.resolve_target(tmp_path, "../a.txt") == tmp_path / "_a.txt"
    assert transfers.resolve_target(tmp_path / "chosen.txt", "a.txt") == tmp_path / "chosen.txt"


async def test_upload_streams_an_exact_multipart_body(server, tmp_path):
    source = tmp_path / 'my "quoted" file.bin'
    source.write_bytes(PAYLOAD)
    body = transfers.MultipartFile(source, fields=(("overwrite", "false", None),))
    seen: list[int] = []
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{server}/upload",
            headers=body.headers,
            content=body.body(lambda done, total: seen.append(done)),
        )
    assert response.status_code == 201
    headers, raw = Handler.received[-1]
    assert int(headers["Content-Length"]) == len(raw)
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {headers['Content-Type']}\r\n\r\n".encode() + raw
    )
    parts = {
        part.get_param("name", header="content-disposition"): part for part in message.iter_parts()
    }
    assert parts["overwrite"].get_content() == "false"
    assert parts["file"].get_payload(decode=True) == PAYLOAD
    assert parts["file"].get_filename() == 'my "quoted" file.bin'
    assert seen[-1] == len(PAYLOAD)


async def test_a_file_gone_before_it_is_sent_is_a_typed_error(server, tmp_path):
    source = tmp_path / "chosen.bin"
    source.write_bytes(PAYLOAD)
    body = transfers.MultipartFile(source)
    source.unlink()  # removed between choosing it and sending it
    async with httpx.AsyncClient() as client:
        with pytest.raises(LocalFileError) as caught:
            await client.post(f"{server}/upload", headers=body.headers, content=body.body())
    assert str(source) in caught.value.message


async def test_transfers_keep_memory_flat(server, tmp_path):
    """64 MiB each way while tracing allocations: the peak stays a small constant."""
    import tracemalloc

    source = tmp_path / "big-upload.bin"
    with open(source, "wb") as handle:
        handle.truncate(BIG)  # sparse: reads back as zeros without using the disk
    tracemalloc.start()
    try:
        body = transfers.MultipartFile(source)
        async with httpx.AsyncClient(timeout=60) as client:
            answer = await client.post(
                f"{server}/discard", headers=body.headers, content=body.body()
            )
            assert answer.status_code == 201
            async with client.stream("GET", f"{server}/big") as response:
                target = await transfers.save_stream(
                    response, tmp_path / "big-download.bin", overwrite=False, progress=None
                )
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert target.stat().st_size == BIG
    assert peak < 16 * 1024 * 1024, f"peak traced memory {peak / 2**20:.1f} MiB"
