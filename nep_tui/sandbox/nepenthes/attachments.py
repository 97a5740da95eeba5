"""Attachments of work packages: list, multipart upload, one, content download, delete.

Uploads are streamed to disk (`DIR/attachments/<random name>`), never held in memory, and the
client's file name is only ever stored as data, never used as a path.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import sqlite3
import uuid
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from nep_tui.sandbox.nepenthes import journals, permissions
from nep_tui.sandbox.nepenthes.app import request_config
from nep_tui.sandbox.nepenthes.auth import current_user
from nep_tui.sandbox.nepenthes.errors import (
    ApiError,
    constraint_violation,
    forbidden,
    not_found,
)
from nep_tui.sandbox.nepenthes.hal import (
    API,
    MissingContentType,
    formattable,
    hal_response,
    link,
    plain_collection,
)
from nep_tui.sandbox.nepenthes.meta import user_link
from nep_tui.sandbox.nepenthes.store import NepenthesStore, now_iso, request_store
from nep_tui.sandbox.nepenthes.work_packages import visible_work_package

CHUNK = 1024 * 1024
# Multipart framing around the file; a body larger than the limit plus this cannot fit.
MULTIPART_OVERHEAD = 64 * 1024


def _too_large(limit: int) -> ApiError:
    # The real server answers 422, not 413 (spec: "File is too large (maximum size is N Bytes).").
    return constraint_violation(f"File is too large (maximum size is {limit} Bytes).", "fileSize")


def _attachments_dir(request: Request) -> Path:
    directory = request_config(request).attachments_dir
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _can_delete(store: NepenthesStore, viewer_id: int, project_id: int) -> bool:
    return permissions.allowed(store, viewer_id, "edit_work_packages", project_id)


def represent_attachment(
    store: NepenthesStore, row: sqlite3.Row, *, viewer_id: int
) -> dict[str, Any]:
    aid = row["id"]
    wp = store.work_package(row["container_id"])
    assert wp is not None
    content = f"{API}/attachments/{aid}/content"
    links: dict[str, Any] = {
        "self": link(f"{API}/attachments/{aid}", row["file_name"]),
        "container": link(f"{API}/work_packages/{wp['id']}", wp["subject"]),
        "author": user_link(store, row["author_id"]),
        "downloadLocation": link(content),
        "staticDownloadLocation": link(content),
    }
    if _can_delete(store, viewer_id, wp["project_id"]):
        links["delete"] = link(f"{API}/attachments/{aid}", method="delete")
    return {
        "_type": "Attachment",
        "id": aid,
        "fileName": row["file_name"],
        "fileSize": row["file_size"],
        "description": {**formattable(row["description"]), "format": "plain"},
        "status": "uploaded",
        "contentType": row["content_type"],
        "digest": {"algorithm": "md5", "hash": row["digest"]},
        "createdAt": row["created_at"],
        "_links": links,
    }


async def list_attachments(request: Request) -> JSONResponse:
    viewer_id, wp = visible_work_package(request, request.path_params["id"])
    store = request_store(request)
    rows = store.all("SELECT * FROM attachments WHERE container_id=? ORDER BY id", (wp["id"],))
    elements = [represent_attachment(store, row, viewer_id=viewer_id) for row in rows]
    return hal_response(plain_collection(f"{API}/work_packages/{wp['id']}/attachments", elements))


def safe_file_name(raw: Any) -> str:
    """The last path component, without control characters: names are data, not paths."""
    if not isinstance(raw, str):
        return ""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return "" if name in (".", "..") else name[:255]


def _metadata(form_value: Any) -> dict[str, Any]:
    if not isinstance(form_value, str):
        raise ApiError(400, "InvalidRequestBody", "The request is missing the metadata part.")
    try:
        metadata = json.loads(form_value)
    except ValueError:
        raise ApiError(
            400, "InvalidRequestBody", "The request could not be parsed as JSON."
        ) from None
    if not isinstance(metadata, dict):
        raise ApiError(400, "InvalidRequestBody", "The metadata part must be a single JSON object.")
    return metadata


def _store_upload(upload: UploadFile, target: Path, limit: int) -> tuple[int, str]:
    """Copy the spooled upload to its place, counting and hashing; stops past the limit."""
    digest = hashlib.md5(usedforsecurity=False)
    size = 0
    upload.file.seek(0)
    with target.open("wb") as out:
        while chunk := upload.file.read(CHUNK):
            size += len(chunk)
            if size > limit:
                break
            digest.update(chunk)
            out.write(chunk)
    return size, digest.hexdigest()


async def upload_attachment(request: Request) -> JSONResponse:
    viewer_id, wp = visible_work_package(request, request.path_params["id"])
    store = request_store(request)
    if not permissions.allowed(store, viewer_id, "edit_work_packages", wp["project_id"]):
        raise forbidden()
    content_type = request.headers.get("content-type")
    if not content_type:
        raise MissingContentType()
    if not content_type.lower().startswith("multipart/form-data"):
        raise ApiError(
            415,
            "TypeNotSupported",
            f"Expected CONTENT-TYPE to be (expected: multipart/form-data) but got ({content_type}).",
        )
    limit = request_config(request).max_attachment_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + MULTIPART_OVERHEAD:
        raise _too_large(limit)
    async with request.form(max_files=1, max_fields=4) as form:
        metadata = _metadata(form.get("metadata"))
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ApiError(400, "InvalidRequestBody", "The request is missing the file part.")
        file_name = safe_file_name(metadata.get("fileName") or upload.filename)
        if not file_name:
            raise constraint_violation("File name can't be blank.", "fileName")
        disk_name = uuid.uuid4().hex
        target = _attachments_dir(request) / disk_name
        # Off the event loop: copying a big file must not stall every other answer.
        size, digest = await run_in_threadpool(_store_upload, upload, target, limit)
        if size > limit:
            target.unlink(missing_ok=True)
            raise _too_large(limit)
        mime = (
            upload.content_type
            if upload.content_type not in (None, "", "application/octet-stream")
            else None
        )
        mime = mime or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
    description = metadata.get("description")
    description_text = description.get("raw", "") if isinstance(description, dict) else ""
    cursor = store.db.execute(
        "INSERT INTO attachments (container_id, author_id, file_name, file_size, content_type, digest, description,"
        " disk_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            wp["id"],
            viewer_id,
            file_name,
            size,
            mime,
            digest,
            str(description_text or ""),
            disk_name,
            now_iso(),
        ),
    )
    journals.write_journal(
        store, wp["id"], viewer_id, details=[journals.attachment_added(file_name)]
    )
    row = store.one("SELECT * FROM attachments WHERE id=?", (cursor.lastrowid,))
    assert row is not None
    # 200, as the spec says (the real server does the same for this endpoint).
    return hal_response(represent_attachment(store, row, viewer_id=viewer_id))


def _visible_attachment(request: Request) -> tuple[int, sqlite3.Row, sqlite3.Row]:
    store = request_store(request)
    viewer_id = current_user(request)
    row = store.one("SELECT * FROM attachments WHERE id=?", (request.path_params["id"],))
    wp = store.work_package(row["container_id"]) if row is not None else None
    if (
        row is None
        or wp is None
        or not permissions.allowed(store, viewer_id, "view_work_packages", wp["project_id"])
    ):
        raise not_found()
    return viewer_id, row, wp


async def get_attachment(request: Request) -> JSONResponse:
    viewer_id, row, _wp = _visible_attachment(request)
    return hal_response(represent_attachment(request_store(request), row, viewer_id=viewer_id))


async def download_attachment(request: Request) -> Response:
    _viewer, row, _wp = _visible_attachment(request)
    path = _attachments_dir(request) / row["disk_name"]
    if not path.is_file():
        raise not_found()
    return FileResponse(
        path,
        media_type=row["content_type"],
        filename=row["file_name"],
        content_disposition_type="attachment",
    )


async def delete_attachment(request: Request) -> Response:
    viewer_id, row, wp = _visible_attachment(request)
    store = request_store(request)
    if not _can_delete(store, viewer_id, wp["project_id"]):
        raise forbidden()
    store.db.execute("DELETE FROM attachments WHERE id=?", (row["id"],))
    journals.write_journal(
        store, wp["id"], viewer_id, details=[journals.attachment_deleted(row["file_name"])]
    )
    try:
        os.unlink(_attachments_dir(request) / row["disk_name"])
    except FileNotFoundError:
        pass
    return Response(status_code=204)


routes = [
    Route("/api/v3/work_packages/{id:int}/attachments", list_attachments, methods=["GET"]),
    Route("/api/v3/work_packages/{id:int}/attachments", upload_attachment, methods=["POST"]),
    Route("/api/v3/attachments/{id:int}", get_attachment, methods=["GET"]),
    Route("/api/v3/attachments/{id:int}", delete_attachment, methods=["DELETE"]),
    Route("/api/v3/attachments/{id:int}/content", download_attachment, methods=["GET"]),
]
