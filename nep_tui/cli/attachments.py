"""`nep-tui attachments ...`: files attached to work packages on the Nepenthes server itself."""

from __future__ import annotations

from pathlib import Path

import click

from nep_tui.cli.confirm import confirm_or_refuse
from nep_tui.cli.output import Column, Progress, print_json, print_listing
from nep_tui.cli.params import WORK_PACKAGE_ID
from nep_tui.cli.state import CliState, pass_state
from nep_tui.cli.transfer import download_options, downloaded, report_download
from nep_tui.formatting import format_datetime, format_size, plain

ATTACHMENT_COLUMNS = [
    Column("ID", lambda a: a.id, align_right=True),
    Column("NAME", lambda a: a.file_name, flexible=True),
    Column("SIZE", lambda a: format_size(a.file_size), align_right=True),
    Column("TYPE", lambda a: a.content_type),
    Column("AUTHOR", lambda a: a.author_name),
    Column("CREATED", lambda a: format_datetime(a.created_at)),
]


@click.group()
def attachments() -> None:
    """Attachments of work packages: list, upload, download, delete."""


@attachments.command("list")
@click.argument("work_package_id", metavar="WP", type=WORK_PACKAGE_ID)
@pass_state
def list_attachments(state: CliState, work_package_id: int) -> None:
    """List the attachments of work package WP."""
    found = state.call(lambda client: client.attachments(work_package_id))
    print_listing(
        found,
        ATTACHMENT_COLUMNS,
        empty="No attachments.",
        as_json=state.json,
        nouns=("attachment", "attachments"),
    )


@attachments.command("upload")
@click.argument("work_package_id", metavar="WP", type=WORK_PACKAGE_ID)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@pass_state
def upload_attachment(state: CliState, work_package_id: int, path: Path) -> None:
    """Attach the file PATH to work package WP."""
    progress = Progress(path.name)
    try:
        created = state.call(
            lambda client: client.upload_attachment(work_package_id, path, progress=progress)
        )
    finally:
        progress.finish()
    if state.json:
        print_json(created)
    else:
        click.echo(
            f"Attached {plain(created.file_name)} to #{work_package_id} "
            f"(attachment {created.id}, {format_size(created.file_size)})"
        )


@attachments.command("download")
@click.argument("attachment_id", metavar="ID", type=int)
@download_options
@pass_state
def download_attachment(
    state: CliState, attachment_id: int, output: Path | None, overwrite: bool
) -> None:
    """Download attachment ID (into the current folder by default).

    An existing file is never replaced unless --overwrite is given.
    """
    progress = Progress(f"attachment {attachment_id}")
    with downloaded(progress):
        path = state.call(
            lambda client: client.download_attachment(
                attachment_id, output or Path.cwd(), overwrite=overwrite, progress=progress
            )
        )
    report_download(state, path, {"attachment_id": attachment_id})


@attachments.command("delete")
@click.argument("attachment_id", metavar="ID", type=int)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def delete_attachment(state: CliState, attachment_id: int, yes: bool) -> None:
    """Delete attachment ID from the server (this cannot be undone)."""
    confirm_or_refuse(yes, f"Delete attachment {attachment_id}? This cannot be undone.")
    state.call(lambda client: client.delete_attachment(attachment_id))
    if state.json:
        print_json({"deleted": attachment_id})
    else:
        click.echo(f"Deleted attachment {attachment_id}.")


COMMANDS = [attachments]
