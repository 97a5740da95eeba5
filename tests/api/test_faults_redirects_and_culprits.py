"""Redirects, the right culprit and secrets in errors, through the fault proxy."""

from __future__ import annotations

import pytest

from nep_tui.api import errors as err

KICKOFF = b"%PDF-1.4\n% nep-tui demo kickoff slides\n%%EOF\n"


async def _kickoff_link(client) -> int:
    return next(
        link.id for link in await client.file_links(1) if link.name == "Kickoff presentation.pdf"
    )


async def test_a_download_goes_from_nepenthes_to_its_storage(through_proxy, fault_proxy, tmp_path):
    saved = await through_proxy.download_file_link(await _kickoff_link(through_proxy), tmp_path)
    assert saved.read_bytes() == KICKOFF
    storage_requests = [target for side, _m, target, _h in fault_proxy.seen if side == "nextcloud"]
    assert storage_requests and all(
        "authorization" not in headers
        for side, _m, _t, headers in fault_proxy.seen
        if side == "nextcloud"
    )


@pytest.mark.parametrize("side", ["nepenthes", "nextcloud"])
async def test_a_redirect_to_another_host_is_not_followed(
    through_proxy, fault_proxy, tmp_path, side
):
    link_id = await _kickoff_link(through_proxy)
    elsewhere = "http://127.0.0.2:9/steal"
    path = r"/api/v3/file_links/\d+/download" if side == "nepenthes" else r"/direct/"
    fault_proxy.add("redirect", side=side, path=path, to=elsewhere)
    with pytest.raises(err.RedirectRefused) as caught:
        await through_proxy.download_file_link(link_id, tmp_path)
    assert "127.0.0.2" in caught.value.message and "did not follow" in caught.value.message
    assert list(tmp_path.iterdir()) == []


async def test_a_401_from_nextcloud_blames_nextcloud_not_the_login(
    through_proxy, fault_proxy, tmp_path
):
    link_id = await _kickoff_link(through_proxy)
    fault_proxy.add("status", side="nextcloud", path=r"/direct/", status=401)
    with pytest.raises(err.StorageRefused) as caught:
        await through_proxy.download_file_link(link_id, tmp_path)
    assert not isinstance(caught.value, err.NotLoggedIn)
    assert caught.value.message.startswith("Nextcloud (127.0.0.1) refused")
    assert "logged out" not in str(caught.value)
    assert "/direct/***" in caught.value.message  # the one-time link's secret stays out
    assert (await through_proxy.me()).login == "member"  # the login is indeed fine


async def test_an_error_about_a_direct_upload_never_shows_its_secret(
    through_proxy, fault_proxy, tmp_path
):
    source = tmp_path / "secret-test.txt"
    source.write_bytes(b"x")
    fault_proxy.add("status", side="nextcloud", method="POST", path=r"/direct-upload/", status=500)
    folder = (await through_proxy.storage_files(1, "/OpenProject/Nepenthes Demo (1)")).parent
    with pytest.raises(err.StorageRefused) as caught:
        await through_proxy.upload_file(
            1, project_id=1, folder_id=folder.id, path=source, overwrite=False
        )
    assert caught.value.message.startswith("Nextcloud (127.0.0.1) answered POST direct-upload")
    upload_urls = [t for s, m, t, _h in fault_proxy.seen if "/direct-upload/" in t]
    assert upload_urls
    secret = upload_urls[-1].rsplit("/", 1)[-1]
    for text in (str(caught.value), repr(caught.value), caught.value.hint):
        assert secret not in text


def test_every_error_text_is_redacted():
    url = "https://nc.example/index.php/apps/integration_openproject/direct-upload/AbC123xyz9"
    error = err.ServerError(
        f"POST {url} failed with Bearer abcdefgh12345678 for https://u:pw@x.example/?token=s3cr3t"
        " and opapi-" + "ab" * 32
    )
    text = str(error)
    for secret in ("AbC123xyz9", "abcdefgh12345678", "u:pw", "s3cr3t", "ab" * 32):
        assert secret not in text
    assert "direct-upload/***" in text
