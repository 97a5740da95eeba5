"""`nep-tui files ...`: Nextcloud files linked to work packages."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from nep_tui.api.errors import FileNameExists, NepError, NotFound
from nep_tui.api.folder_download import FolderDownload, download_tree, linked_folder_root
from nep_tui.api.models import FileLink, LinkBatchResult, StorageFile, UploadResult
from nep_tui.cli.confirm import confirm_or_refuse
from nep_tui.cli.folder_transfer import TreeProgressLine, jobs_option, report_folder
from nep_tui.cli.output import Column, Progress, info, print_json, print_listing
from nep_tui.cli.params import WORK_PACKAGE_ID
from nep_tui.cli.state import CliState, pass_state
from nep_tui.cli.transfer import download_options, downloaded, report_download
from nep_tui.formatting import format_datetime, plain

if TYPE_CHECKING:
    from nep_tui.api.client import NepenthesClient

FILE_LINK_COLUMNS = [
    Column("ID", lambda link: link.id, align_right=True),
    Column("NAME", lambda link: link.name + ("/" if link.is_folder else ""), flexible=True),
    Column("STATUS", lambda link: link.status),
    Column("MODIFIED", lambda link: format_datetime(link.last_modified_at)),
    Column("BY", lambda link: link.last_modified_by),
    Column("STORAGE", lambda link: link.storage_name),
]


@click.group()
def files() -> None:
    """Nextcloud files linked to work packages: list, download, upload, link, unlink."""


@files.command("list")
@click.argument("work_package_id", metavar="WP", type=WORK_PACKAGE_ID)
@pass_state
def list_file_links(state: CliState, work_package_id: int) -> None:
    """List the files linked to work package WP, with whether you may open them."""
    links = state.call(lambda client: client.file_links(work_package_id))
    print_listing(
        links,
        FILE_LINK_COLUMNS,
        empty="No linked files.",
        as_json=state.json,
        nouns=("linked file", "linked files"),
    )


@files.command("download")
@click.argument("link_id", type=int)
@download_options
@jobs_option
@pass_state
def download_file_link(
    state: CliState, link_id: int, output: Path | None, overwrite: bool, jobs: int
) -> None:
    """Download the file of file link LINK_ID (into the current folder by default).

    A linked folder is downloaded with everything in it, into a folder of its name in the
    output folder; a re-run fetches only what is missing. An existing file is never replaced
    unless --overwrite is given.
    """
    progress = Progress(f"file link {link_id}")
    tree_progress = TreeProgressLine()

    async def download(client: NepenthesClient) -> Path | FolderDownload:
        link = await client.file_link(link_id)
        if link.is_folder and link.storage_id is not None:
            root = await linked_folder_root(client, link)
            return await download_tree(
                client,
                link.storage_id,
                root,
                output or Path.cwd(),
                overwrite=overwrite,
                jobs=jobs,
                progress=tree_progress,
            )
        return await client.download_file_link(
            link_id, output or Path.cwd(), overwrite=overwrite, progress=progress
        )

    with downloaded(progress):
        try:
            result = state.call(download)
        finally:
            tree_progress.finish()
    if isinstance(result, FolderDownload):
        report_folder(state, result)
    else:
        report_download(state, result, {"link_id": link_id})


async def _resolve_storage(client: NepenthesClient, project_id: int, wanted: int | None) -> int:
    """The storage to use in a project: the one asked for, or the project's only one."""
    if wanted is not None:
        return wanted
    storage_ids = sorted(
        {
            ps.storage_id
            for ps in await client.project_storages(project_id)
            if ps.storage_id is not None
        }
    )
    if len(storage_ids) == 1:
        return storage_ids[0]
    if not storage_ids:
        raise NotFound(
            "This work package's project has no file storage.",
            hint="ask a project administrator to add one",
        )
    listed = ", ".join(map(str, storage_ids))
    raise click.UsageError(
        f"the project has several storages ({listed}); choose one with --storage"
    )


async def _work_package_project(client: NepenthesClient, work_package_id: int) -> int:
    work_package = await client.work_package(work_package_id)
    if work_package.project_id is None:
        raise NotFound(f"Work package {work_package_id} has no project the server shows you.")
    return work_package.project_id


@dataclass
class UploadOutcome:
    uploaded: list[UploadResult] = field(default_factory=list)
    linked: list[FileLink] = field(default_factory=list)
    failed: list[tuple[StorageFile, NepError]] = field(default_factory=list)
    stopped_by: NepError | None = None


