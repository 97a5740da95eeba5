"""Download a storage folder (or one file) recursively into a local folder.

The API has no download for a storage file as such: a download link comes from a file link's
`download` endpoint. So the files are linked in batches without a work package (links only
their creator sees), downloaded through those links and unlinked again.

Nothing is ever written outside the target folder: every local name is sanitised
(`safe_file_name`) and every path resolved and checked to lie inside the target, so `../x`,
`/etc/x` or a symlink planted in the target cannot lead elsewhere. A file already there with
the size the listing gives is kept (skipped) unless `overwrite`; one of another size is taken
as incomplete and fetched again. Partial downloads live as `NAME.part` until complete, so a
re-run after an interruption fetches exactly what is missing. Files the user may not read,
and folders that may not be listed, are skipped with their reason; a lost login stops it all.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from nep_tui.api import errors as err
from nep_tui.api.client import LINK_BATCH_LIMIT
from nep_tui.api.models import FileLink, StorageFile
from nep_tui.api.transfers import local_file_error
from nep_tui.formatting import format_size, safe_file_name

if TYPE_CHECKING:
    from nep_tui.api.client import NepenthesClient

DEFAULT_JOBS = 4
MAX_JOBS = 16

SUMMARY_NAMES = 3

SKIP_EXISTS = "exists"
SKIP_NOT_READABLE = "not readable"
SKIP_NOT_LISTABLE = "folder not readable"
SKIP_NAME_CLASH = "same local name as another file"
SKIP_OUTSIDE = "name leads outside the target folder"
SKIP_NOT_ITSELF = "the server listed another folder for it"


@dataclass(frozen=True)
class TreeProgress:
    """Where a folder download is: bytes and files of the whole tree, and the file under way."""

    done_bytes: int
    total_bytes: int
    done_files: int
    total_files: int
    current: str | None


FolderProgress = Callable[[TreeProgress], None]


@dataclass(frozen=True)
class Entry:
    """One downloaded or skipped file, by its path relative to the target folder."""

    path: str
    size: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Failure:
    path: str
    error: str


@dataclass
class FolderDownload:
    path: Path
    downloaded: list[Entry] = field(default_factory=list)
    skipped: list[Entry] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)


def folder_summary(result: FolderDownload) -> str:
    """One sentence on what a folder download did."""
    size = sum(entry.size or 0 for entry in result.downloaded)
    count = len(result.downloaded)
    files = "file" if count == 1 else "files"
    parts = [f"Saved {count} {files} ({format_size(size)}) in {result.path}"]
    kept = sum(1 for entry in result.skipped if entry.reason == SKIP_EXISTS)
    if kept:
        parts.append(f"kept {kept} already there")
    others = [entry for entry in result.skipped if entry.reason != SKIP_EXISTS]
    if others:
        named = ", ".join(f"{entry.path} ({entry.reason})" for entry in others[:SUMMARY_NAMES])
        more = f" and {len(others) - SUMMARY_NAMES} more" if len(others) > SUMMARY_NAMES else ""
        parts.append(f"skipped {named}{more}")
    if result.failed:
        parts.append(f"{len(result.failed)} failed")
    return "; ".join(parts) + "."


@dataclass(frozen=True)
class _Planned:
    file: StorageFile
    target: Path
    relative: str
    replace: bool


def inside(root: Path, path: Path) -> bool:
    """Whether `path`, with every symlink and `..` resolved, lies inside `root`."""
    return path.resolve().is_relative_to(root.resolve())


async def storage_path_root(client: NepenthesClient, storage_id: int, location: str) -> StorageFile:
    """The folder or file at `location` of the storage (`/` is the storage's root folder)."""
    parent, _, name = ("/" + location.strip("/")).rpartition("/")
    if not name:
        return (await client.storage_files(storage_id, "/")).parent
    [found] = await client.storage_files_at(storage_id, [f"{parent}/{name}"])
    return found


async def linked_folder_root(client: NepenthesClient, link: FileLink) -> StorageFile:
    """The folder a file link points to, as the storage lists it now (with its location)."""
    if link.storage_id is None:
        raise err.MalformedResponse(f"GET file link {link.id}", "the link names no storage")
    return await client.storage_file(link.storage_id, link.origin_id)


async def download_tree(
    client: NepenthesClient,
    storage_id: int,
    root: StorageFile,
    dest: Path | str,
    *,
    overwrite: bool = False,
    jobs: int = DEFAULT_JOBS,
    progress: FolderProgress | None = None,
) -> FolderDownload:
    """`root` (a folder, recursively, or one file) into `dest/<its name>`."""
    base = Path(dest).expanduser()
    name = safe_file_name(root.name)
    target = base / name
    if not inside(base, target):
        raise err.LocalFileError(f"{name!r} cannot be saved in {base}.")
    result = FolderDownload(path=target.resolve())
    planned: list[_Planned] = []
    if root.is_folder:
        _make_folder(target)
        await _walk(client, storage_id, root, target, "", planned, result, overwrite)
    else:
        _make_folder(base)
        _plan_file(root, base, name, planned, result, overwrite)
    await _fetch(client, storage_id, planned, result, max(1, min(jobs, MAX_JOBS)), progress)
    return result


def _make_folder(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise local_file_error("create the folder", path, exc) from None


async def _walk(
    client: NepenthesClient,
    storage_id: int,
    folder: StorageFile,
    local: Path,
    relative: str,
    planned: list[_Planned],
    result: FolderDownload,
    overwrite: bool,
) -> None:
    try:
        listing = await client.storage_files(storage_id, folder.location or "/")
    except (err.PermissionDenied, err.NotFound) as error:
        result.skipped.append(
            Entry(relative or ".", reason=f"{SKIP_NOT_LISTABLE}: {error.message}")
        )
        return
    if listing.parent.id != folder.id:
        # A folder called `..` (its location resolves to its parent) would loop for ever.
        result.skipped.append(Entry(relative or ".", reason=SKIP_NOT_ITSELF))
        return
    used: set[str] = set()
    for item in listing.files:
        name = safe_file_name(item.name)
        item_relative = f"{relative}{name}"
        if name.casefold() in used:
            result.skipped.append(Entry(item_relative, reason=SKIP_NAME_CLASH))
            continue
        used.add(name.casefold())
        path = local / name
        if not inside(local, path):
            result.skipped.append(Entry(item_relative, reason=SKIP_OUTSIDE))
            continue
        if item.is_folder:
            _make_folder(path)
            await _walk(
                client, storage_id, item, path, f"{item_relative}/", planned, result, overwrite
            )
        else:
            _plan_file(item, local, name, planned, result, overwrite, item_relative)


def _plan_file(
    file: StorageFile,
    local: Path,
    name: str,
    planned: list[_Planned],
    result: FolderDownload,
    overwrite: bool,
    relative: str | None = None,
) -> None:
    relative = relative or name
    target = local / name
    if not file.readable:
        result.skipped.append(Entry(relative, file.size, SKIP_NOT_READABLE))
        return
    replace = overwrite
    if target.is_file() and not overwrite:
        if file.size is None or target.stat().st_size == file.size:
            result.skipped.append(Entry(relative, file.size, SKIP_EXISTS))
            return
        replace = True  # another size than the listing's: left incomplete, fetched again
    planned.append(_Planned(file, target, relative, replace))


class _Tracker:
    def __init__(self, planned: list[_Planned], progress: FolderProgress | None) -> None:
        self.total_bytes = sum(item.file.size or 0 for item in planned)
        self.total_files = len(planned)
        self.done_files = 0
        self._finished_bytes = 0
        self._current: dict[str, int] = {}
        self._progress = progress

    def file_progress(self, relative: str) -> Callable[[int, int | None], None]:
        def report(done: int, _total: int | None) -> None:
            self._current[relative] = done
            self._report(relative)

        return report

    def finished(self, relative: str, size: int) -> None:
        self._current.pop(relative, None)
        self._finished_bytes += size
        self.done_files += 1
        self._report(None)

    def _report(self, current: str | None) -> None:
        if self._progress is not None:
            done = self._finished_bytes + sum(self._current.values())
            self._progress(
                TreeProgress(done, self.total_bytes, self.done_files, self.total_files, current)
            )


async def _fetch(
    client: NepenthesClient,
    storage_id: int,
    planned: list[_Planned],
    result: FolderDownload,
    jobs: int,
    progress: FolderProgress | None,
) -> None:
    tracker = _Tracker(planned, progress)
    slots = asyncio.Semaphore(jobs)

    async def one(item: _Planned, link: FileLink | None) -> None:
        async with slots:
            if link is None:
                result.failed.append(Failure(item.relative, "The server gave no link for it."))
                return
            try:
                path = await client.download_file_link(
                    link.id,
                    item.target,
                    overwrite=item.replace,
                    progress=tracker.file_progress(item.relative),
                )
            except (err.NotLoggedIn, err.LoggedOut):
                raise
            except err.NepError as error:
                result.failed.append(Failure(item.relative, error.message))
                tracker.finished(item.relative, 0)
                return
            size = path.stat().st_size
            result.downloaded.append(Entry(item.relative, size))
            tracker.finished(item.relative, size)

    for start in range(0, len(planned), LINK_BATCH_LIMIT):
        batch = planned[start : start + LINK_BATCH_LIMIT]
        try:
            links = await client.create_unattached_file_links(storage_id, [i.file for i in batch])
        except (err.NotLoggedIn, err.LoggedOut):
            raise
        except err.NepError as error:
            result.failed.extend(Failure(item.relative, error.message) for item in batch)
            continue
        by_origin = {link.origin_id: link for link in links}
        try:
            async with asyncio.TaskGroup() as group:
                for item in batch:
                    group.create_task(one(item, by_origin.get(item.file.id)))
        except* (err.NotLoggedIn, err.LoggedOut) as lost:
            raise lost.exceptions[0] from None
        finally:
            await _unlink(client, links)


async def _unlink(client: NepenthesClient, links: list[FileLink]) -> None:
    """Remove the helper links; shielded, so an interruption leaves none behind."""

    async def remove() -> None:
        for link in links:
            with contextlib.suppress(err.NepError):
                await client.delete_file_link(link.id)

    await asyncio.shield(remove())
