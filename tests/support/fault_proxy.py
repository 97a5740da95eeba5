"""A fault-injecting HTTP proxy for the tests: it sits on 127.0.0.1 between nep-tui and the
sandbox, one port for the Nepenthes side and one for the Nextcloud side, and misbehaves on
request as networks, proxies and gateways do.

Answers are forwarded with both upstream URLs rewritten to the proxy's own, so the Nextcloud
URLs in Nepenthes answers (storage origin, download redirects, upload links) lead through the
proxy too. One request per connection (`Connection: close`): simple, and every fault is exact.

    proxy.add("cut", path=r"/api/v3/projects$")          # the next matching request
    proxy.add("status", side="nextcloud", status=401, times=None)   # every one
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import struct
import threading
import zlib
from dataclasses import dataclass, field
from typing import Any

SIGN_IN_PAGE = (
    b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>"
    b'<form method="post" action="/sso/login"><input name="username"><input name="password" '
    b'type="password"><button>Sign in</button></form></body></html>'
)
REWRITTEN_TYPES = ("json", "xml", "html", "text")


@dataclass
class Fault:
    kind: str
    side: str = "nepenthes"
    method: str | None = None
    path: str = ""
    times: int | None = 1  # None: every matching request
    params: dict[str, Any] = field(default_factory=dict)
    hits: int = 0

    def matches(self, side: str, method: str, target: str) -> bool:
        return (
            self.side == side
            and (self.method is None or self.method == method)
            and re.search(self.path, target) is not None
            and (self.times is None or self.hits < self.times)
        )


@dataclass
class Answer:
    head: bytes  # status line and headers, without the blank line
    body: bytes

    @property
    def status_line(self) -> bytes:
        return self.head.split(b"\r\n", 1)[0]

    def header(self, name: str) -> str | None:
        for line in self.head.split(b"\r\n")[1:]:
            key, _, value = line.partition(b":")
            if key.strip().lower() == name.lower().encode():
                return value.strip().decode("latin-1")
        return None

    def without(self, *names: str) -> list[bytes]:
        lowered = {name.lower().encode() for name in names}
        return [
            line
            for line in self.head.split(b"\r\n")[1:]
            if line.partition(b":")[0].strip().lower() not in lowered
        ]

    def encode(self, *, content_length: bool = True) -> bytes:
        lines = [self.status_line, *self.without("content-length", "transfer-encoding")]
        if content_length:
            lines.append(f"Content-Length: {len(self.body)}".encode())
        lines.append(b"Connection: close")
        return b"\r\n".join(lines) + b"\r\n\r\n"


def simple_answer(status: int, body: bytes, content_type: str, **headers: str) -> Answer:
    lines = [f"HTTP/1.1 {status} Fault", f"Content-Type: {content_type}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return Answer("\r\n".join(lines).encode(), body)


class FaultProxy:
    """Runs in its own thread with its own event loop; `stop()` ends it."""

    def __init__(self, nepenthes_url: str, nextcloud_url: str) -> None:
        self.upstream = {"nepenthes": nepenthes_url, "nextcloud": nextcloud_url}
        self.faults: list[Fault] = []
        self.seen: list[tuple[str, str, str, dict[str, str]]] = []  # side, method, target, headers
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._servers: list[asyncio.AbstractServer] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.urls: dict[str, str] = {}
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        self.nepenthes_url = self.urls["nepenthes"]
        self.nextcloud_url = self.urls["nextcloud"]

    def add(
        self,
        kind: str,
        *,
        side: str = "nepenthes",
        method: str | None = None,
        path: str = "",
        times: int | None = 1,
        **params: Any,
    ) -> Fault:
        fault = Fault(kind, side, method, path, times, params)
        with self._lock:
            self.faults.append(fault)
        return fault

    def requests(self, side: str | None = None) -> list[tuple[str, str]]:
        return [(method, target) for s, method, target, _ in self.seen if side in (None, s)]

    def stop(self) -> None:
        async def shut() -> None:
            for server in self._servers:
                server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(shut(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    # --- serving ---------------------------------------------------------------------------------

    async def _start(self) -> None:
        for side in self.upstream:
            server = await asyncio.start_server(
                lambda r, w, side=side: self._track(self._serve(side, r, w)), "127.0.0.1", 0
            )
            self._servers.append(server)
            self.urls[side] = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"

    def _track(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _fault_for(self, side: str, method: str, target: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(side, method, target):
                    fault.hits += 1
                    return fault
        return None

    async def _serve(self, side: str, reader: asyncio.StreamReader, writer: Any) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            method, target, headers = _parse_request(head)
            length = int(headers.get("content-length", "0"))
            body = await reader.readexactly(length) if length else b""
            self.seen.append((side, method, target, headers))
            fault = self._fault_for(side, method, target)
            await self._answer(side, fault, head, body, writer)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _answer(
        self, side: str, fault: Fault | None, head: bytes, body: bytes, writer: Any
    ) -> None:
        kind = fault.kind if fault else "pass"
        params = fault.params if fault else {}
        made = _made_answer(kind, params)
        if kind == "no_headers":
            await asyncio.sleep(params.get("seconds", 3600))
            return
        if kind == "drop":
            _reset(writer)  # the request never reaches the server
            return
        answer = made or await self._forward(side, head, body)
        if kind == "lost_answer":
            _reset(writer)  # the server did it; its answer never arrives
            return
        await _deliver(kind, params, answer, writer)

    async def _forward(self, side: str, head: bytes, body: bytes) -> Answer:
        host, port = self.upstream[side].removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        lines = head.split(b"\r\n")
        kept = [
            line
            for line in lines[1:]
            if line and line.partition(b":")[0].strip().lower() not in (b"connection", b"host")
        ]
        request = [lines[0], f"Host: {host}:{port}".encode(), b"Connection: close", *kept]
        writer.write(b"\r\n".join(request) + b"\r\n\r\n" + body)
        await writer.drain()
        raw = await reader.read()
        writer.close()
        answer_head, _, answer_body = raw.partition(b"\r\n\r\n")
        answer = Answer(answer_head, answer_body)
        if (answer.header("transfer-encoding") or "").lower() == "chunked":
            answer.body = _dechunk(answer_body)
        return self._rewritten(answer)

    def _rewritten(self, answer: Answer) -> Answer:
        """Upstream URLs become the proxy's, in the headers and in text answers."""
        content_type = (answer.header("content-type") or "").lower()
        rewrite_body = any(kind in content_type for kind in REWRITTEN_TYPES) and not (
            answer.header("content-encoding")
        )
        for side, upstream in self.upstream.items():
            ours = self.urls[side].encode()
            answer.head = answer.head.replace(upstream.encode(), ours)
            if rewrite_body:
                answer.body = answer.body.replace(upstream.encode(), ours)
                # JSON escapes slashes sometimes (`http:\/\/`).
                answer.body = answer.body.replace(
                    upstream.replace("/", "\\/").encode(), ours.replace(b"/", b"\\/")
                )
        return answer


