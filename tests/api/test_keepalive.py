"""An idle connection is not reused near the time servers commonly close it (5 s), so a POST
never goes out on a socket the server is just closing (it could not be retried safely)."""

from __future__ import annotations

import asyncio

from nep_tui.api.http import KEEPALIVE_EXPIRY_SECONDS, ApiHttp, ApiTokenSource

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
COMMON_SERVER_KEEPALIVE_SECONDS = 5.0


async def test_an_idle_connection_is_let_go_before_servers_close_it():
    connections = 0

    async def answer_each_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        nonlocal connections
        connections += 1
        # Keeps every connection open for as long as the client wants it.
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(ANSWER)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(answer_each_request, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    http = ApiHttp(f"http://127.0.0.1:{port}", ApiTokenSource("opapi-" + "ab" * 32))
    try:
        await http.json("GET", "/api/v3")
        await http.json("GET", "/api/v3")
        assert connections == 1  # kept alive while in use
        assert KEEPALIVE_EXPIRY_SECONDS < COMMON_SERVER_KEEPALIVE_SECONDS / 2
        await asyncio.sleep(KEEPALIVE_EXPIRY_SECONDS + 0.3)
        await http.json("POST", "/api/v3/work_packages/1/file_links", json={})
        assert connections == 2
    finally:
        await http.aclose()
        server.close()
