"""The global options of one CLI run, and how a command gets a client from them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import click

if TYPE_CHECKING:
    from nep_tui.api.client import NepenthesClient

R = TypeVar("R")


@dataclass
class CliState:
    server: str | None = None
    token: str | None = None
    profile: str | None = None
    json: bool = False
    ca_bundle: str | None = None
    insecure_http: bool = False

    def call(self, action: Callable[[NepenthesClient], Awaitable[R]]) -> R:
        """Open the client for these options, run `action` with it, close it again."""
        import asyncio  # only the commands that talk to a server pay for loading it

        return asyncio.run(self._with_client(action))

    async def _with_client(self, action: Callable[[NepenthesClient], Awaitable[R]]) -> R:
        from nep_tui.api.session import open_client

        client = open_client(
            profile=self.profile,
            server=self.server,
            token=self.token,
            ca_bundle=self.ca_bundle,
            insecure_http=self.insecure_http,
        )
        async with client:
            return await action(client)


pass_state = click.make_pass_decorator(CliState)
