"""Shared fixtures: one demo sandbox per test session (per xdist worker), over real HTTP."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support import SHARED_DIR
from support.fixed_ports import port_is_free

os.environ["TZ"] = "UTC"
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")


def _worker_index() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker.removeprefix("gw") or 0)


def stable_ports() -> tuple[int, int]:
    """Ports derived from the worker id so URLs in snapshots do not change between runs."""
    base = 47100 + 10 * _worker_index()
    if port_is_free(base) and port_is_free(base + 1):
        return base, base + 1
    return 0, 0


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    from nep_tui.sandbox.server import start_in_thread

    port, nextcloud_port = stable_ports()
    running = start_in_thread(
        tmp_path_factory.mktemp("sandbox"),
        seed="demo",
        port=port,
        nextcloud_port=nextcloud_port,
        fixed_user_code="WDJB-MJHT",
    )
    yield running
    running.stop()


@pytest.fixture
def fresh_sandbox(tmp_path):
    """A sandbox of one's own, for tests that change shared state (faults, deletions)."""
    from nep_tui.sandbox.server import start_in_thread

    running = start_in_thread(tmp_path / "sandbox", seed="demo")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def short_lived(tmp_path_factory):
    """A sandbox of the test module's own whose OAuth access tokens live SHORT_TOKEN_TTL s."""
    from support.oauth import SHORT_TOKEN_TTL

    from nep_tui.sandbox.server import start_in_thread

    running = start_in_thread(
        tmp_path_factory.mktemp("short-lived"), seed="demo", token_ttl=SHORT_TOKEN_TTL
    )
    yield running
    running.stop()


@pytest.fixture
def member_token(sandbox) -> str:
    return sandbox.user("member").api_token


@pytest.fixture
def admin_token(sandbox) -> str:
    return sandbox.user("admin").api_token


@pytest.fixture
def newcomer_token(sandbox) -> str:
    return sandbox.user("newcomer").api_token


@pytest.fixture(autouse=True)
def isolated_config(tmp_path, monkeypatch) -> Path:
    """Each test gets its own config dir, and no profile or token leaks in from the environment."""
    config_dir = tmp_path / "config"
    monkeypatch.setenv("NEP_TUI_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("NEP_TUI_LOG_DIR", str(tmp_path / "log"))
    monkeypatch.setenv("NEP_TUI_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("NEP_TUI_SERVER", "NEP_TUI_TOKEN", "NEP_TUI_PROFILE", "SSL_CERT_FILE"):
        monkeypatch.delenv(name, raising=False)
    return config_dir


@pytest.fixture(scope="session")
def openapi_spec_path() -> Path:
    candidate = os.environ.get("NEP_TUI_OPENAPI_SPEC")
    path = Path(candidate) if candidate else SHARED_DIR / "reference" / "openproject-apiv3.json"
    if not path.is_file():
        pytest.skip(
            f"OpenAPI spec not found at {path}: set NEP_TUI_OPENAPI_SPEC to check the sandbox against it"
        )
    return path


@pytest.fixture
def fault_proxy(sandbox):
    """A fault-injecting proxy in front of the demo sandbox's two servers (tests/support)."""
    from support.fault_proxy import FaultProxy

    proxy = FaultProxy(sandbox.nepenthes_url, sandbox.nextcloud_url)
    yield proxy
    proxy.stop()


@pytest.fixture
async def through_proxy(fault_proxy, sandbox):
    """`member`'s client, talking to the sandbox through `fault_proxy`, with short limits."""
    from support.fault_proxy import FAST

    from nep_tui.api.client import NepenthesClient
    from nep_tui.api.http import ApiTokenSource
    from nep_tui.api.limits import Limits

    notices: list[str] = []
    client = NepenthesClient(
        fault_proxy.nepenthes_url,
        ApiTokenSource(sandbox.user("member").api_token),
        limits=Limits(**FAST),
        notice=notices.append,
    )
    client.notices = notices  # type: ignore[attr-defined]
    async with client:
        yield client
