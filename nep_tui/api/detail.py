"""What the work-package screen shows, fetched in as few round trips as the API allows.

The work package, its attachments and its file links do not depend on each other, so they
are asked for at once; the project's storages need the work package's project, and each
storage's state is then asked for at once too. A part that fails (attachments not allowed,
Nextcloud away) is carried as its typed error, so the rest of the screen still shows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from pydantic import TypeAdapter

from nep_tui.api import models as m
from nep_tui.api import shelves
from nep_tui.api.cache import Cached, Shelf, recall, remembered
from nep_tui.api.client import NepenthesClient
from nep_tui.api.errors import NepError, NotFound

T = TypeVar("T")

ROOT = "/"


@dataclass(frozen=True)
class StorageSection:
    """One storage of the work package's project (or of its links), with the links in it."""

    storage: m.Storage
    links: list[m.FileLink]


@dataclass(frozen=True)
class WorkPackageDetail:
    work_package: m.WorkPackage
    attachments: list[m.Attachment] | NepError
    file_sections: list[StorageSection] | NepError


async def _outcome(call: Awaitable[T]) -> T | NepError:
    try:
        return await call
    except NepError as error:
        return error


def _sections_key(work_package: m.WorkPackage, links: list[m.FileLink] | None = None) -> str:
    return str(work_package.id)


STORAGE_SECTIONS = Shelf("storage_sections", TypeAdapter(list[StorageSection]), _sections_key)


@remembered(STORAGE_SECTIONS)
async def storage_sections(
    client: NepenthesClient, work_package: m.WorkPackage, links: list[m.FileLink] | None = None
) -> list[StorageSection]:
    """The storages of the work package's project and of its links, each with its links."""
    if links is None:
        links = await client.file_links(work_package.id)
    storage_ids: list[int] = []
    if work_package.project_id is not None:
        for project_storage in await client.project_storages(work_package.project_id):
            if project_storage.storage_id is not None:
                storage_ids.append(project_storage.storage_id)
    storage_ids.extend(link.storage_id for link in links if link.storage_id is not None)
    # Links embed their storage with the user's state; only the others are asked for.
    known = {
        link.embedded_storage.id: link.embedded_storage for link in links if link.embedded_storage
    }
    unique_ids = list(dict.fromkeys(storage_ids))
    fetched = await asyncio.gather(
        *(client.storage(storage_id) for storage_id in unique_ids if storage_id not in known)
    )
    storages = {**known, **{storage.id: storage for storage in fetched}}
    return [
        StorageSection(
            storages[storage_id], [link for link in links if link.storage_id == storage_id]
        )
        for storage_id in unique_ids
    ]


async def work_package_detail(client: NepenthesClient, work_package_id: int) -> WorkPackageDetail:
    """The work package (its failure is raised), its attachments and its files by storage."""
    work_package, attachments, links = await asyncio.gather(
        _outcome(client.work_package(work_package_id)),
        _outcome(client.attachments(work_package_id)),
        _outcome(client.file_links(work_package_id)),
    )
    if isinstance(work_package, NepError):
        raise work_package
    sections: list[StorageSection] | NepError
    if isinstance(links, NepError):
        sections = links
    else:
        sections = await _outcome(storage_sections(client, work_package, links))
    return WorkPackageDetail(work_package, attachments, sections)


def cached_work_package_detail(
    client: NepenthesClient, work_package_id: int
) -> Cached[WorkPackageDetail] | None:
    """The work package as last seen, with the parts seen then; None if it never was."""
    work_package = recall(client, shelves.WORK_PACKAGE, work_package_id)
    if work_package is None:
        return None
    never_seen = NotFound("Not seen yet.", hint="It is shown once the server can be reached.")
    attachments = recall(client, shelves.ATTACHMENTS, work_package_id)
    sections = recall(client, STORAGE_SECTIONS, work_package.value)
    detail = WorkPackageDetail(
        work_package.value,
        attachments.value if attachments else never_seen,
        sections.value if sections else never_seen,
    )
    return Cached(detail, work_package.fetched_at)


# How deep to look for the project folder when the server gives only its file id; automatic
# project folders live one level down (/OpenProject/<name> (<id>)).
PROJECT_FOLDER_SEARCH_DEPTH = 2


async def project_folder_location(
    client: NepenthesClient, storage_id: int, project_id: int | None
) -> str:
    """The project's folder in the storage when it has one (and the user may see it), else root."""
    if project_id is None:
        return ROOT
    try:
        project_storages = await client.project_storages(project_id)
        folder_ids = {
            ps.project_folder_id
            for ps in project_storages
            if ps.storage_id == storage_id and ps.project_folder_id is not None
        }
        if folder_ids:
            return (
                await _find_folder(
                    client, storage_id, folder_ids, ROOT, PROJECT_FOLDER_SEARCH_DEPTH
                )
                or ROOT
            )
    except NepError:
        pass
    return ROOT


async def _find_folder(
    client: NepenthesClient, storage_id: int, folder_ids: set[str], location: str, depth: int
) -> str | None:
    """The location of a folder with one of `folder_ids`, looking `depth` levels down."""
    listing = await client.storage_files(storage_id, location)
    folders = [f for f in listing.files if f.is_folder]
    for folder in folders:
        if folder.id in folder_ids:
            return folder.location
    if depth > 1:
        for folder in folders:
            found = await _find_folder(
                client, storage_id, folder_ids, folder.location or ROOT, depth - 1
            )
            if found:
                return found
    return None