def _made_answer(kind: str, params: dict[str, Any]) -> Answer | None:
    """The answers the proxy makes up itself instead of forwarding."""
    if kind == "status":
        headers = dict(params.get("headers", {}))
        return simple_answer(
            params["status"], params.get("body", b""), params.get("type", "text/plain"), **headers
        )
    if kind == "html":
        return simple_answer(200, SIGN_IN_PAGE, "text/html; charset=utf-8")
    if kind == "gzip_bomb":
        unpacked = params.get("unpacked", 200 * 1024 * 1024)
        body = packed_zeros(unpacked)
        return simple_answer(
            200,
            body,
            params.get("type", "application/hal+json"),
            Content_Encoding="gzip",
        )
    if kind == "huge_json":
        size = params.get("size", 8 * 1024 * 1024)
        filler = b'"' + b"x" * size + b'"'
        return simple_answer(
            200, b'{"_type": "User", "id": 1, "name": ' + filler + b"}", "application/hal+json"
        )
    if kind == "redirect":
        return simple_answer(params.get("status", 302), b"", "text/plain", Location=params["to"])
    return None


_BOMBS: dict[int, bytes] = {}


def packed_zeros(unpacked: int) -> bytes:
    """Gzip of `unpacked` zero bytes, compressed piece by piece so the test stays small too."""
    if unpacked not in _BOMBS:
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)
        block = bytes(1024 * 1024)
        parts = [
            packer.compress(block[: min(len(block), unpacked - done)])
            for done in range(0, unpacked, len(block))
        ]
        _BOMBS[unpacked] = b"".join(parts) + packer.flush()
    return _BOMBS[unpacked]


def _parse_request(head: bytes) -> tuple[str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
    return method, target, headers


def _dechunk(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2 :]
    return bytes(out)


async def _deliver(kind: str, params: dict[str, Any], answer: Answer, writer: Any) -> None:
    """Write `answer` to the client whole, or broken the way fault `kind` breaks it."""
    data = answer.body
    if kind in ("pass", "status", "html", "gzip_bomb", "huge_json", "redirect"):
        writer.write(answer.encode() + data)
        await writer.drain()
        return
    half = data[: max(1, len(data) // 2)] if data else b""
    if kind == "cut":
        writer.write(answer.encode(content_length=params.get("length", True)) + half)
        await writer.drain()
        return
    if kind == "reset":
        writer.write(answer.encode() + half)
        await writer.drain()
        await asyncio.sleep(0.05)
        _reset(writer)
        return
    if kind == "stall":
        writer.write(answer.encode() + half)
        await writer.drain()
        await asyncio.sleep(params.get("seconds", 3600))
        return
    if kind == "drip":
        writer.write(answer.encode())
        await writer.drain()
        chunk = params.get("chunk", 1)
        for start in range(0, len(data), chunk):
            writer.write(data[start : start + chunk])
            await writer.drain()
            await asyncio.sleep(params.get("interval", 1.0))
        return
    raise ValueError(f"unknown fault {kind!r}")


def _reset(writer: Any) -> None:
    """Close with RST instead of FIN, as a dropped connection does."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


# Short limits for tests: a fault shows within a second or two.
FAST = {
    "connect_seconds": 2.0,
    "read_seconds": 1.0,
    "answer_seconds": 2.0,
    "stall_seconds": 1.0,
    "stall_bytes": 64,
    "answer_mib": 1.0,
    "retry_after_seconds": 1.0,
}
FAST_ENV = {
    "NEP_TUI_CONNECT_TIMEOUT": "2",
    "NEP_TUI_READ_TIMEOUT": "1",
    "NEP_TUI_ANSWER_TIMEOUT": "2",
    "NEP_TUI_STALL_TIMEOUT": "1",
    "NEP_TUI_MAX_ANSWER_MB": "1",
}
