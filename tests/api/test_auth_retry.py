"""When a 401 is worth a token refresh, against a real sandbox: a storage endpoint's 401 for a
user not connected to Nextcloud is not (the token was fine), an expired token is (once), and a
streamed attachment upload refused for an expired token is sent again from the file's start;
a streamed answer's 401 that is not retried still ends as a typed error.

Refreshes are counted where they happen: the access tokens the sandbox's token endpoint issued.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import time

import pytest
from support.oauth import SHORT_TOKEN_TTL, oauth_login

from nep_tui.api import auth, session
from nep_tui.api import errors as err
from nep_tui.api import profiles as store
from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource

DEMO_WP = 1


def tokens_issued(sandbox) -> int:
    """Access tokens the sandbox has handed out: one per login and one per refresh."""
    path = sandbox.data_dir / "nepenthes.sqlite3"
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return db.execute("SELECT COUNT(*) FROM oauth_tokens").fetchone()[0]


async def test_a_storage_401_for_a_user_not_connected_to_nextcloud_costs_no_refresh(fresh_sandbox):
    await oauth_login(fresh_sandbox, "storage")
    fresh_sandbox.set_faults(disconnect_user="member")
    async with session.open_client(profile="storage") as client:
        storage = (await client.storages())[0]
        before = tokens_issued(fresh_sandbox)
        with pytest.raises(err.NextcloudNotConnected):
            await client.storage_files(storage.id)
        assert tokens_issued(fresh_sandbox) == before


async def test_an_expired_token_on_a_storage_endpoint_is_refreshed_once(short_lived):
    await oauth_login(short_lived, "expired-storage", expiry_known=False)
    short_lived.set_faults(disconnect_user="member")
    try:
        async with session.open_client(profile="expired-storage") as client:
            storage = (await client.storages())[0]
            await asyncio.sleep(SHORT_TOKEN_TTL + 0.5)
            before = tokens_issued(short_lived)
            # First the token's own 401, refreshed; then the storage's, which is not.
            with pytest.raises(err.NextcloudNotConnected):
                await client.storage_files(storage.id)
            assert tokens_issued(short_lived) == before + 1
    finally:
        short_lived.set_faults(connect_user="member")


async def test_without_the_servers_word_only_an_expired_token_is_refreshed(short_lived):
    """A server that leaves `error="invalid_token"` out of its 401: the token's own expiry
    decides."""
    await oauth_login(short_lived, "clock")
    source = auth.token_source_for(store.load_profile("clock"), store.load_tokens("clock"))
    header = await source.authorization()
    before = tokens_issued(short_lived)
    source.current_tokens.expires_at = time.time() + 3600
    assert await source.refresh_after_rejection(header, token_invalid=False) is False
    assert tokens_issued(short_lived) == before
    source.current_tokens.expires_at = source.current_tokens.issued_at = 0.0
    assert await source.refresh_after_rejection(header, token_invalid=False) is True
    assert tokens_issued(short_lived) == before + 1


async def test_an_upload_refused_for_an_expired_token_is_sent_again_whole(short_lived, tmp_path):
    await oauth_login(short_lived, "upload", expiry_known=False)
    content = os.urandom(700 * 1024)  # several chunks
    source = tmp_path / "scan.bin"
    source.write_bytes(content)
    seen: list[tuple[int, int | None]] = []
    async with session.open_client(profile="upload") as client:
        await client.configuration()  # cached: the upload is the first request after expiry
        await asyncio.sleep(SHORT_TOKEN_TTL + 0.5)
        before = tokens_issued(short_lived)
        attachment = await client.upload_attachment(
            DEMO_WP, source, progress=lambda *done: seen.append(done)
        )
        assert tokens_issued(short_lived) == before + 1
        assert attachment.file_size == len(content)
        copy = await client.download_attachment(attachment.id, tmp_path / "copy.bin")
    assert copy.read_bytes() == content
    restarts = [index for index, (done, _total) in enumerate(seen) if done == 0]
    assert len(restarts) == 2  # sent twice, progress back at 0 for the second
    second = [done for done, _total in seen[restarts[-1] :]]
    assert second == sorted(second) and second[-1] == len(content)
    assert {total for _done, total in seen} == {len(content)}


async def test_a_streamed_answer_refused_without_a_retry_is_a_typed_error(sandbox):
    async with NepenthesClient(
        sandbox.nepenthes_url, ApiTokenSource("opapi-" + "0" * 64)
    ) as client:
        with pytest.raises(err.LoggedOut):
            async with client.http.stream("GET", "/api/v3/attachments/1/content"):
                pass


async def test_a_login_lost_between_link_batches_keeps_what_was_linked(fresh_sandbox):
    await oauth_login(fresh_sandbox, "lapse")
    async with session.open_client(profile="lapse") as client:
        folder = await client.storage_files(1, "/OpenProject/Nepenthes Demo (1)")
        files = [file for file in folder.files if not file.is_folder]
        chosen = (files * 45)[:45]  # three batches; the server links a repeated file once

        def revoke_after_the_first_batch(done: int, _total: int | None) -> None:
            if done == 20:
                path = fresh_sandbox.data_dir / "nepenthes.sqlite3"
                with contextlib.closing(sqlite3.connect(path)) as db, db:
                    db.execute("UPDATE oauth_tokens SET revoked = 1")

        result = await client.create_file_links(
            DEMO_WP, 1, chosen, progress=revoke_after_the_first_batch
        )
    assert {link.origin_id for link in result.linked} == {file.id for file in chosen[:20]}
    assert [file for file, _ in result.failed] == chosen[20:]
    assert all(isinstance(error, err.LoggedOut) for _, error in result.failed)
    async with NepenthesClient(
        fresh_sandbox.nepenthes_url, ApiTokenSource(fresh_sandbox.user("member").api_token)
    ) as member:
        linked = {link.origin_id for link in await member.file_links(DEMO_WP)}
    assert {file.id for file in files} <= linked
