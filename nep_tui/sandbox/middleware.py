"""ASGI middleware both sandbox servers use: the `delay_ms` fault, and a guard that turns a bug
into the server's own error answer instead of a traceback or a dropped connection."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nep_tui.sandbox.faults import FaultState

log = logging.getLogger(__name__)


class FaultDelay:
    """The `delay_ms` fault: every answer waits that long first."""

    def __init__(self, app: ASGIApp, faults: FaultState) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.faults.delay_ms > 0:
            await asyncio.sleep(self.faults.delay_ms / 1000)
        await self.app(scope, receive, send)


class CrashGuard:
    """Logs an unhandled error and answers with `crash_response(request)`, in the shape the
    imitated server uses (Starlette's own handler re-raises, which drops a keep-alive socket)."""

    def __init__(self, app: ASGIApp, crash_response: Callable[[Request], Response]) -> None:
        self.app = app
        self.crash_response = crash_response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        except ClientDisconnect:
            # The client went away mid-request (a cancelled upload): nobody is left to answer,
            # and nothing on this side went wrong.
            log.info("Client left during %s %s", scope["method"], scope["path"])
        except Exception:
            request = Request(scope)
            log.exception("Sandbox failed on %s %s", request.method, request.url.path)
            if started:
                raise  # half an answer is out; only dropping the connection is left
            await self.crash_response(request)(scope, receive, send)
