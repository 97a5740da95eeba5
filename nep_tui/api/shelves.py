"""The client calls whose answers are kept as last-seen data, and their keys."""

from __future__ import annotations

from pydantic import TypeAdapter

from nep_tui.api import models as m
from nep_tui.api.cache import LastSeen, Shelf


def _projects_key(search: str | None = None) -> str | None:
    return None if search else "all"


def _work_packages_key(
    project: int | str | m.Project | None = None,
    *,
    page: int = 1,
    page_size: int = 100,
    search: str | None = None,
    open_only: bool = True,
    assigned_to_me: bool = False,
) -> str | None:
    if page != 1:
        return None  # the first page per query is what a screen paints at once
    project_key = project.id if isinstance(project, m.Project) else project
    return f"{project_key}|{page_size}|{search or ''}|{open_only}|{assigned_to_me}"


def _by_id(id: int) -> str:
    return str(id)


def _by_work_package(wp_id: int) -> str:
    return str(wp_id)


def _notifications_key(*, unread_only: bool = False) -> str:
    return "unread" if unread_only else "all"


PROJECTS = Shelf("projects", TypeAdapter(m.Elements[m.Project]), _projects_key)
WORK_PACKAGES_PAGE = Shelf(
    "work_packages_page", TypeAdapter(m.Page[m.WorkPackage]), _work_packages_key
)
WORK_PACKAGE = Shelf("work_package", TypeAdapter(m.WorkPackage), _by_id)
ATTACHMENTS = Shelf("attachments", TypeAdapter(m.Elements[m.Attachment]), _by_work_package)
FILE_LINKS = Shelf("file_links", TypeAdapter(m.Elements[m.FileLink]), _by_work_package)
NOTIFICATIONS = Shelf("notifications", TypeAdapter(m.Elements[m.Notification]), _notifications_key)


def cached_project_identifiers(profile: str) -> list[str]:
    """The identifiers of the projects last seen on `profile` (for shell completion)."""
    cached = LastSeen(profile).recall(PROJECTS)
    return [project.identifier for project in cached.value] if cached else []
