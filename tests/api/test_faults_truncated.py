"""Answers that break off, through the fault proxy: named as cut off, never saved as done."""

from __future__ import annotations

import pytest

from nep_tui.api import errors as err

KICKOFF = b"%PDF-1.4\n% nep-tui demo kickoff slides\n%%EOF\n"


@pytest.mark.parametrize(
    "fault", [{"kind": "cut"}, {"kind": "cut", "length": False}, {"kind": "reset"}]
)
async def test_a_cut_json_answer_says_cut_off_not_unreachable(through_proxy, fault_proxy, fault):
    fault_proxy.add(path=r"/api/v3/users/me$", **fault)
    with pytest.raises(err.AnswerCutOff) as caught:
        await through_proxy.me()
    assert "cut off" in caught.value.message
    assert "could not be reached" not in str(caught.value)


async def _link_id(client, name: str = "Kickoff presentation.pdf") -> int:
    return next(link.id for link in await client.file_links(1) if link.name == name)


@pytest.mark.parametrize(
    "fault", [{"kind": "cut"}, {"kind": "cut", "length": False}, {"kind": "reset"}]
)
async def test_a_cut_download_is_never_done_and_keeps_the_users_file(
    through_proxy, fault_proxy, tmp_path, fault
):
    link_id = await _link_id(through_proxy)
    target = tmp_path / "Kickoff presentation.pdf"
    target.write_bytes(b"my own edits")
    fault_proxy.add(side="nextcloud", path=r"/direct/", **fault)
    with pytest.raises(err.AnswerCutOff) as caught:
        await through_proxy.download_file_link(link_id, tmp_path, overwrite=True)
    assert "cut off" in caught.value.message
    assert target.read_bytes() == b"my own edits"
    assert sorted(path.name for path in tmp_path.iterdir()) == [target.name]
    # Without the fault the same download is complete.
    saved = await through_proxy.download_file_link(link_id, tmp_path, overwrite=True)
    assert saved.read_bytes() == KICKOFF


async def test_a_close_delimited_download_is_checked_against_the_size_the_api_reports(
    through_proxy, fault_proxy, tmp_path
):
    link_id = await _link_id(through_proxy)
    fault_proxy.add("cut", side="nextcloud", path=r"/direct/", length=False)
    with pytest.raises(err.AnswerCutOff) as caught:
        await through_proxy.download_file_link(link_id, tmp_path)
    assert f"of {len(KICKOFF)} bytes" in caught.value.message
    assert list(tmp_path.iterdir()) == []
    # The size was asked of the storage API, since the answer promised none.
    assert any("/api/v3/storages/1/files/" in target for _, target in fault_proxy.requests())
