"""Confirmation before anything is removed: asked on a terminal, `--yes` everywhere else."""

from __future__ import annotations

import sys

import click


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def confirm_or_refuse(yes: bool, question: str) -> None:
    """Ask on a terminal; without one, refuse unless --yes was given."""
    if yes:
        return
    if not stdin_is_terminal():
        raise click.UsageError(
            "refusing to change anything without confirmation; "
            "pass --yes when not running on a terminal"
        )
    if not click.confirm(question, default=False, err=True):
        raise click.ClickException("cancelled; nothing was changed")
