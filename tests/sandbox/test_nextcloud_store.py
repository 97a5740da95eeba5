"""The Nextcloud store's seeding interface: what server.py and seed.py call."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nep_tui.sandbox.nextcloud.store import Access, NextcloudStore, NodeExists

WHEN = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    opened = NextcloudStore(tmp_path / "nextcloud.sqlite3", tmp_path / "files")
    yield opened
    opened.close()


def test_empty_until_seeded_and_kept_across_reopen(tmp_path, store):
    assert store.is_empty()
    store.ensure_user("member", "member-password", "Member Person")
    file_id = store.put_file("member", "/A/B/c.txt", b"hello", mtime=WHEN)
    store.close()
    reopened = NextcloudStore(tmp_path / "nextcloud.sqlite3", tmp_path / "files")
    assert not reopened.is_empty()
    node = reopened.node(file_id)
    assert (node.name, node.size, node.mtime, node.mime) == (
        "c.txt",
        5,
        int(WHEN.timestamp()),
        "text/plain",
    )
    assert reopened.content_path(file_id).read_bytes() == b"hello"
    assert reopened.check_password("member", "member-password")
    reopened.close()


def test_mkdir_creates_parents_and_is_idempotent(store):
    folder = store.mkdir("admin", "/OpenProject/Demo (1)", mtime=WHEN)
    assert store.mkdir("admin", "/OpenProject/Demo (1)") == folder
    assert store.path_of(store.node(folder)) == "/OpenProject/Demo (1)"
    store.put_file("admin", "/OpenProject/file.txt", b"x")
    with pytest.raises(NodeExists):
        store.put_file("admin", "/OpenProject/Demo (1)", b"x")


def test_sizes_and_etags_propagate_to_the_folders(store):
    folder = store.mkdir("admin", "/P", mtime=WHEN)
    before = store.node(folder).etag
    store.put_file("admin", "/P/a.bin", b"12345", mtime=WHEN)
    store.put_file("admin", "/P/sub/b.bin", b"123", mtime=WHEN)
    assert store.node(folder).size == 8
    assert store.node(folder).etag != before
    file_id = store.node_at("/P/sub/b.bin").id
    store.trash(file_id)
    assert store.node(folder).size == 5
    assert store.node(file_id).trashed


def test_ids_stay_across_move_and_content_replacement(store):
    file_id = store.put_file("admin", "/a.txt", b"one")
    target = store.mkdir("admin", "/Archive")
    moved = store.move(file_id, target, "renamed.txt")
    assert moved.id == file_id and store.path_of(moved) == "/Archive/renamed.txt"
    assert store.put_file("admin", "/Archive/renamed.txt", b"two") == file_id
    assert store.content_path(file_id).read_bytes() == b"two"


def test_restrictions_hold_for_everything_inside(store):
    folder = store.mkdir("admin", "/Secret")
    inner = store.put_file("admin", "/Secret/inner.txt", b"x")
    store.restrict(folder, "member")
    store.make_read_only(store.mkdir("admin", "/Read"), "member")
    assert store.access(store.node(inner), "member") is Access.NONE
    assert store.access(store.node(inner), "admin") is Access.WRITE
    assert store.access(store.node_at("/Read"), "member") is Access.READ


def test_oauth_tokens_refresh_and_revoke(store):
    store.ensure_user("member", "pw", "Member")
    tokens = store.issue_oauth_token("member")
    assert set(tokens) >= {"access_token", "refresh_token", "expires_in"}
    assert store.login_for_access_token(tokens["access_token"]) == "member"
    rotated = store.refresh_oauth_token(tokens["refresh_token"], "any-client")
    assert store.login_for_access_token(tokens["access_token"]) is None
    assert store.refresh_oauth_token(tokens["refresh_token"], "any-client") is None
    store.revoke_tokens("member")
    assert store.login_for_access_token(rotated["access_token"]) is None


def test_bulk_writes_commit_together_and_roll_back_on_error(store):
    with store.bulk():
        for index in range(50):
            store.put_file("admin", f"/Many/file-{index:02d}.txt", b"x")
    assert len(store.children(store.node_at("/Many").id)) == 50
    with pytest.raises(RuntimeError), store.bulk():
        store.put_file("admin", "/Lost/file.txt", b"x")
        raise RuntimeError("seed failed")
    assert store.node_at("/Lost") is None


def test_seeded_times_stay_deterministic(store):
    folder = store.mkdir("admin", "/OpenProject/Demo (1)", mtime=WHEN)
    gone = store.put_file("admin", "/OpenProject/Demo (1)/old.txt", b"x", mtime=WHEN)
    store.trash(gone)
    stamp = int(WHEN.timestamp())
    assert store.node(folder).mtime == stamp
    assert store.node_at("/").mtime == stamp
    store.trash(
        store.put_file("admin", "/OpenProject/Demo (1)/new.txt", b"x", mtime=WHEN), mtime=stamp + 60
    )
    assert store.node(folder).mtime == stamp + 60
