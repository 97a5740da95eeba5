"""A server that stops talking, through the fault proxy: every wait ends, a moving transfer
does not."""

from __future__ import annotations

import time

import pytest

from nep_tui.api import errors as err
from nep_tui.api.limits import Limits


async def test_headers_that_never_come_end_in_a_typed_error(through_proxy, fault_proxy):
    fault_proxy.add("no_headers", path=r"/api/v3/users/me$")
    started = time.monotonic()
    with pytest.raises(err.NetworkUnreachable) as caught:
        await through_proxy.me()
    assert time.monotonic() - started < 5
    assert "did not answer in time" in caught.value.message
    # Not asked again and again: one wait, not four.
    assert fault_proxy.requests().count(("GET", "/api/v3/users/me")) == 1


@pytest.mark.parametrize("kind", ["stall", "drip"])
async def test_a_json_body_that_stops_or_drips_is_cut_off(through_proxy, fault_proxy, kind):
    fault_proxy.add(kind, path=r"/api/v3/projects", interval=0.5)
    started = time.monotonic()
    with pytest.raises(err.AnswerCutOff) as caught:
        await through_proxy.projects()
    assert time.monotonic() - started < 5
    assert "could not be reached" not in str(caught.value)


@pytest.mark.parametrize("kind", ["stall", "drip"])
async def test_a_download_that_stalls_or_drips_ends_and_leaves_nothing(
    through_proxy, fault_proxy, tmp_path, kind
):
    links = {link.name: link for link in await through_proxy.file_links(1)}
    fault_proxy.add(kind, side="nextcloud", path=r"/direct/", interval=0.6)
    with pytest.raises(err.AnswerCutOff) as caught:
        await through_proxy.download_file_link(links["Kickoff presentation.pdf"].id, tmp_path)
    assert "stalled" in caught.value.message or "stopped" in caught.value.message
    assert list(tmp_path.iterdir()) == []


async def test_a_slow_download_that_keeps_moving_is_never_cut_off(fault_proxy, sandbox, tmp_path):
    from nep_tui.api.client import NepenthesClient
    from nep_tui.api.http import ApiTokenSource

    # 8 bytes a window of 0.5 s is the least; the body comes 8 bytes every 0.2 s, longer in
    # all than the window and the read limit.
    limits = Limits(read_seconds=1.0, stall_seconds=0.5, stall_bytes=8, answer_seconds=5)
    async with NepenthesClient(
        fault_proxy.nepenthes_url, ApiTokenSource(sandbox.user("member").api_token), limits=limits
    ) as client:
        links = {link.name: link for link in await client.file_links(1)}
        fault_proxy.add("drip", side="nextcloud", path=r"/direct/", interval=0.2, chunk=8)
        started = time.monotonic()
        path = await client.download_file_link(links["Kickoff presentation.pdf"].id, tmp_path)
    assert time.monotonic() - started > 1.0
    assert path.read_bytes() == b"%PDF-1.4\n% nep-tui demo kickoff slides\n%%EOF\n"


def test_limits_come_from_the_environment_and_refuse_nonsense():
    limits = Limits.from_env({"NEP_TUI_READ_TIMEOUT": "5", "NEP_TUI_MAX_ANSWER_MB": "2"})
    assert limits.read_seconds == 5 and limits.answer_bytes == 2 * 1024 * 1024
    assert Limits.from_env({}) == Limits()
    with pytest.raises(err.BadSetting) as caught:
        Limits.from_env({"NEP_TUI_STALL_TIMEOUT": "soon"})
    assert "NEP_TUI_STALL_TIMEOUT" in caught.value.message
