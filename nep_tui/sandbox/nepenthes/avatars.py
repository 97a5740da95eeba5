"""User avatars: `GET /api/v3/users/{id}/avatar` (the avatars module's API) and the web route
`/users/{id}/avatar` that a User's `avatar` names. Every sandbox user has a local avatar: a
small PNG in a colour of its own, made on the fly so nothing has to be stored."""

from __future__ import annotations

import struct
import zlib

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nep_tui.sandbox.nepenthes.meta import visible_user

SIDE = 16


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def avatar_png(user_id: int) -> bytes:
    """A real PNG (clients sniff the image against its Content-Type), one colour per user."""
    red, green, blue = (user_id * 97) % 256, (user_id * 57 + 80) % 256, (user_id * 31 + 160) % 256
    row = b"\x00" + bytes((red, green, blue)) * SIDE
    header = struct.pack(">IIBBBBB", SIDE, SIDE, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(row * SIDE))
        + _chunk(b"IEND", b"")
    )


async def avatar(request: Request) -> Response:
    _viewer, row = visible_user(request)
    return Response(avatar_png(row["id"]), media_type="image/png")


routes = [
    Route("/api/v3/users/{ref}/avatar", avatar, methods=["GET"]),
    Route("/users/{ref}/avatar", avatar, methods=["GET"]),
]