@files.command("upload")
@click.argument("work_package_id", metavar="WP", type=WORK_PACKAGE_ID)
@click.argument(
    "paths",
    metavar="PATH...",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path),
)
@click.option(
    "--folder",
    "folder_path",
    metavar="FOLDER_PATH",
    required=True,
    help="Nextcloud folder to upload into, e.g. '/OpenProject/Demo (1)'.",
)
@click.option("--storage", "storage_id", type=int, help="Storage id (default: the project's).")
@click.option(
    "--overwrite",
    "on_existing",
    flag_value="overwrite",
    help="Replace files of the same name in the folder.",
)
@click.option(
    "--keep-both",
    "on_existing",
    flag_value="keep-both",
    help="Keep existing files; Nextcloud gives the new ones a free name.",
)
@pass_state
def upload_files(
    state: CliState,
    work_package_id: int,
    paths: tuple[Path, ...],
    folder_path: str,
    storage_id: int | None,
    on_existing: str | None,
) -> None:
    """Upload files into a Nextcloud folder and link them to work package WP.

    A name that already exists in the folder stops the upload unless --overwrite or
    --keep-both says what to do.
    """
    overwrite = {"overwrite": True, "keep-both": False}.get(on_existing or "")

    async def upload(client: NepenthesClient) -> UploadOutcome:
        project_id = await _work_package_project(client, work_package_id)
        storage = await _resolve_storage(client, project_id, storage_id)
        folder = (await client.storage_files(storage, folder_path)).parent
        outcome = UploadOutcome()
        for path in paths:
            progress = Progress(path.name)
            try:
                outcome.uploaded.append(
                    await client.upload_file(
                        storage,
                        project_id=project_id,
                        folder_id=folder.id,
                        path=path,
                        overwrite=overwrite,
                        progress=progress,
                    )
                )
            except NepError as error:
                if isinstance(error, FileNameExists):
                    error.hint = "pass --overwrite to replace it, or --keep-both"
                outcome.stopped_by = error
                break
            finally:
                progress.finish()
        if outcome.uploaded:
            # The listing gives the uploaded files' full metadata (mime type, dates) for links.
            listing = {
                item.id: item for item in (await client.storage_files(storage, folder_path)).files
            }
            to_link = [
                listing.get(result.file_id) or StorageFile(id=result.file_id, name=result.file_name)
                for result in outcome.uploaded
            ]
            batch = await client.create_file_links(work_package_id, storage, to_link)
            outcome.linked, outcome.failed = batch.linked, batch.failed
        return outcome

    outcome = state.call(upload)
    if state.json:
        print_json(
            {
                "uploaded": outcome.uploaded,
                "linked": outcome.linked,
                "failed": _failures(outcome.failed),
            }
        )
    else:
        for result in outcome.uploaded:
            verb = "Replaced" if result.replaced else "Uploaded"
            click.echo(f"{verb} {plain(result.file_name)} (file id {result.file_id})")
        for link in outcome.linked:
            click.echo(f"Linked {plain(link.name)} to #{work_package_id} (file link {link.id})")
    _raise_first_failure(outcome.failed, outcome.stopped_by)


@files.command("link")
@click.argument("work_package_id", metavar="WP", type=WORK_PACKAGE_ID)
@click.option(
    "--file-id",
    "file_ids",
    metavar="ID",
    multiple=True,
    help="Nextcloud file id to link (repeat for several).",
)
@click.option(
    "--path",
    "locations",
    metavar="PATH",
    multiple=True,
    help="Path of a file or folder in Nextcloud, e.g. '/OpenProject/Demo (1)/plan.pdf' "
    "(repeat for several).",
)
@click.option("--storage", "storage_id", type=int, help="Storage id (default: the project's).")
@pass_state
def link_files(
    state: CliState,
    work_package_id: int,
    file_ids: tuple[str, ...],
    locations: tuple[str, ...],
    storage_id: int | None,
) -> None:
    """Link files already in Nextcloud (by file id or path) to work package WP."""
    if not file_ids and not locations:
        raise click.UsageError("Name the files to link with --file-id or --path.")

    async def link(client: NepenthesClient) -> LinkBatchResult:
        project_id = await _work_package_project(client, work_package_id)
        storage = await _resolve_storage(client, project_id, storage_id)
        chosen = [await client.storage_file(storage, file_id) for file_id in file_ids]
        chosen += await client.storage_files_at(storage, list(locations))
        return await client.create_file_links(work_package_id, storage, chosen)

    result = state.call(link)
    if state.json:
        print_json({"linked": result.linked, "failed": _failures(result.failed)})
    else:
        for created in result.linked:
            click.echo(
                f"Linked {plain(created.name)} to #{work_package_id} (file link {created.id})"
            )
    _raise_first_failure(result.failed)


def _failures(failed: list[tuple[StorageFile, NepError]]) -> list[dict[str, str]]:
    return [
        {"file_id": file.id, "name": file.name, "error": error.message} for file, error in failed
    ]


def _raise_first_failure(
    failed: list[tuple[StorageFile, NepError]], stopped_by: NepError | None = None
) -> None:
    """Name every file that failed on stderr; exit with the class of the first failure."""
    for file, error in failed:
        info(f"not linked: {plain(file.name)}: {plain(error.message)}")
    if stopped_by is not None:
        raise stopped_by
    if failed:
        raise failed[0][1]


@files.command("unlink")
@click.argument("link_id", type=int)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def unlink_file(state: CliState, link_id: int, yes: bool) -> None:
    """Remove file link LINK_ID from its work package (the file stays in Nextcloud)."""
    confirm_or_refuse(
        yes,
        f"Unlink file link {link_id} from its work package? The file itself stays in Nextcloud.",
    )
    state.call(lambda client: client.delete_file_link(link_id))
    if state.json:
        print_json({"unlinked": link_id})
    else:
        click.echo(f"Unlinked file link {link_id}.")


COMMANDS = [files]
