"""Fixtures of the CLI fault tests: the real CLI, through the fault proxy, with short limits."""

from __future__ import annotations

import pytest
from support.fault_proxy import FAST_ENV, FaultProxy


@pytest.fixture
def fast_limits(monkeypatch) -> None:
    """The CLI's limits from the environment, short: a fault shows within a second or two."""
    for variable, value in FAST_ENV.items():
        monkeypatch.setenv(variable, value)


@pytest.fixture
def own_proxy(fresh_sandbox, fast_limits):
    """A fault proxy in front of a sandbox of the test's own (the test's writes change it)."""
    proxy = FaultProxy(fresh_sandbox.nepenthes_url, fresh_sandbox.nextcloud_url)
    yield proxy
    proxy.stop()
