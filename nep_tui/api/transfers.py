"""Streaming file transfers: downloads to `NAME.part` then an atomic rename, uploads as a
multipart body streamed from disk with a precomputed Content-Length (constant memory).

Existing files: a download never replaces an existing file unless `overwrite=True`; otherwise it
raises `DownloadTargetExists` and leaves the file alone. Callers who want "keep both" ask
`unique_path(path)` for a free `name (1).ext` and download there.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import httpx

from nep_tui.api import bodies
from nep_tui.api.errors import AnswerCutOff, DownloadTargetExists, LocalFileError
from nep_tui.api.http import RereadableBody, endpoint_of, is_html, sign_in_page
from nep_tui.api.limits import Limits
from nep_tui.formatting import safe_file_name

Progress = Callable[[int, int | None], None]
SizeLookup = Callable[[], Awaitable[int | None]]
HTML_SUFFIXES = (".html", ".htm", ".xhtml")

CHUNK_SIZE = 256 * 1024
WRITE_BLOCK_SIZE = 1024 * 1024


def unique_path(path: Path) -> Path:
    """`path` if free, else the first free `stem (N)suffix`."""
    if not path.exists():
        return path
    number = 1
    while True:
        candidate = path.with_name(f"{path.stem} ({number}){path.suffix}")
        if not candidate.exists():
            return candidate
        number += 1


def resolve_target(dest: Path | str, server_name: str | None) -> Path:
    """An existing directory receives the file under its (sanitised) server name; any other
    path is taken as the file path the user chose."""
    dest = Path(dest).expanduser()
    if dest.is_dir():
        return dest / safe_file_name(server_name)
    return dest


def _part_path(target: Path) -> Path:
    return target.with_name(target.name + ".part")


@dataclass(frozen=True)
class Expected:
    """What the API said about the file, to check the download against."""

    size: int | None = None
    content_type: str | None = None
    # Asked only when the answer promises no length (a close-delimited body).
    size_lookup: SizeLookup | None = None


DEFAULT_LIMITS = Limits()
NOTHING_EXPECTED = Expected()


def _html_expected(expected: Expected, target: Path) -> bool:
    if expected.content_type:
        return "html" in expected.content_type.lower()
    return target.suffix.lower() in HTML_SUFFIXES


async def save_stream(
    response: httpx.Response,
    target: Path,
    *,
    overwrite: bool,
    progress: Progress | None,
    limits: Limits = DEFAULT_LIMITS,
    expected: Expected = NOTHING_EXPECTED,
) -> Path:
    """Write a streamed answer to `target` via `target.part`; nothing half-written survives,
    and the target is replaced only by a body of the size the server promised."""
    if target.exists() and not overwrite:
        raise DownloadTargetExists(str(target))
    if is_html(response) and not _html_expected(expected, target):
        raise sign_in_page(response)
    packed = response.headers.get("Content-Encoding", "identity").lower() != "identity"
    size = expected.size
    if packed and size is None and expected.size_lookup is not None:
        # Packed although identity was asked for: the file's size bounds what is unpacked.
        size = await expected.size_lookup()
    total = None if packed else _content_length(response)
    total = total if total is not None else size
    chunks = bodies.transfer_chunks(
        response,
        endpoint=endpoint_of(response.request.method, response.request.url),
        max_bytes=size if packed else None,
        stall_seconds=limits.stall_seconds,
        stall_bytes=limits.stall_bytes,
    )
    part = _part_path(target)
    done = 0
    try:
        try:
            with open(part, "wb") as out:
                writer = _WriteBehind(out)
                try:
                    if progress:
                        progress(0, total)
                    async with contextlib.aclosing(chunks):
                        async for chunk in chunks:
                            await writer.write(chunk)
                            done += len(chunk)
                            if progress:
                                progress(done, total)
                    await writer.close()
                finally:
                    await writer.settle()
            await _check_complete(response, done, total, expected)
            _move_into_place(part, target, overwrite=overwrite)
        except OSError as exc:  # a full disk, a folder that may not be written, ...
            raise local_file_error("write", target, exc) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
        raise
    return target


class _WriteBehind:
    """Writes a download in blocks on a worker thread while the next block arrives.

    Written on the event loop, every chunk held up the network reads (and, in the TUI, the
    screen) for as long as the disk took; in a thread, writing overlaps receiving. At most two
    blocks are held: the one being written and the one being filled."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        # The chunks as received, not joined: joining copied every byte once more.
        self._block: list[bytes] = []
        self._block_size = 0
        self._writing: asyncio.Future[None] | None = None

    async def write(self, chunk: bytes) -> None:
        self._block.append(chunk)
        self._block_size += len(chunk)
        if self._block_size >= WRITE_BLOCK_SIZE:
            await self._hand_over()

    async def close(self) -> None:
        """Write what is left and wait until all of it is written."""
        await self._hand_over()
        await self._wait()

    async def settle(self) -> None:
        """Wait for a write under way (after a failure too), so the file is not closed under
        the thread; its own failure is not the one to report then."""
        if self._writing is not None:
            await asyncio.wait({self._writing})
            self._writing = None

    async def _hand_over(self) -> None:
        await self._wait()
        if self._block:
            block, self._block, self._block_size = self._block, [], 0
            self._writing = asyncio.ensure_future(asyncio.to_thread(self._out.writelines, block))

    async def _wait(self) -> None:
        if self._writing is not None:
            # Shielded: a cancel must not leave the thread writing into a file being closed.
            await asyncio.shield(self._writing)
            self._writing = None


