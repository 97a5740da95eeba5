"""The storage-related work-package filters (`modules/storages/.../work_packages/filter/` on the
real server), as SQL the work-package query ANDs into its WHERE clause.

- `file_link_origin_id` = [origin ids]: work packages linking that file (needs `view_file_links`);
- `storage_id` / `storage_url`: work packages with links into that storage (`view_file_links`);
- `linkable_to_storage_id` / `linkable_to_storage_url`: work packages in projects where the
  storage is active and the user may `manage_file_links`.
URL values are CGI-unescaped and a trailing slash is optional.
"""

from __future__ import annotations

from typing import Any

from nep_tui.sandbox.nepenthes import permissions, storage_store
from nep_tui.sandbox.nepenthes.errors import invalid_query
from nep_tui.sandbox.nepenthes.storage_context import same_origin, snake_case
from nep_tui.sandbox.nepenthes.store import NepenthesStore

FILTER_NAMES = frozenset(
    {"file_link_origin_id", "storage_id", "storage_url", "linkable_to_storage_id", "linkable_to_storage_url"}
)


def is_storage_filter(name: str) -> bool:
    """True for the names above, in snake_case or camelCase."""
    return snake_case(name) in FILTER_NAMES


def _in(column: str, values: list[Any]) -> tuple[str, list[Any]]:
    if not values:
        return "0", []
    return f"{column} IN ({','.join('?' * len(values))})", list(values)


def _storage_ids(store: NepenthesStore, name: str, values: list[str], nextcloud_url: str) -> list[int]:
    """The storages a `*_storage_id` or `*_storage_url` filter names (the sandbox has one
    Nextcloud, so a URL matches every storage or none)."""
    known = [row["id"] for row in storage_store.storages(store.db)]
    if name.endswith("_url"):
        return known if any(same_origin(value, nextcloud_url) for value in values) else []
    return [storage_id for storage_id in known if str(storage_id) in values]


def storage_filter_clause(
    name: str,
    operator: str,
    values: list[str],
    user_id: int,
    *,
    store: NepenthesStore,
    nextcloud_url: str,
) -> tuple[str, list[Any]]:
    """SQL over `work_packages` (its `id` and `project_id` columns) and its parameters."""
    name = snake_case(name)
    if name not in FILTER_NAMES:
        raise invalid_query(f"Filters {name} does not exist.")
    if operator != "=":
        raise invalid_query(f"Filters {name} Operator is not set to one of the allowed values.")
    if name.startswith("linkable_to_"):
        storage_ids = _storage_ids(store, name, values, nextcloud_url)
        active = {
            row["project_id"]
            for storage_id in storage_ids
            for row in storage_store.project_storages(store.db, storage_id=storage_id)
        }
        projects = [pid for pid in permissions.project_ids_with(store, user_id, "manage_file_links") if pid in active]
        return _in("work_packages.project_id", projects)
    viewable_sql, viewable = _in(
        "work_packages.project_id", permissions.project_ids_with(store, user_id, "view_file_links")
    )
    if name == "file_link_origin_id":
        links_sql, link_params = _in("origin_id", [str(value) for value in values])
    else:
        links_sql, link_params = _in("storage_id", _storage_ids(store, name, values, nextcloud_url))
    sql = f"work_packages.id IN (SELECT container_id FROM file_links WHERE {links_sql}) AND {viewable_sql}"
    return sql, [*link_params, *viewable]
