"""Folder downloads against the sandbox: a deep tree, an interruption and a re-run, and names
that try to leave the target folder."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from support.tui import put_files

from nep_tui.api import errors as err
from nep_tui.api.client import NepenthesClient
from nep_tui.api.folder_download import (
    SKIP_EXISTS,
    SKIP_NAME_CLASH,
    SKIP_NOT_ITSELF,
    SKIP_NOT_READABLE,
    TreeProgress,
    download_tree,
    linked_folder_root,
    storage_path_root,
)
from nep_tui.api.http import ApiTokenSource
from nep_tui.api.models import FileLink, StorageFile, StorageFiles

PROJECT_FOLDER = "/OpenProject/Nepenthes Demo (1)"
TREE = f"{PROJECT_FOLDER}/Tree"
LEVELS = {"": 70, "level 1/": 70, "level 1/level 2/": 60}


def expected_tree() -> dict[str, bytes]:
    """Relative path -> content (put_files writes each file's name and a newline)."""
    return {
        f"{folder}file {index:03d}.txt": f"file {index:03d}.txt\n".encode()
        for folder, count in LEVELS.items()
        for index in range(count)
    }


def on_disk(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file()
    }


@pytest.fixture
def tree(fresh_sandbox) -> dict[str, bytes]:
    for folder, count in LEVELS.items():
        names = [f"file {index:03d}.txt" for index in range(count)]
        put_files(fresh_sandbox, "member", f"{TREE}/{folder}", names)
    return expected_tree()


def member_client(sandbox) -> NepenthesClient:
    return NepenthesClient(sandbox.nepenthes_url, ApiTokenSource(sandbox.user("member").api_token))


async def test_a_deep_folder_downloads_completely(fresh_sandbox, tree, tmp_path):
    seen: list[TreeProgress] = []
    async with member_client(fresh_sandbox) as client:
        root = await storage_path_root(client, 1, TREE)
        result = await download_tree(client, 1, root, tmp_path, jobs=4, progress=seen.append)
    assert result.path == (tmp_path / "Tree").resolve()
    assert on_disk(tmp_path / "Tree") == tree
    assert sorted(entry.path for entry in result.downloaded) == sorted(tree)
    assert (result.skipped, result.failed) == ([], [])
    last = seen[-1]
    assert (last.done_files, last.total_files) == (200, 200)
    assert last.done_bytes == last.total_bytes == sum(map(len, tree.values()))
    assert any(state.current and state.current.startswith("level 1/level 2/") for state in seen)


async def test_a_linked_deep_folder_downloads_completely(fresh_sandbox, tree, tmp_path):
    async with member_client(fresh_sandbox) as client:
        folder = await storage_path_root(client, 1, TREE)
        [link] = (await client.create_file_links(1, 1, [folder])).linked
        assert link.is_folder
        root = await linked_folder_root(client, await client.file_link(link.id))
        result = await download_tree(client, 1, root, tmp_path)
    assert on_disk(tmp_path / "Tree") == tree
    assert len(result.downloaded) == 200


async def test_interrupted_and_run_again_it_fetches_only_the_rest(fresh_sandbox, tree, tmp_path):
    async with member_client(fresh_sandbox) as client:
        root = await storage_path_root(client, 1, TREE)
        task: asyncio.Task | None = None

        def stop_after_some(state: TreeProgress) -> None:
            if state.done_files >= 50 and task is not None:
                task.cancel()

        task = asyncio.ensure_future(
            download_tree(client, 1, root, tmp_path, jobs=3, progress=stop_after_some)
        )
        with pytest.raises(asyncio.CancelledError):
            await task
        first = on_disk(tmp_path / "Tree")
        assert 50 <= len(first) < 200
        assert not [name for name in first if name.endswith(".part")]
        assert all(tree[name] == content for name, content in first.items())

        again = await download_tree(client, 1, root, tmp_path)
    assert sorted(entry.path for entry in again.downloaded) == sorted(set(tree) - set(first))
    assert sorted(entry.path for entry in again.skipped) == sorted(first)
    assert {entry.reason for entry in again.skipped} == {SKIP_EXISTS}
    assert on_disk(tmp_path / "Tree") == tree


async def test_an_incomplete_file_is_fetched_again_and_overwrite_replaces_all(
    fresh_sandbox, tree, tmp_path
):
    async with member_client(fresh_sandbox) as client:
        root = await storage_path_root(client, 1, f"{TREE}/level 1/level 2")
        first = await download_tree(client, 1, root, tmp_path)
        assert len(first.downloaded) == 60
        cut = tmp_path / "level 2" / "file 007.txt"
        cut.write_bytes(b"fi")
        again = await download_tree(client, 1, root, tmp_path)
        assert [entry.path for entry in again.downloaded] == ["file 007.txt"]
        assert cut.read_bytes() == b"file 007.txt\n"
        everything = await download_tree(client, 1, root, tmp_path, overwrite=True)
    assert len(everything.downloaded) == 60 and everything.skipped == []


async def test_no_helper_link_is_left_behind(fresh_sandbox, tree, tmp_path):
    created: list[int] = []
    async with member_client(fresh_sandbox) as client:
        original = client.create_unattached_file_links

        async def recording(storage_id, files):
            links = await original(storage_id, files)
            created.extend(link.id for link in links)
            return links

        client.create_unattached_file_links = recording  # type: ignore[method-assign]
        root = await storage_path_root(client, 1, f"{TREE}/level 1/level 2")
        await download_tree(client, 1, root, tmp_path)
        assert len(created) == 60
        for link_id in created:
            with pytest.raises(err.NotFound):
                await client.file_link(link_id)


async def test_a_link_without_a_work_package_is_its_creators_alone(fresh_sandbox, tree):
    async with member_client(fresh_sandbox) as client:
        [file] = await client.storage_files_at(1, [f"{TREE}/file 000.txt"])
        [link] = await client.create_unattached_file_links(1, [file])
        assert link.container_id is None
    admin = NepenthesClient(
        fresh_sandbox.nepenthes_url, ApiTokenSource(fresh_sandbox.user("admin").api_token)
    )
    async with admin:
        with pytest.raises(err.NotFound):
            await admin.file_link(link.id)


# --- names no real Nextcloud gives: a listing made up for the walk --------------------------


class MadeUpStorage:
    """Just what download_tree asks of a client, over a listing with hostile names."""

    def __init__(self, listings: dict[str, list[StorageFile]]) -> None:
        self.listings = listings
        self.links: dict[int, StorageFile] = {}

    async def storage_files(self, storage_id: int, location: str = "/") -> StorageFiles:
        # folders of these listings have their location as id
        parent = StorageFile(id=location, name="x", is_folder=True, location=location)
        return StorageFiles(files=self.listings[location], parent=parent)

    async def create_unattached_file_links(self, storage_id, files):
        made = []
        for file in files:
            link_id = len(self.links) + 1
            self.links[link_id] = file
            made.append(FileLink(id=link_id, origin_id=file.id, name=file.name))
        return made

    async def download_file_link(self, link_id, dest, *, overwrite=False, progress=None):
        target = Path(dest)
        target.write_bytes(self.links[link_id].name.encode("utf-8", "replace"))
        return target

    async def delete_file_link(self, link_id):
        self.links.pop(link_id)


def made_up_file(name: str, *, readable: bool = True) -> StorageFile:
    return StorageFile(id=name, name=name, size=None, readable=readable)


async def test_hostile_names_never_leave_the_target(tmp_path):
    hostile = ["../x", "/etc/x", "a/../../b", "..", "nul\x00byte", "bell\x07\x1b[31m", "C:\\evil"]
    storage = MadeUpStorage(
        {
            "/top": [made_up_file(name) for name in hostile]
            + [StorageFile(id="/top/sub", name="../sub", is_folder=True, location="/top/sub")],
            "/top/sub": [made_up_file("../../../../escaped")],
        }
    )
    outside = tmp_path / "outside"
    target_parent = outside / "in"
    target_parent.mkdir(parents=True)
    root = StorageFile(id="/top", name="../top", is_folder=True, location="/top")
    result = await download_tree(storage, 1, root, target_parent)  # type: ignore[arg-type]
    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert written and all(path.resolve().is_relative_to(result.path) for path in written)
    assert result.path.parent == target_parent.resolve()
    assert not any("\x00" in path.name or "\x07" in path.name for path in written)
    assert (
        len(result.downloaded)
        == len(written)
        == len(hostile)
        + 1
        - len([entry for entry in result.skipped if entry.reason == SKIP_NAME_CLASH])
    )
    assert storage.links == {}


async def test_unreadable_files_are_skipped_not_fatal(tmp_path):
    storage = MadeUpStorage(
        {"/top": [made_up_file("secret.pdf", readable=False), made_up_file("plan.pdf")]}
    )
    root = StorageFile(id="/top", name="top", is_folder=True, location="/top")
    result = await download_tree(storage, 1, root, tmp_path)  # type: ignore[arg-type]
    assert [entry.path for entry in result.downloaded] == ["plan.pdf"]
    assert [(entry.path, entry.reason) for entry in result.skipped] == [
        ("secret.pdf", SKIP_NOT_READABLE)
    ]
    assert not (tmp_path / "top" / "secret.pdf").exists()


async def test_a_lost_login_stops_the_download_with_its_own_error(tmp_path):
    class LoggedOutMidway(MadeUpStorage):
        async def download_file_link(self, link_id, dest, *, overwrite=False, progress=None):
            if self.links[link_id].name == "b.txt":
                raise err.LoggedOut()
            return await super().download_file_link(link_id, dest, overwrite=overwrite)

    storage = LoggedOutMidway({"/top": [made_up_file(name) for name in ("a.txt", "b.txt")]})
    root = StorageFile(id="/top", name="top", is_folder=True, location="/top")
    with pytest.raises(err.LoggedOut):
        await download_tree(storage, 1, root, tmp_path)  # type: ignore[arg-type]
    assert storage.links == {}  # the helper links are removed all the same


async def test_a_file_that_fails_is_listed_and_the_rest_still_comes(tmp_path):
    class OneGone(MadeUpStorage):
        async def download_file_link(self, link_id, dest, *, overwrite=False, progress=None):
            if self.links[link_id].name == "gone.txt":
                raise err.NotFound("The file is gone.")
            return await super().download_file_link(link_id, dest, overwrite=overwrite)

    storage = OneGone({"/top": [made_up_file(name) for name in ("gone.txt", "here.txt")]})
    root = StorageFile(id="/top", name="top", is_folder=True, location="/top")
    result = await download_tree(storage, 1, root, tmp_path)  # type: ignore[arg-type]
    assert [entry.path for entry in result.downloaded] == ["here.txt"]
    assert [(failure.path, failure.error) for failure in result.failed] == [
        ("gone.txt", "The file is gone.")
    ]


async def test_hostile_names_stored_in_nextcloud_stay_inside_the_target(fresh_sandbox, tmp_path):
    """Names straight into the sandbox's Nextcloud store (WebDAV would refuse them): a folder
    called `..`, control characters, backslashes, a Windows device name."""
    from nep_tui.sandbox.nextcloud.store import NextcloudStore

    data = fresh_sandbox.data_dir
    store = NextcloudStore(data / "nextcloud.sqlite3", data / "nextcloud-files")
    hostile = f"{PROJECT_FOLDER}/Hostile"
    for path in (
        f"{hostile}/../escape.txt",
        f"{hostile}/../../escape.txt",
        f"{hostile}/bell\x07\x1b]2;owned\x07.txt",
        f"{hostile}/..\\..\\windows.txt",
        f"{hostile}/CON",
        f"{hostile}/plain.txt",
    ):
        store.put_file("member", path, b"payload\n")
    target = tmp_path / "target"
    target.mkdir()
    async with member_client(fresh_sandbox) as client:
        root = await storage_path_root(client, 1, hostile)
        result = await download_tree(client, 1, root, target)
    written = [
        path for path in tmp_path.rglob("*") if path.is_file() and "sandbox" not in path.parts
    ]
    assert all(path.resolve().is_relative_to((target / "Hostile").resolve()) for path in written)
    assert all(not any(ord(c) < 32 for c in path.name) for path in written)
    assert sorted(entry.path for entry in result.downloaded) == sorted(
        ["bell.txt", "_.._windows.txt", "_CON", "plain.txt"]
    )
    assert len(written) == 4
    # the folder called `..` lists as its parent: not walked (it would loop), said so
    assert [entry.reason for entry in result.skipped] == [SKIP_NOT_ITSELF]
    assert result.failed == []