async def _check_complete(
    response: httpx.Response, done: int, total: int | None, expected: Expected
) -> None:
    """A body that ended short of its promised size was cut off, however it ended."""
    if total is None and expected.size_lookup is not None:
        total = await expected.size_lookup()
    if total is not None and done < total:
        raise AnswerCutOff(
            f"The download from {response.request.url.host} was cut off after {done} of "
            f"{total} bytes; nothing was saved.",
            hint="Try again.",
        )


def local_file_error(action: str, path: Path, exc: OSError) -> LocalFileError:
    return LocalFileError(f"Could not {action} {path}: {exc.strerror or exc}.")


def _move_into_place(part: Path, target: Path, *, overwrite: bool) -> None:
    if overwrite:
        os.replace(part, target)
        return
    try:
        os.link(part, target)  # fails if target appeared meanwhile: never clobbers
    except FileExistsError:
        raise DownloadTargetExists(str(target)) from None
    except OSError:
        if target.exists():
            raise DownloadTargetExists(str(target)) from None
        os.replace(part, target)
        return
    part.unlink()


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("Content-Length")
    return int(value) if value and value.isdigit() else None


# --- multipart upload from disk -----------------------------------------------------------------


def _quote_param(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "")


@dataclass
class MultipartFile:
    """A multipart/form-data body: small text fields, then one file part streamed from disk."""

    path: Path
    file_field: str = "file"
    file_name: str | None = None
    fields: tuple[tuple[str, str, str | None], ...] = ()  # (name, value, content type)
    content_type: str = "application/octet-stream"

    def __post_init__(self) -> None:
        self.boundary = f"nep-tui-{secrets.token_hex(16)}"
        try:
            self.file_size = self.path.stat().st_size
        except OSError as exc:  # gone, or not readable, since it was chosen
            raise local_file_error("read", self.path, exc) from None
        self._head = b"".join(self._field_part(*field) for field in self.fields)
        name = _quote_param(self.file_name or self.path.name)
        self._head += (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{self.file_field}"; '
            f'filename="{name}"\r\nContent-Type: {self.content_type}\r\n\r\n'
        ).encode()
        self._tail = f"\r\n--{self.boundary}--\r\n".encode()

    def _field_part(self, name: str, value: str, content_type: str | None) -> bytes:
        head = (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{_quote_param(name)}"\r\n'
        )
        if content_type:
            head += f"Content-Type: {content_type}\r\n"
        return (head + "\r\n").encode() + value.encode() + b"\r\n"

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": f"multipart/form-data; boundary={self.boundary}",
            "Content-Length": str(len(self._head) + self.file_size + len(self._tail)),
        }

    def body(self, progress: Progress | None = None) -> RereadableBody:
        """The body to send; sent again (a 401 retry) it re-reads the file and restarts
        `progress` from 0."""
        return RereadableBody(lambda: self._chunks(progress))

    async def _chunks(self, progress: Progress | None) -> AsyncIterator[bytes]:
        yield self._head
        done = 0
        if progress:
            progress(0, self.file_size)
        try:
            source = open(self.path, "rb")
        except OSError as exc:
            raise local_file_error("read", self.path, exc) from None
        with source:
            while True:
                try:
                    chunk = await asyncio.to_thread(source.read, CHUNK_SIZE)
                except OSError as exc:
                    raise local_file_error("read", self.path, exc) from None
                if not chunk:
                    break
                done += len(chunk)
                yield chunk
                if progress:
                    progress(done, self.file_size)
        yield self._tail


def attachment_multipart(path: Path, file_name: str) -> MultipartFile:
    """API v3 attachment upload: a JSON `metadata` part, then the `file` part."""
    metadata = json.dumps({"fileName": file_name})
    return MultipartFile(
        path, file_name=file_name, fields=(("metadata", metadata, "application/json"),)
    )


def readable_upload_source(path: Path | str) -> Path:
    """The file to upload, checked before any request is made."""
    source = Path(path).expanduser()
    if not source.is_file():
        raise LocalFileError(
            f"{source} is not a readable file.", hint="Check the path and try again."
        )
    if not os.access(source, os.R_OK):
        raise LocalFileError(f"{source} cannot be read.", hint="Check the file's permissions.")
    return source
