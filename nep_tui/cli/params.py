"""Argument types shared by several commands."""

from __future__ import annotations

from typing import Any

import click
from click.shell_completion import CompletionItem

from nep_tui.api.links import work_package_id_from_url
from nep_tui.cli.completion import complete_project


class ProjectParam(click.ParamType[int | str]):
    """A project id (`12`) or identifier (`website`)."""

    name = "project"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> int | str:
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if not text:
            self.fail("a project id or identifier is needed", param, ctx)
        return int(text) if text.isdigit() else text

    def shell_complete(
        self, ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        return complete_project(ctx, incomplete)


class WorkPackageIdParam(click.ParamType[int]):
    """A work package: its number (`123`, `#123`) or a link to it."""

    name = "id"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        found = work_package_id_from_url(str(value))
        if not found:
            self.fail(f"{value!r} is not a work package number or link", param, ctx)
        return found


PROJECT = ProjectParam()
WORK_PACKAGE_ID = WorkPackageIdParam()
