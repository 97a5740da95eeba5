"""`nep-tui storage ...`: browse a file storage (Nextcloud) through the Nepenthes server."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from nep_tui.api.folder_download import FolderDownload, download_tree, storage_path_root
from nep_tui.cli.folder_transfer import TreeProgressLine, jobs_option, report_folder
from nep_tui.cli.output import Column, print_json, print_listing, print_table
from nep_tui.cli.state import CliState, pass_state
from nep_tui.formatting import format_datetime, format_size

if TYPE_CHECKING:
    from nep_tui.api.client import NepenthesClient

STORAGE_COLUMNS = [
    Column("ID", lambda s: s.id, align_right=True),
    Column("NAME", lambda s: s.name, flexible=True),
    Column("TYPE", lambda s: s.type),
    Column("CONNECTION", lambda s: s.authorization_state),
    Column("URL", lambda s: s.origin_url),
]

STORAGE_FILE_COLUMNS = [
    Column("ID", lambda f: f.id, align_right=True),
    Column("NAME", lambda f: f.name + ("/" if f.is_folder else ""), flexible=True),
    Column("SIZE", lambda f: "" if f.is_folder else format_size(f.size), align_right=True),
    Column("MODIFIED", lambda f: format_datetime(f.last_modified_at)),
    Column("BY", lambda f: f.last_modified_by),
]


@click.group()
def storage() -> None:
    """File storages: list them, list a folder, download a folder."""


@storage.command("list")
@pass_state
def list_storages(state: CliState) -> None:
    """List the file storages you can use, with your connection state."""
    found = state.call(lambda client: client.storages())
    print_listing(
        found,
        STORAGE_COLUMNS,
        empty="No file storages.",
        as_json=state.json,
        nouns=("file storage", "file storages"),
    )


@storage.command("ls")
@click.argument("storage_id", type=int)
@click.argument("path", default="/")
@pass_state
def list_folder(state: CliState, storage_id: int, path: str) -> None:
    """List the folder PATH (default: /) of storage STORAGE_ID."""
    listing = state.call(lambda client: client.storage_files(storage_id, path))
    if state.json:
        print_json(listing)
    else:
        print_table(listing.files, STORAGE_FILE_COLUMNS, empty="This folder is empty.")


@storage.command("get")
@click.argument("storage_id", type=int)
@click.argument("path")
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to download into (default: the current folder).",
)
@click.option("--overwrite", is_flag=True, help="Replace files that are already there.")
@jobs_option
@pass_state
def get_path(
    state: CliState, storage_id: int, path: str, output: Path | None, overwrite: bool, jobs: int
) -> None:
    """Download the folder (with everything in it) or file PATH of storage STORAGE_ID.

    It lands in a folder of its name in the output folder. Files already there are kept
    unless --overwrite is given; a re-run after an interruption fetches only what is missing.
    """
    progress = TreeProgressLine()

    async def download(client: NepenthesClient) -> FolderDownload:
        root = await storage_path_root(client, storage_id, path)
        return await download_tree(
            client,
            storage_id,
            root,
            output or Path.cwd(),
            overwrite=overwrite,
            jobs=jobs,
            progress=progress,
        )

    try:
        result = state.call(download)
    finally:
        progress.finish()
    report_folder(state, result)


COMMANDS = [storage]
