"""What `files download` and `attachments download` share: options, errors, the report."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from nep_tui.api.errors import DownloadTargetExists
from nep_tui.cli.output import Progress, print_json
from nep_tui.cli.state import CliState
from nep_tui.formatting import format_size

F = TypeVar("F", bound=Callable[..., Any])


def download_options(command: F) -> F:
    command = click.option(
        "--overwrite", is_flag=True, help="Replace an existing file at the destination."
    )(command)
    return click.option(
        "-o",
        "--output",
        type=click.Path(path_type=Path),
        help="File to write, or a folder to write into (default: the current folder).",
    )(command)


@contextmanager
def downloaded(progress: Progress) -> Iterator[None]:
    """Ends the progress line, and says how to resolve an existing destination."""
    try:
        yield
    except DownloadTargetExists as error:
        error.hint = "pass --overwrite to replace it, or -o to choose another path"
        raise
    finally:
        progress.finish()


def report_download(state: CliState, path: Path, identity: dict[str, int]) -> None:
    size = path.stat().st_size
    if state.json:
        print_json({**identity, "path": str(path.resolve()), "size": size})
    else:
        click.echo(f"Saved {path} ({format_size(size)})")
