"""Work package writes: forms (validate without saving), create (201), update with optimistic
locking (409 on a stale `lockVersion`), delete (204)."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from nep_tui.sandbox.nepenthes import journals, permissions
from nep_tui.sandbox.nepenthes.app import request_config
from nep_tui.sandbox.nepenthes.auth import current_user
from nep_tui.sandbox.nepenthes.errors import ApiError, forbidden
from nep_tui.sandbox.nepenthes.hal import (
    API,
    formattable,
    hal_response,
    link,
    read_json_body,
)
from nep_tui.sandbox.nepenthes.meta import user_name
from nep_tui.sandbox.nepenthes.projects import enabled_types, visible_project
from nep_tui.sandbox.nepenthes.schemas import work_package_schema
from nep_tui.sandbox.nepenthes.store import NepenthesStore, inserted_id, now_iso, request_store
from nep_tui.sandbox.nepenthes.versions import assignable_versions
from nep_tui.sandbox.nepenthes.work_packages import (
    duration,
    represent_work_package,
    visible_work_package,
)

STATUS_TRANSITION_INVALID = (
    "Status is invalid because no valid transition exists from old to new status"
    " for the current user's roles."
)
UPDATE_CONFLICT = "Your changes could not be saved, because the work package was changed since you've seen it the last time."
# `_links` name → (API resource, column)
LINKED = {
    "project": ("projects", "project_id"),
    "type": ("types", "type_id"),
    "status": ("statuses", "status_id"),
    "priority": ("priorities", "priority_id"),
    "assignee": ("users", "assignee_id"),
    "responsible": ("users", "responsible_id"),
    "version": ("versions", "version_id"),
}


@dataclass(frozen=True)
class Fields:
    """The writable state of a work package."""

    project_id: int | None
    type_id: int | None
    status_id: int | None
    priority_id: int | None
    assignee_id: int | None
    responsible_id: int | None
    subject: str
    description: str
    start_date: str | None
    due_date: str | None
    percentage_done: int | None
    version_id: int | None

    @classmethod
    def of(cls, row: sqlite3.Row) -> Fields:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})

    @classmethod
    def defaults(cls, store: NepenthesStore, project_id: int | None) -> Fields:
        def default(table: str) -> int | None:
            found: int | None = store.scalar(
                f"SELECT id FROM {table} ORDER BY is_default DESC, position LIMIT 1"
            )
            return found

        return cls(
            project_id,
            default("types"),
            default("statuses"),
            default("priorities"),
            None,
            None,
            "",
            "",
            None,
            None,
            0,
            None,
        )


def _linked_id(value: Any, name: str, resource: str) -> tuple[int | None, str | None]:
    """(id, problem) for `{"href": "/api/v3/<resource>/<id>"}`; `{"href": null}` unsets."""
    href = value.get("href") if isinstance(value, dict) else None
    if href is None:
        return None, None
    prefix = f"{API}/{resource}/"
    if (
        not isinstance(href, str)
        or not href.startswith(prefix)
        or not href[len(prefix) :].isdigit()
    ):
        return (
            None,
            f"For property '{name}' a link like '{prefix}:id' is expected, but got '{href}'.",
        )
    return int(href[len(prefix) :]), None


class Draft:
    """A body applied to a base state (defaults when creating, the row when updating), with
    every problem found on the way, as the real contracts collect them."""

    def __init__(
        self,
        store: NepenthesStore,
        viewer_id: int,
        body: dict[str, Any],
        base: Fields,
        *,
        fixed_project: bool,
        current_status: int | None = None,
    ) -> None:
        """`current_status`: the stored status of the work package being updated, from which
        the workflow decides the statuses allowed (None when creating: every status)."""
        self.store = store
        self.viewer_id = viewer_id
        self.current_status = current_status
        self.base = base
        self.errors: list[ApiError] = []
        changes: dict[str, Any] = {}
        if "subject" in body:
            changes["subject"] = body["subject"] if isinstance(body["subject"], str) else ""
        if "description" in body:
            description = body["description"]
            raw = description.get("raw") if isinstance(description, dict) else None
            changes["description"] = raw if isinstance(raw, str) else ""
        for name, column in (("startDate", "start_date"), ("dueDate", "due_date")):
            if name in body:
                changes[column] = self._date(body[name], name)
        if "date" in body:  # milestones
            changes["start_date"] = changes["due_date"] = self._date(body["date"], "date")
        if "percentageDone" in body:
            changes["percentage_done"] = self._percentage(body["percentageDone"])
        sent_links = body.get("_links")
        links = sent_links if isinstance(sent_links, dict) else {}
        for name, (resource, column) in LINKED.items():
            if name in links and not (name == "project" and fixed_project):
                value, problem = _linked_id(links[name], name, resource)
                if problem:
                    self.errors.append(
                        ApiError(422, "ResourceTypeMismatch", problem, attribute=name)
                    )
                else:
                    changes[column] = value
        self.fields = replace(base, **changes)
        self._validate()

    def _date(self, value: Any, name: str) -> str | None:
        if value is None:
            return None
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            self.errors.append(
                ApiError(
                    422,
                    "PropertyFormatError",
                    f"{name} is not a valid date (YYYY-MM-DD).",
                    attribute=name,
                )
            )
            return None

    def _percentage(self, value: Any) -> int | None:
        if value is None or (
            isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100
        ):
            return value
        self._violation("percentageDone", "% Complete must be between 0 and 100.")
        return None

    def _violation(self, attribute: str, message: str) -> None:
        self.errors.append(
            ApiError(422, "PropertyConstraintViolation", message, attribute=attribute)
        )

    def _exists(self, table: str, row_id: int | None) -> bool:
        return (
            row_id is not None
            and self.store.one(f"SELECT 1 FROM {table} WHERE id=?", (row_id,)) is not None
        )

    def _validate(self) -> None:
        store, fields = self.store, self.fields
        if not fields.subject.strip():
            self._violation("subject", "Subject can't be blank.")
        elif len(fields.subject) > 255:
            self._violation("subject", "Subject is too long (maximum is 255 characters).")
        if fields.project_id is None or not permissions.can_see_project(
            store, self.viewer_id, fields.project_id
        ):
            self._violation("project", "Project can't be blank.")
        elif fields.type_id not in [row["id"] for row in enabled_types(store, fields.project_id)]:
            self._violation("type", "Type is not set to one of the allowed values.")
        if not self._exists("statuses", fields.status_id):
            self._violation("status", "Status is not set to one of the allowed values.")
        elif (allowed := self.allowed_statuses()) is not None and fields.status_id not in allowed:
            self._violation("status", STATUS_TRANSITION_INVALID)
        if not self._exists("priorities", fields.priority_id):
            self._violation("priority", "Priority is not set to one of the allowed values.")
        for attribute, user_id in (
            ("assignee", fields.assignee_id),
            ("responsible", fields.responsible_id),
        ):
            if user_id is not None and (
                fields.project_id is None
                or store.one(
                    "SELECT 1 FROM memberships WHERE user_id=? AND project_id=?",
                    (user_id, fields.project_id),
                )
                is None
            ):
                self._violation(
                    attribute, f"{attribute.capitalize()} is not set to one of the allowed values."
                )
        if fields.version_id is not None and fields.version_id not in [
            row["id"]
            for row in (
                assignable_versions(store, fields.project_id, current=self.base.version_id)
                if fields.project_id is not None
                else []
            )
        ]:
            self._violation("version", "Version is not set to one of the allowed values.")
        if fields.start_date and fields.due_date and fields.due_date < fields.start_date:
            self._violation("dueDate", "Finish date must be greater than or equal to start date.")

    def allowed_statuses(self) -> list[int] | None:
        fields = self.fields
        if fields.project_id is None or fields.type_id is None:
            return None
        return journals.allowed_status_ids(
            self.store, self.viewer_id, fields.project_id, fields.type_id, self.current_status
        )

    def raise_errors(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise ApiError(
                422,
                "MultipleErrors",
                "Multiple field constraints have been violated.",
                errors=self.errors,
            )

    def _payload_link(self, resource: str, value: int | None) -> dict[str, Any]:
        """A payload link carries the title of what it names, as the real payload does."""
        if value is None:
            return link(None)
        row = self.store.one(f"SELECT * FROM {resource} WHERE id=?", (value,))
        if row is None:
            return link(f"{API}/{resource}/{value}")
        title = user_name(row) if resource == "users" else row["name"]
        return link(f"{API}/{resource}/{value}", title)

    def payload(self) -> dict[str, Any]:
        fields = self.fields
        return {
            "subject": fields.subject,
            "description": formattable(fields.description),
            "scheduleManually": False,
            "startDate": fields.start_date,
            "dueDate": fields.due_date,
            "estimatedTime": None,
            "duration": duration(fields.start_date, fields.due_date),
            "ignoreNonWorkingDays": False,
            "percentageDone": fields.percentage_done,
            "remainingTime": None,
            "_links": {
                **{
                    name: self._payload_link(resource, getattr(fields, column))
                    for name, (resource, column) in LINKED.items()
                },
                # Not played by the sandbox: always unset, as in a real payload without them.
                "category": link(None),
                "parent": link(None),
            },
        }

    def form(
        self, self_href: str, commit: dict[str, Any], work_package_id: int | None = None
    ) -> dict[str, Any]:
        fields = self.fields
        schema = (
            work_package_schema(
                self.store,
                fields.project_id,
                fields.type_id,
                self.allowed_statuses(),
                work_package_id,
            )
            if fields.project_id is not None
            and fields.type_id is not None
            and self.store.project(fields.project_id)
            else {"_type": "Schema", "_links": {}}
        )
        links: dict[str, Any] = {
            "self": link(self_href, method="post"),
            "validate": link(self_href, method="post"),
            "previewMarkup": link(f"{API}/render/markdown", method="post"),
        }
        if not self.errors:
            links["commit"] = commit  # present only when the payload is valid
        return {
            "_type": "Form",
            "_embedded": {
                "payload": self.payload(),
                "schema": schema,
                "validationErrors": {
                    error.attribute or "base": error.body() for error in self.errors
                },
            },
            "_links": links,
        }


# --- create ----------------------------------------------------------------------------------


async def _new_draft(request: Request, project_ref: str | None) -> tuple[int, Draft]:
    """404 for an invisible project in the path, 403 without add_work_packages."""
    store = request_store(request)
    viewer_id = current_user(request)
    project_id = visible_project(request, project_ref)[1]["id"] if project_ref is not None else None
    body = await read_json_body(request)
    draft = Draft(
        store,
        viewer_id,
        body,
        Fields.defaults(store, project_id),
        fixed_project=project_ref is not None,
    )
    target = draft.fields.project_id
    if target is not None and permissions.can_see_project(store, viewer_id, target):
        if not permissions.allowed(store, viewer_id, "add_work_packages", target):
            raise forbidden()
    elif not permissions.project_ids_with(store, viewer_id, "add_work_packages"):
        raise forbidden()
    return viewer_id, draft


def _insert(store: NepenthesStore, viewer_id: int, fields: Fields) -> int:
    stamp = now_iso()
    cursor = store.db.execute(
        "INSERT INTO work_packages (project_id, type_id, status_id, priority_id, author_id, assignee_id,"
        " responsible_id, subject, description, start_date, due_date, percentage_done, version_id,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            fields.project_id,
            fields.type_id,
            fields.status_id,
            fields.priority_id,
            viewer_id,
            fields.assignee_id,
            fields.responsible_id,
            fields.subject,
            fields.description,
            fields.start_date,
            fields.due_date,
            fields.percentage_done,
            fields.version_id,
            stamp,
            stamp,
        ),
    )
    return inserted_id(cursor)


async def _create_form(request: Request, project_ref: str | None, self_href: str) -> JSONResponse:
    _viewer, draft = await _new_draft(request, project_ref)
    return hal_response(draft.form(self_href, link(self_href.removesuffix("/form"), method="post")))


async def _create(request: Request, project_ref: str | None) -> JSONResponse:
    viewer_id, draft = await _new_draft(request, project_ref)
    draft.raise_errors()
    store = request_store(request)
    with store.transaction():
        wp_id = _insert(store, viewer_id, draft.fields)
        journals.write_journal(store, wp_id, viewer_id)
    row = store.work_package(wp_id)
    assert row is not None
    # 201, as `API::Utilities::Endpoints::Create` answers (the spec says 200).
    return hal_response(represent_work_package(store, row, viewer_id=viewer_id), status=201)


async def project_form(request: Request) -> JSONResponse:
    ref = request.path_params["ref"]
    return await _create_form(request, ref, f"{API}/projects/{ref}/work_packages/form")


async def global_form(request: Request) -> JSONResponse:
    return await _create_form(request, None, f"{API}/work_packages/form")


async def create_in_project(request: Request) -> JSONResponse:
    return await _create(request, request.path_params["ref"])


async def create_global(request: Request) -> JSONResponse:
    return await _create(request, None)


# --- update and delete -----------------------------------------------------------------------


async def _update_draft(request: Request) -> tuple[int, sqlite3.Row, dict[str, Any], Draft]:
    """404 when invisible, 403 without edit_work_packages (and add_work_packages in a new project)."""
    viewer_id, row = visible_work_package(request, request.path_params["id"])
    store = request_store(request)
    if not permissions.allowed(store, viewer_id, "edit_work_packages", row["project_id"]):
        raise forbidden()
    body = await read_json_body(request)
    draft = Draft(
        store,
        viewer_id,
        body,
        Fields.of(row),
        fixed_project=False,
        current_status=row["status_id"],
    )
    target = draft.fields.project_id
    if (
        target is not None
        and target != row["project_id"]
        and permissions.can_see_project(store, viewer_id, target)
    ):
        if not permissions.allowed(store, viewer_id, "add_work_packages", target):
            raise forbidden()
    return viewer_id, row, body, draft


async def update_form(request: Request) -> JSONResponse:
    _viewer, row, _body, draft = await _update_draft(request)
    href = f"{API}/work_packages/{row['id']}"
    return hal_response(draft.form(f"{href}/form", link(href, method="patch"), row["id"]))


# Properties a PATCH may carry but not change, with the names the real contract's sentence uses
# ("<name> was attempted to be written but is not writable."): a client that sends back what it
# read is fine; a changed value is refused.
READ_ONLY_TIMES = {
    "createdAt": ("created_at", "Created on"),
    "updatedAt": ("updated_at", "Updated on"),
}


def _same_time(sent: Any, stored: str) -> bool:
    try:
        return isinstance(sent, str) and datetime.fromisoformat(sent) == datetime.fromisoformat(
            stored
        )
    except ValueError:
        return False


def read_only_errors(body: dict[str, Any], row: sqlite3.Row) -> list[ApiError]:
    changed: list[tuple[str, str]] = []
    if "id" in body and body["id"] != row["id"]:
        changed.append(("id", "ID"))
    for name, (column, human) in READ_ONLY_TIMES.items():
        if name in body and not _same_time(body[name], row[column]):
            changed.append((name, human))
    links = body.get("_links")
    if isinstance(links, dict) and "author" in links:
        author, _problem = _linked_id(links["author"], "author", "users")
        if author != row["author_id"]:
            changed.append(("author", "Author"))
    return [
        ApiError(
            422,
            "PropertyIsReadOnly",
            f"{human} was attempted to be written but is not writable.",
            attribute=name,
        )
        for name, human in changed
    ]


async def update(request: Request) -> JSONResponse:
    viewer_id, row, body, draft = await _update_draft(request)
    lock_version = body.get("lockVersion")
    if not isinstance(lock_version, int) or isinstance(lock_version, bool):
        raise ApiError(
            422,
            "PropertyConstraintViolation",
            "Lock Version can't be blank.",
            attribute="lockVersion",
        )
    if lock_version != row["lock_version"]:
        raise ApiError(409, "UpdateConflict", UPDATE_CONFLICT)
    draft.errors[:0] = read_only_errors(body, row)
    draft.raise_errors()
    fields = draft.fields
    store = request_store(request)
    details = journals.change_details(store, row["id"], asdict(Fields.of(row)), asdict(fields))
    if not details:  # nothing changed: no journal, the lock version stays
        return hal_response(represent_work_package(store, row, viewer_id=viewer_id))
    with store.transaction():
        changed = store.db.execute(
            "UPDATE work_packages SET project_id=?, type_id=?, status_id=?, priority_id=?, assignee_id=?, responsible_id=?,"
            " subject=?, description=?, start_date=?, due_date=?, percentage_done=?, version_id=?,"
            " lock_version=lock_version+1,"
            " updated_at=? WHERE id=? AND lock_version=?",
            (
                fields.project_id,
                fields.type_id,
                fields.status_id,
                fields.priority_id,
                fields.assignee_id,
                fields.responsible_id,
                fields.subject,
                fields.description,
                fields.start_date,
                fields.due_date,
                fields.percentage_done,
                fields.version_id,
                now_iso(),
                row["id"],
                lock_version,
            ),
        ).rowcount
        if changed != 1:
            raise ApiError(409, "UpdateConflict", UPDATE_CONFLICT)
        journals.write_journal(store, row["id"], viewer_id, details=details)
    updated = store.work_package(row["id"])
    assert updated is not None
    return hal_response(represent_work_package(store, updated, viewer_id=viewer_id))


async def delete(request: Request) -> Response:
    viewer_id, row = visible_work_package(request, request.path_params["id"])
    store = request_store(request)
    if not permissions.allowed(store, viewer_id, "delete_work_packages", row["project_id"]):
        raise forbidden()
    attachments_dir = request_config(request).attachments_dir
    disk_names = [
        r["disk_name"]
        for r in store.all("SELECT disk_name FROM attachments WHERE container_id=?", (row["id"],))
    ]
    with store.transaction():
        store.db.execute("DELETE FROM attachments WHERE container_id=?", (row["id"],))
        store.db.execute("DELETE FROM notifications WHERE resource_id=?", (row["id"],))
        if store.table_exists("file_links"):
            store.db.execute("DELETE FROM file_links WHERE container_id=?", (row["id"],))
        store.db.execute("DELETE FROM work_packages WHERE id=?", (row["id"],))
    for disk_name in disk_names:
        try:
            os.unlink(attachments_dir / disk_name)
        except FileNotFoundError:
            pass
    return Response(status_code=204)


routes = [
    Route("/api/v3/work_packages", create_global, methods=["POST"]),
    Route("/api/v3/work_packages/form", global_form, methods=["POST"]),
    Route("/api/v3/work_packages/{id:int}", update, methods=["PATCH"]),
    Route("/api/v3/work_packages/{id:int}", delete, methods=["DELETE"]),
    Route("/api/v3/work_packages/{id:int}/form", update_form, methods=["POST"]),
    Route("/api/v3/projects/{ref}/work_packages", create_in_project, methods=["POST"]),
    Route("/api/v3/projects/{ref}/work_packages/form", project_form, methods=["POST"]),
]
