"""Reading answer bodies within limits: unpacked size (a compression bomb stays small), time
(a body that drips ends), progress (a stalled transfer ends, a moving one never does), and
what a broken-off body means ("cut off", not "could not be reached")."""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import AsyncGenerator, Iterator

import httpx

from nep_tui.api import errors as err

PIECE = 1024 * 1024  # largest piece unpacked at once: memory stays bounded whatever the ratio


class Unpacker:
    """Content-Encoding undone piece by piece (httpx would unpack a whole chunk at once)."""

    def __init__(self, encoding: str | None, endpoint: str) -> None:
        encoding = (encoding or "identity").strip().lower()
        if encoding in ("identity", ""):
            self._zlib = None
        elif encoding in ("gzip", "x-gzip", "deflate"):
            self._zlib = zlib.decompressobj(47)  # zlib or gzip header, detected
        else:
            raise err.MalformedResponse(endpoint, f"the answer is packed as {encoding!r}")
        self._endpoint = endpoint

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._zlib is None:
            if data:
                yield data
            return
        try:
            while data:
                piece = self._zlib.decompress(data, PIECE)
                if piece:
                    yield piece
                data = self._zlib.unconsumed_tail
        except zlib.error:
            raise err.MalformedResponse(self._endpoint, "the packed answer is corrupt") from None

    def finish(self) -> Iterator[bytes]:
        if self._zlib is not None:
            rest = self._zlib.flush()
            if rest:
                yield rest


def cut_off(host: str) -> err.AnswerCutOff:
    return err.AnswerCutOff(f"The answer from {host} was cut off before it was complete.")


async def read_answer(
    response: httpx.Response, *, endpoint: str, max_bytes: int, seconds: float
) -> None:
    """Read an API answer into `response.content`: at most `max_bytes` unpacked, within
    `seconds` overall. Breaks and timeouts become `AnswerCutOff`. Read once; again, a no-op."""
    if hasattr(response, "_content"):
        return
    host = response.request.url.host
    unpacker = Unpacker(response.headers.get("Content-Encoding"), endpoint)
    pieces: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(seconds):
            async for raw in response.aiter_raw():
                for piece in unpacker.feed(raw):
                    size += len(piece)
                    if size > max_bytes:
                        raise err.AnswerTooLarge(
                            f"The answer to {endpoint} unpacks to more than "
                            f"{max_bytes // (1024 * 1024)} MiB; nep-tui stopped reading it."
                        )
                    pieces.append(piece)
            pieces.extend(unpacker.finish())
    except TimeoutError:
        raise err.AnswerCutOff(
            f"The answer from {host} did not arrive in time: it stopped or came too slowly.",
            hint="Try again later; if the server is just slow, raise NEP_TUI_ANSWER_TIMEOUT.",
        ) from None
    except httpx.TimeoutException:
        raise err.AnswerCutOff(
            f"The answer from {host} stopped halfway.",
            hint="Try again later; if the server is just slow, raise NEP_TUI_READ_TIMEOUT.",
        ) from None
    except httpx.TransportError:
        raise cut_off(host) from None
    finally:
        await response.aclose()
    response._content = b"".join(pieces)


def _larger_than_the_file(host: str, max_bytes: int) -> err.AnswerTooLarge:
    return err.AnswerTooLarge(
        f"The download from {host} unpacks to more than the {max_bytes} bytes the file has; "
        "nep-tui stopped it."
    )


async def transfer_chunks(
    response: httpx.Response,
    *,
    endpoint: str,
    max_bytes: int | None,
    stall_seconds: float,
    stall_bytes: int,
) -> AsyncGenerator[bytes, None]:
    """A download's body, unpacked within `max_bytes` if it was packed; ends with
    `AnswerCutOff` when fewer than `stall_bytes` arrive in any `stall_seconds`."""
    host = response.request.url.host
    if response.is_stream_consumed:
        # Read whole already (a transport that answers from memory) and unpacked by httpx.
        if max_bytes is not None and len(response.content) > max_bytes:
            raise _larger_than_the_file(host, max_bytes)
        yield response.content
        return
    unpacker = Unpacker(response.headers.get("Content-Encoding"), endpoint)
    raw_chunks = response.aiter_raw().__aiter__()
    window_start, window_bytes, size = time.monotonic(), 0, 0
    while True:
        # Each read is awaited under the moment the stall would be certain: the end of this
        # window if it has not moved enough yet, else the end of the next. A task and a wait
        # per chunk (to keep one read across window ends) cost a fifth of the download speed.
        window_end = window_start + stall_seconds
        deadline = window_end if window_bytes < stall_bytes else window_end + stall_seconds
        try:
            async with asyncio.timeout_at(_loop_time(deadline)):
                raw = await raw_chunks.__anext__()
        except StopAsyncIteration:
            break
        except (TimeoutError, httpx.TimeoutException):
            raise _stalled(host, stall_seconds) from None
        except httpx.TransportError:
            raise cut_off(host) from None
        now = time.monotonic()
        if now >= window_end and window_bytes >= stall_bytes:
            window_start, window_bytes = now, 0  # that window passed: this chunk opens the next
        window_bytes += len(raw)
        if now >= window_start + stall_seconds:
            if window_bytes < stall_bytes:
                raise _stalled(host, stall_seconds)
            window_start, window_bytes = now, 0
        for piece in unpacker.feed(raw):
            size += len(piece)
            if max_bytes is not None and size > max_bytes:
                raise _larger_than_the_file(host, max_bytes)
            yield piece
    for piece in unpacker.finish():
        yield piece


def _loop_time(monotonic: float) -> float:
    """A `time.monotonic()` moment on the event loop's clock."""
    return asyncio.get_running_loop().time() + monotonic - time.monotonic()


def _stalled(host: str, seconds: float) -> err.AnswerCutOff:
    return err.AnswerCutOff(
        f"The download from {host} stalled: almost nothing arrived for {seconds:g} s.",
        hint="Try again later; on a very slow line raise NEP_TUI_STALL_TIMEOUT.",
    )
