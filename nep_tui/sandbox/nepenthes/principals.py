"""Principals, memberships and roles: who is in which project, as other clients ask for them.

`GET /api/v3/principals` is how third-party clients resolve a name to a user: as the real
`Principals::Scopes::Visible`, non-admins see themselves and the members of the projects they
can see; the filters are the real ones (`id`, `name`, `any_name_attribute`, `type`, `member`,
`status` by its number); `GET /api/v3/users` is the same for admins (with `login`), 403 for
the others. `GET /api/v3/memberships` lists the memberships of the projects where
the caller may view members (filters `project`, `principal`, `role`); each links its roles,
served at `/api/v3/roles/{id}` with the ids of a fresh OpenProject's seeded roles. The sandbox
has users only (no groups or placeholder users), so `type` selects nothing else.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from nep_tui.sandbox.nepenthes import permissions
from nep_tui.sandbox.nepenthes.auth import current_user
from nep_tui.sandbox.nepenthes.errors import forbidden, not_found
from nep_tui.sandbox.nepenthes.hal import (
    API,
    hal_response,
    link,
    paginated_collection,
    parse_paging,
    plain_collection,
)
from nep_tui.sandbox.nepenthes.meta import represent_user, user_name
from nep_tui.sandbox.nepenthes.query import (
    Filter,
    integer_values,
    invalid_values,
    like_pattern,
    parse_filters,
)
from nep_tui.sandbox.nepenthes.store import NepenthesStore, request_store

# role column → (id, name) of the real seeded roles
ROLES = {"project_admin": (3, "Project admin"), "member": (4, "Member"), "reader": (5, "Reader")}
# the status numbers of the real `Principal.statuses`
STATUS_NUMBERS = {"active": "1", "registered": "2", "locked": "3", "invited": "4"}
TEXT_OPERATORS = {"~", "!~", "=", "!", "**"}
LIST_OPERATORS = {"=", "!"}
PRINCIPAL_FILTERS = {
    "id": LIST_OPERATORS,
    "name": TEXT_OPERATORS,
    "anynameattribute": TEXT_OPERATORS,
    "type": LIST_OPERATORS,
    "member": {"=", "!", "*", "!*"},
    "status": LIST_OPERATORS,
}
USER_FILTERS = {
    **{name: PRINCIPAL_FILTERS[name] for name in ("id", "name", "anynameattribute", "status")},
    "login": TEXT_OPERATORS,
}
MEMBERSHIP_FILTERS = {
    "project": LIST_OPERATORS,
    "principal": LIST_OPERATORS,
    "role": LIST_OPERATORS,
}


def _negated(operator: str, clause: str) -> str:
    return f"NOT ({clause})" if operator in ("!", "!~", "!*") else clause


def _in(column: str, count: int) -> str:
    return f"{column} IN ({','.join('?' * count) or 'NULL'})"


def _principal_clause(flt: Filter) -> tuple[str, list[Any]]:
    full_name = "users.first_name || ' ' || users.last_name"
    match flt.name:
        case "id":
            ids = integer_values(flt)
            return _negated(flt.operator, _in("users.id", len(ids))), list(ids)
        case "name" | "anynameattribute" | "login":
            columns = {
                "name": [full_name],
                "login": ["users.login"],
                "anynameattribute": [full_name, "users.login", "users.email"],
            }[flt.name]
            if flt.operator in ("=", "!"):
                clause = " OR ".join(f"lower({column}) = lower(?)" for column in columns)
                values = [value for _column in columns for value in flt.values[:1]]
            else:
                clause = " OR ".join(f"{column} LIKE ? ESCAPE '\\'" for column in columns)
                values = [like_pattern(flt.values[0]) for _column in columns]
            return _negated(flt.operator, clause), values
        case "type":
            known = {"User", "Group", "PlaceholderUser"}
            if not set(flt.values) <= known:
                raise invalid_values(flt)
            return _negated(flt.operator, "1" if "User" in flt.values else "0"), []
        case "member":
            members = "users.id IN (SELECT user_id FROM memberships"
            if flt.operator in ("*", "!*"):
                return _negated(flt.operator, members + ")"), []
            ids = integer_values(flt)
            return (
                _negated(flt.operator, members + f" WHERE {_in('project_id', len(ids))})"),
                list(ids),
            )
        case _:  # status
            by_number = {number: name for name, number in STATUS_NUMBERS.items()}
            if not set(flt.values) <= set(by_number):
                raise invalid_values(flt)
            names = [by_number[value] for value in flt.values]
            return _negated(flt.operator, _in("users.status", len(names))), names


def _visible_principals(store: NepenthesStore, viewer_id: int) -> tuple[str, list[Any]]:
    if permissions.is_admin(store, viewer_id):
        return "1", []
    projects = permissions.visible_project_ids(store, viewer_id)
    return (
        "(users.id = ? OR users.id IN (SELECT user_id FROM memberships WHERE "
        + _in("project_id", len(projects))
        + "))",
        [viewer_id, *projects],
    )


async def list_principals(request: Request) -> JSONResponse:
    return _users_page(request, PRINCIPAL_FILTERS)


async def list_users(request: Request) -> JSONResponse:
    """Admins only here: the real server also lets `manage_members`, `manage_user` and
    `share_work_packages` holders in, and no sandbox role has those."""
    if not permissions.is_admin(request_store(request), current_user(request)):
        raise forbidden()
    return _users_page(request, USER_FILTERS)


def _users_page(request: Request, known_filters: dict[str, set[str]]) -> JSONResponse:
    store = request_store(request)
    viewer_id = current_user(request)
    paging = parse_paging(request)
    clauses, params = [], []
    for clause, values in [
        _visible_principals(store, viewer_id),
        *(_principal_clause(flt) for flt in parse_filters(request, known_filters)),
    ]:
        clauses.append(clause)
        params += values
    where = " AND ".join(clauses)
    total = store.scalar(f"SELECT COUNT(*) FROM users WHERE {where}", params)
    rows = store.all(
        f"SELECT users.* FROM users WHERE {where} ORDER BY users.id LIMIT ? OFFSET ?",
        [*params, paging.page_size, paging.sql_offset],
    )
    admin = permissions.is_admin(store, viewer_id)
    elements = [represent_user(store, row, viewer_id=viewer_id, viewer_admin=admin) for row in rows]
    return hal_response(paginated_collection(request, elements, total, paging))


# --- memberships and roles -------------------------------------------------------------------


def _role_link(role: str) -> dict[str, Any]:
    role_id, name = ROLES.get(role, (0, role))
    return link(f"{API}/roles/{role_id}", name)


def represent_membership(
    store: NepenthesStore, row: sqlite3.Row, *, viewer_id: int
) -> dict[str, Any]:
    project = store.project(row["project_id"])
    user = store.user(row["user_id"])
    assert project is not None and user is not None
    membership_id = row["rowid"]
    links: dict[str, Any] = {
        "self": link(f"{API}/memberships/{membership_id}", user_name(user)),
        "schema": link(f"{API}/memberships/schema"),
        "project": link(f"{API}/projects/{project['id']}", project["name"]),
        "principal": link(f"{API}/users/{user['id']}", user_name(user)),
        "roles": [_role_link(row["role"])],
    }
    return {
        "_type": "Membership",
        "id": membership_id,
        "createdAt": row["created_at"],
        "updatedAt": row["created_at"],
        "_links": links,
    }


def _membership_clause(flt: Filter) -> tuple[str, list[Any]]:
    if flt.name == "role":
        by_id = {str(role_id): role for role, (role_id, _name) in ROLES.items()}
        if not set(flt.values) <= set(by_id):
            raise invalid_values(flt)
        roles = [by_id[value] for value in flt.values]
        return _negated(flt.operator, _in("role", len(roles))), roles
    column = "project_id" if flt.name == "project" else "user_id"
    ids = integer_values(flt)
    return _negated(flt.operator, _in(column, len(ids))), list(ids)


async def list_memberships(request: Request) -> JSONResponse:
    store = request_store(request)
    viewer_id = current_user(request)
    paging = parse_paging(request)
    projects = permissions.project_ids_with(store, viewer_id, "view_members")
    clauses, params = [_in("project_id", len(projects))], list(projects)
    for flt in parse_filters(request, MEMBERSHIP_FILTERS):
        clause, values = _membership_clause(flt)
        clauses.append(clause)
        params += values
    where = " AND ".join(clauses)
    total = store.scalar(f"SELECT COUNT(*) FROM memberships WHERE {where}", params)
    rows = store.all(
        f"SELECT rowid, * FROM memberships WHERE {where} ORDER BY rowid LIMIT ? OFFSET ?",
        [*params, paging.page_size, paging.sql_offset],
    )
    elements = [represent_membership(store, row, viewer_id=viewer_id) for row in rows]
    return hal_response(paginated_collection(request, elements, total, paging))


async def get_membership(request: Request) -> JSONResponse:
    store = request_store(request)
    viewer_id = current_user(request)
    raw = request.path_params["id"]
    row = (
        store.one("SELECT rowid, * FROM memberships WHERE rowid=?", (int(raw),))
        if raw.isdigit()
        else None
    )
    if row is None or not permissions.allowed(store, viewer_id, "view_members", row["project_id"]):
        raise not_found()
    return hal_response(represent_membership(store, row, viewer_id=viewer_id))


def _represent_role(role_id: int, name: str) -> dict[str, Any]:
    return {
        "_type": "Role",
        "id": role_id,
        "name": name,
        "_links": {"self": link(f"{API}/roles/{role_id}", name)},
    }


async def list_roles(request: Request) -> JSONResponse:
    current_user(request)
    elements = [_represent_role(role_id, name) for role_id, name in sorted(ROLES.values())]
    return hal_response(plain_collection(f"{API}/roles", elements))


async def get_role(request: Request) -> JSONResponse:
    current_user(request)
    wanted = request.path_params["id"]
    for role_id, name in ROLES.values():
        if str(role_id) == wanted:
            return hal_response(_represent_role(role_id, name))
    raise not_found()


routes = [
    Route("/api/v3/principals", list_principals, methods=["GET"]),
    Route("/api/v3/users", list_users, methods=["GET"]),
    Route("/api/v3/memberships", list_memberships, methods=["GET"]),
    Route("/api/v3/memberships/{id}", get_membership, methods=["GET"]),
    Route("/api/v3/roles", list_roles, methods=["GET"]),
    Route("/api/v3/roles/{id}", get_role, methods=["GET"]),
]
