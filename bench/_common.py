"""Helpers the bench scripts share: a sandbox in a temporary folder and an API-token client."""

from __future__ import annotations

import tempfile
from pathlib import Path

from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource
from nep_tui.sandbox.server import RunningSandbox, start_in_thread


def start_sandbox(seed: str, sizes: dict | None = None) -> RunningSandbox:
    return start_in_thread(Path(tempfile.mkdtemp(prefix="nep-bench-")), seed=seed, seed_sizes=sizes)


def client_for(server_url: str, token: str) -> NepenthesClient:
    return NepenthesClient(server_url, ApiTokenSource(token), profile_name="bench")
