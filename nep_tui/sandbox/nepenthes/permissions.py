"""Who may do what in which project, with OpenProject's permission names.

A membership carries a role; a role is a set of permissions. Instance admins may do everything.
Archived projects grant nothing to non-admins, as on the real server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nep_tui.sandbox.nepenthes.store import NepenthesStore

VIEW_PERMISSIONS = frozenset(
    {"view_project", "view_work_packages", "view_file_links", "read_files", "view_members"}
)
MEMBER_PERMISSIONS = VIEW_PERMISSIONS | {
    "add_work_packages",
    "edit_work_packages",
    "add_work_package_attachments",
    "delete_work_packages",
    "manage_file_links",
    "write_files",
    "create_files",
    "share_files",
}
PROJECT_ADMIN_PERMISSIONS = MEMBER_PERMISSIONS | {"manage_files_in_project", "edit_project"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "reader": VIEW_PERMISSIONS,
    "member": frozenset(MEMBER_PERMISSIONS),
    "project_admin": frozenset(PROJECT_ADMIN_PERMISSIONS),
}


def is_admin(store: NepenthesStore, user_id: int | None) -> bool:
    if user_id is None:
        return False
    return bool(store.scalar("SELECT admin FROM users WHERE id=?", (user_id,)))


def allowed(store: NepenthesStore, user_id: int | None, permission: str, project_id: int) -> bool:
    if user_id is None:
        return False
    if is_admin(store, user_id):
        return store.project(project_id) is not None
    role = store.scalar(
        "SELECT memberships.role FROM memberships JOIN projects ON projects.id = memberships.project_id"
        " WHERE memberships.user_id=? AND memberships.project_id=? AND projects.active=1",
        (user_id, project_id),
    )
    return role is not None and permission in ROLE_PERMISSIONS.get(role, frozenset())


def project_ids_with(store: NepenthesStore, user_id: int | None, permission: str) -> list[int]:
    """Every project in which the user has the permission (all projects for admins)."""
    if user_id is None:
        return []
    if is_admin(store, user_id):
        return [row[0] for row in store.all("SELECT id FROM projects ORDER BY id")]
    roles = [role for role, permissions in ROLE_PERMISSIONS.items() if permission in permissions]
    if not roles:
        return []
    marks = ",".join("?" * len(roles))
    rows = store.all(
        "SELECT memberships.project_id FROM memberships JOIN projects ON projects.id = memberships.project_id"
        f" WHERE memberships.user_id=? AND projects.active=1 AND memberships.role IN ({marks})"
        " ORDER BY memberships.project_id",
        (user_id, *roles),
    )
    return [row[0] for row in rows]


def visible_project_ids(store: NepenthesStore, user_id: int | None) -> list[int]:
    """Projects the user can see: admins all; others their active memberships and public ones."""
    if user_id is None:
        return []
    if is_admin(store, user_id):
        return [row[0] for row in store.all("SELECT id FROM projects ORDER BY id")]
    rows = store.all(
        "SELECT id FROM projects WHERE active=1 AND (public=1 OR id IN"
        " (SELECT project_id FROM memberships WHERE user_id=?)) ORDER BY id",
        (user_id,),
    )
    return [row[0] for row in rows]


def can_see_project(store: NepenthesStore, user_id: int | None, project_id: int) -> bool:
    if user_id is None:
        return False
    if is_admin(store, user_id):
        return store.project(project_id) is not None
    return (
        store.one(
            "SELECT 1 FROM projects WHERE id=? AND active=1 AND (public=1 OR id IN"
            " (SELECT project_id FROM memberships WHERE user_id=?))",
            (project_id, user_id),
        )
        is not None
    )
