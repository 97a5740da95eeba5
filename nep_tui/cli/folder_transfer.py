"""What `files download` (of a linked folder) and `storage get` share: the tree's progress
line, the report, and the exit code when some files failed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from nep_tui.api.folder_download import (
    DEFAULT_JOBS,
    MAX_JOBS,
    SKIP_EXISTS,
    FolderDownload,
    TreeProgress,
    folder_summary,
)
from nep_tui.cli.exit_codes import ExitCode
from nep_tui.cli.output import StatusLine, cell, info, percent, print_json
from nep_tui.cli.state import CliState
from nep_tui.formatting import format_size, plain, truncate

F = TypeVar("F", bound=Callable[..., Any])


def jobs_option(command: F) -> F:
    return click.option(
        "--jobs",
        type=click.IntRange(1, MAX_JOBS),
        default=DEFAULT_JOBS,
        show_default=True,
        help="Files of a folder downloaded at the same time.",
    )(command)


class TreeProgressLine(StatusLine):
    """`12/200 files  3.1 MB / 20 MB  15%  sub/current.pdf` on stderr."""

    def __call__(self, state: TreeProgress) -> None:
        amount = f"{format_size(state.done_bytes)} / {format_size(state.total_bytes)}"
        current = truncate(cell(state.current), 40) if state.current else ""
        self.draw(
            f"{state.done_files}/{state.total_files} files  {amount}  "
            f"{percent(state.done_bytes, state.total_bytes)}  {current}".rstrip(),
            final=state.done_files == state.total_files,
        )


def report_folder(state: CliState, result: FolderDownload) -> None:
    """The JSON document or a summary; every skipped-for-a-reason and failed file on stderr;
    exit 1 when some file failed."""
    if state.json:
        print_json(result)
    else:
        click.echo(plain(folder_summary(result)))
    for entry in result.skipped:
        if entry.reason != SKIP_EXISTS:
            info(f"skipped: {plain(entry.path)}: {plain(entry.reason)}")
    for failure in result.failed:
        info(f"failed: {plain(failure.path)}: {plain(failure.error)}")
    if result.failed:
        raise SystemExit(int(ExitCode.GENERIC))
