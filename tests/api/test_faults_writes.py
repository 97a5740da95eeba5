"""Writes whose answer is lost, and busy servers, through the fault proxy: nep-tui looks
before it reports, says exactly what is done, never sends twice blindly."""

from __future__ import annotations

import pytest
from support.fault_proxy import FAST, FaultProxy

from nep_tui.api import errors as err
from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource
from nep_tui.api.limits import Limits

DEMO_FOLDER = "/OpenProject/Nepenthes Demo (1)"


@pytest.fixture
async def own(fresh_sandbox):
    """A client through a proxy in front of a sandbox of the test's own (writes change it)."""
    proxy = FaultProxy(fresh_sandbox.nepenthes_url, fresh_sandbox.nextcloud_url)
    notices: list[str] = []
    client = NepenthesClient(
        proxy.nepenthes_url,
        ApiTokenSource(fresh_sandbox.user("member").api_token),
        limits=Limits(**FAST),
        notice=notices.append,
    )
    try:
        async with client:
            yield client, proxy, notices
    finally:
        proxy.stop()


async def _names_in_folder(client) -> list[str]:
    return [file.name for file in (await client.storage_files(1, DEMO_FOLDER)).files]


async def _upload(client, path):
    folder = (await client.storage_files(1, DEMO_FOLDER)).parent
    return await client.upload_file(1, project_id=1, folder_id=folder.id, path=path)


async def test_an_upload_whose_answer_was_lost_is_found_not_repeated(own, tmp_path):
    client, proxy, _ = own
    source = tmp_path / "lost-answer.txt"
    source.write_bytes(b"arrived all the same\n")
    proxy.add("lost_answer", side="nextcloud", method="POST", path=r"/direct-upload/")
    result = await _upload(client, source)
    assert result.file_name == "lost-answer.txt"
    assert (await _names_in_folder(client)).count("lost-answer.txt") == 1
    # Sent once only: the file was looked for, not uploaded again.
    sent = [t for m, t in proxy.requests("nextcloud") if m == "POST" and "direct-upload/" in t]
    assert len(sent) == 1


async def test_an_upload_that_never_arrived_says_so(own, tmp_path):
    client, proxy, _ = own
    source = tmp_path / "never-arrived.txt"
    source.write_bytes(b"lost on the way\n")
    proxy.add("drop", side="nextcloud", method="POST", path=r"/direct-upload/")
    with pytest.raises(err.AnswerLost) as caught:
        await _upload(client, source)
    assert "nothing was uploaded" in caught.value.message
    assert "never-arrived.txt" not in await _names_in_folder(client)


async def test_a_link_whose_answer_was_lost_is_reported_linked_and_never_doubled(own):
    client, proxy, _ = own
    listing = await client.storage_files(1, DEMO_FOLDER)
    linked_before = {link.origin_id for link in await client.file_links(2)}
    file = next(f for f in listing.files if not f.is_folder and f.id not in linked_before)
    proxy.add("lost_answer", method="POST", path=r"/api/v3/work_packages/2/file_links$")
    result = await client.create_file_links(2, 1, [file])
    assert [link.origin_id for link in result.linked] == [file.id] and result.failed == []
    again = await client.create_file_links(2, 1, [file])
    assert again.failed == []
    links = [link for link in await client.file_links(2) if link.origin_id == file.id]
    assert len(links) == 1


async def test_a_link_request_that_never_arrived_is_reported_not_linked(own):
    client, proxy, _ = own
    listing = await client.storage_files(1, DEMO_FOLDER)
    linked_before = {link.origin_id for link in await client.file_links(2)}
    file = next(f for f in listing.files if not f.is_folder and f.id not in linked_before)
    proxy.add("drop", method="POST", path=r"/api/v3/work_packages/2/file_links$")
    result = await client.create_file_links(2, 1, [file])
    assert result.linked == []
    assert "it was not linked" in result.failed[0][1].message


async def test_marking_read_whose_answer_was_lost_checks_the_server(own):
    client, proxy, _ = own
    unread = await client.notifications(unread_only=True)
    first, second = unread[0], unread[1]
    proxy.add("lost_answer", method="POST", path=rf"/notifications/{first.id}/read_ian$")
    await client.mark_notification_read(first.id)  # done on the server: no error
    proxy.add("drop", method="POST", path=rf"/notifications/{second.id}/read_ian$")
    with pytest.raises(err.AnswerLost) as caught:
        await client.mark_notification_read(second.id)
    assert "still unread" in caught.value.message


async def test_a_busy_server_is_waited_out_briefly_and_said_so(own):
    client, proxy, notices = own
    proxy.add("status", path=r"/api/v3/users/me$", status=503, headers={"Retry-After": "0.2"})
    assert (await client.me()).login == "member"
    assert notices and "trying again in 0.2 s" in notices[0]
    proxy.add("status", path=r"/api/v3/users/me$", status=429, headers={"Retry-After": "600"})
    with pytest.raises(err.ServerError) as caught:
        await client.me()
    assert caught.value.retry_after == 600 and "10 min" in caught.value.message


async def test_a_refused_prepare_upload_is_asked_again_but_other_writes_are_not(own, tmp_path):
    client, proxy, notices = own
    source = tmp_path / "after-busy.txt"
    source.write_bytes(b"busy first\n")
    proxy.add(
        "status",
        method="POST",
        path=r"/prepare_upload$",
        status=429,
        headers={"Retry-After": "0.1"},
    )
    result = await _upload(client, source)
    assert result.file_name == "after-busy.txt" and notices
    prepared = [t for m, t in proxy.requests("nepenthes") if t.endswith("/prepare_upload")]
    assert len(prepared) == 2
    proxy.add("status", method="POST", path=r"/read_ian$", status=503, headers={"Retry-After": "0"})
    with pytest.raises(err.ServerError):
        await client.mark_all_notifications_read()
    assert [t for m, t in proxy.requests() if t.endswith("/read_ian")] == [
        "/api/v3/notifications/read_ian"
    ]
