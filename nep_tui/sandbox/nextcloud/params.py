"""Reading request parameters the forgiving way PHP does: unreadable input is simply absent."""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request

MAX_ID = 2**63 - 1  # a PHP int (and SQLite INTEGER)


def parse_id(raw: object) -> int | None:
    """A positive id from an int or a string of digits; anything else is no id at all."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str):
        text = raw.strip()
        if not (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ID))):
            return None
        raw = int(text)
    if isinstance(raw, int) and 0 < raw <= MAX_ID:
        return raw
    return None


async def json_body(request: Request) -> object | None:
    try:
        body: object = json.loads(await request.body() or b"null")
        return body
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


async def request_params(request: Request) -> dict[str, Any]:
    """A JSON object body or the form fields, as a controller's parameters."""
    if "json" in request.headers.get("content-type", ""):
        body = await json_body(request)
        return body if isinstance(body, dict) else {}
    try:
        return dict(await request.form())
    except (HTTPException, MultiPartException, ValueError):
        return {}
