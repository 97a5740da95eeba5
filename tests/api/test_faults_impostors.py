"""Answers that are not what they claim, through the fault proxy: a sign-in page with 200, a
compression bomb, a huge JSON answer."""

from __future__ import annotations

import tracemalloc

import pytest
from support.fault_proxy import FAST, FaultProxy, packed_zeros

from nep_tui.api import errors as err

BOMB = 64 * 1024 * 1024
SENTENCE = "answered a sign-in page: a proxy or single sign-on is in the way."


async def test_a_sign_in_page_instead_of_json_is_named(through_proxy, fault_proxy):
    fault_proxy.add("html", path=r"/api/v3/projects")
    with pytest.raises(err.SignInPage) as caught:
        await through_proxy.projects()
    assert caught.value.message.endswith(SENTENCE)


async def test_a_sign_in_page_answering_a_write_is_not_success(through_proxy, fault_proxy):
    fault_proxy.add("html", method="POST", path=r"/read_ian$")
    with pytest.raises(err.SignInPage):
        await through_proxy.mark_notification_read(1)


@pytest.mark.parametrize("side", ["nepenthes", "nextcloud"])
async def test_a_sign_in_page_instead_of_a_file_keeps_the_users_file(
    through_proxy, fault_proxy, tmp_path, side
):
    link_id = next(
        link.id for link in await through_proxy.file_links(1) if link.name.endswith(".pdf")
    )
    target = tmp_path / "Kickoff presentation.pdf"
    target.write_bytes(b"my own edits")
    path = r"/api/v3/file_links/\d+/download" if side == "nepenthes" else r"/direct/"
    fault_proxy.add("html", side=side, path=path)
    with pytest.raises(err.SignInPage) as caught:
        await through_proxy.download_file_link(link_id, tmp_path, overwrite=True)
    assert caught.value.message.endswith(SENTENCE)
    assert target.read_bytes() == b"my own edits"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


async def test_a_compression_bomb_in_an_api_answer_is_stopped_early(through_proxy, fault_proxy):
    fault_proxy.add("gzip_bomb", path=r"/api/v3/users/me$", unpacked=BOMB)
    packed_zeros(BOMB)  # made before measuring: only the client's memory counts
    tracemalloc.start()
    try:
        with pytest.raises(err.AnswerTooLarge) as caught:
            await through_proxy.me()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "1 MiB" in caught.value.message
    assert peak < 16 * 1024 * 1024


async def test_a_huge_json_answer_is_refused(through_proxy, fault_proxy):
    fault_proxy.add("huge_json", path=r"/api/v3/users/me$", size=3 * 1024 * 1024)
    with pytest.raises(err.AnswerTooLarge):
        await through_proxy.me()


async def test_downloads_ask_for_identity_and_bound_a_packed_body(fresh_sandbox, tmp_path):
    from nep_tui.api.client import NepenthesClient
    from nep_tui.api.http import ApiTokenSource
    from nep_tui.api.limits import Limits

    source = tmp_path / "report.csv"
    source.write_bytes(b"a,b\n1,2\n")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    proxy = FaultProxy(fresh_sandbox.nepenthes_url, fresh_sandbox.nextcloud_url)
    token = fresh_sandbox.user("member").api_token
    try:
        async with NepenthesClient(
            proxy.nepenthes_url, ApiTokenSource(token), limits=Limits(**FAST)
        ) as client:
            attachment = await client.upload_attachment(3, source)
            proxy.add(
                "gzip_bomb",
                path=r"/api/v3/attachments/\d+/content",
                unpacked=BOMB,
                type="text/csv",
            )
            with pytest.raises(err.AnswerTooLarge):
                await client.download_attachment(attachment.id, downloads)
            assert list(downloads.iterdir()) == []
            sent = [h for _s, _m, t, h in proxy.seen if t.endswith("/content")]
            assert sent[-1]["accept-encoding"] == "identity"
            saved = await client.download_attachment(attachment.id, downloads)
            assert saved.read_bytes() == b"a,b\n1,2\n"
    finally:
        proxy.stop()
