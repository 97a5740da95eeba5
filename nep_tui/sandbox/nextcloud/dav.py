"""WebDAV under /remote.php/dav/files/<uid>/: PROPFIND, GET/HEAD, PUT, MKCOL, DELETE, MOVE.

Answers follow Sabre/Nextcloud byte for byte where recorded: Sabre XML error bodies, the
OC-FileId/OC-ETag headers, and the PROPFIND shape of `propfind.py`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from . import acl
from .auth import identify
from .context import NextcloudContext, dav_permissions, padded_file_id
from .propfind import DAV_ROOT, MULTISTATUS_OPEN, http_date, parse_propfind, response_xml
from .sabre import XML_TYPE, DavError, not_authenticated, sabre_error
from .store import Access, Node, NodeExists
from .userview import Located, UserView, path_names

DAV_FEATURES = (
    "1, 3, extended-mkcol, access-control, calendarserver-principal-property-search, nc-paginate,"
    " nextcloud-checksum-update, nc-calendar-search, nc-enable-birthday-calendar"
)


class DavHandler:
    def __init__(self, context: NextcloudContext) -> None:
        self.context = context
        self.store = context.store

    async def handle(self, request: Request) -> Response:
        try:
            return await self._dispatch(request)
        except DavError as error:
            return sabre_error(error.status, error.exception, error.message, error.headers)

    async def _dispatch(self, request: Request) -> Response:
        method = request.method.upper()
        if method == "OPTIONS":
            return Response(
                status_code=200,
                headers={
                    "dav": DAV_FEATURES,
                    "allow": "OPTIONS, GET, HEAD, DELETE, PROPFIND, PUT, MKCOL, MOVE",
                    "ms-author-via": "DAV",
                },
            )
        caller = identify(request, self.store)
        if caller.login is None:
            raise not_authenticated()
        uid = request.path_params["uid"]
        if uid != caller.login:
            raise DavError(
                404, "Sabre\\DAV\\Exception\\NotFound", f"File with name {uid} could not be located"
            )
        view = UserView(self.context, caller.login)
        names = path_names(request.path_params.get("rest", ""))
        handler: Callable[[Request, UserView, list[str]], Awaitable[Response]] | None = {
            "PROPFIND": self.propfind,
            "GET": self.get,
            "HEAD": self.get,
            "PUT": self.put,
            "MKCOL": self.mkcol,
            "DELETE": self.delete,
            "MOVE": self.move,
            "PROPPATCH": self.proppatch,
        }.get(method)
        if handler is None:
            raise DavError(
                501,
                "Sabre\\DAV\\Exception\\NotImplemented",
                f"There was no plugin in the system that was willing to handle this {method} method.",
            )
        return await handler(request, view, names)

    # -- PROPFIND -----------------------------------------------------------------------------

    async def propfind(self, request: Request, view: UserView, names: list[str]) -> Response:
        requested = parse_propfind(await request.body())
        depth = request.headers.get("depth", "infinity").strip().lower()
        if depth not in ("0", "1"):
            depth = "infinity"
        top = view.locate(names)
        parts = [MULTISTATUS_OPEN]
        for located in view.walk(top, depth):
            parts.append(response_xml(view, located, requested))
        parts.append("</d:multistatus>\n")
        return Response(
            "".join(parts).encode(),
            207,
            headers={"content-type": XML_TYPE, "dav": DAV_FEATURES, "vary": "Brief,Prefer"},
        )

    # -- GET / HEAD ---------------------------------------------------------------------------

    async def get(self, request: Request, view: UserView, names: list[str]) -> Response:
        located = view.locate(names)
        if located.node.is_dir:
            raise DavError(
                501,
                "Sabre\\DAV\\Exception\\NotImplemented",
                "There was no plugin in the system that was willing to handle this GET method."
                " Enable the Browser plugin to get a better result here.",
            )
        return file_response(
            self.store.content_path(located.node.id), located.node, attachment=False
        )

    # -- PUT ----------------------------------------------------------------------------------

    async def put(self, request: Request, view: UserView, names: list[str]) -> Response:
        if not names:
            raise DavError(
                409, "Sabre\\DAV\\Exception\\Conflict", "PUT is not allowed on non-files."
            )
        parent = view.locate(names[:-1])
        name = checked_name(names[-1])
        if not parent.node.is_dir:
            raise DavError(
                409, "Sabre\\DAV\\Exception\\Conflict", "Parent node is not a collection"
            )
        existing = view.child(parent, name)
        if existing is not None and existing.node.is_dir:
            raise DavError(
                409, "Sabre\\DAV\\Exception\\Conflict", "PUT is not allowed on non-files."
            )
        writable = existing.access if existing else parent.access
        if writable is not Access.WRITE:
            raise DavError(403, "Sabre\\DAV\\Exception\\Forbidden", "Could not write file contents")
        self._check_quota(view, parent, _declared_length(request))
        incoming = self.store.new_incoming_path()
        try:
            size = await receive_to_file(request, incoming)
            self._check_quota(view, parent, size)
            if existing is not None:
                node = self.store.replace_content(existing.node.id, incoming, modifier=view.login)
                status = 204
            else:
                node = self.store.create_file(view.login, parent.node.id, name, incoming)
                status = 201
        finally:
            incoming.unlink(missing_ok=True)
        etag = f'"{node.etag}"'
        headers = {
            "etag": etag,
            "oc-etag": etag,
            "oc-fileid": padded_file_id(node.id),
            "x-nc-ownerid": node.owner,
            "x-nc-permissions": dav_permissions(node, view.login, Access.WRITE),
        }
        if status == 201:
            return Response(
                b"", 201, headers={**headers, "content-type": "text/html; charset=UTF-8"}
            )
        return Response(status_code=204, headers=headers)

    def _check_quota(self, view: UserView, parent: Located, length: int | None) -> None:
        free = self.context.free_bytes(view.login)
        if free is not None and length is not None and length > free:
            raise DavError(
                507,
                "Sabre\\DAV\\Exception\\InsufficientStorage",
                f"Insufficient space in {parent.path}, {length} required, {free} available",
            )

    # -- MKCOL --------------------------------------------------------------------------------

    async def proppatch(self, request: Request, view: UserView, names: list[str]) -> Response:
        """Only team folders' ACLs (`nc:acl-list`) can be set in the sandbox."""
        return await acl.proppatch(request, self.store, view.login, view.locate(names))

    async def mkcol(self, request: Request, view: UserView, names: list[str]) -> Response:
        if not names:
            raise DavError(
                405,
                "Sabre\\DAV\\Exception\\MethodNotAllowed",
                "The resource you tried to create already exists",
            )
        try:
            parent = view.locate(names[:-1])
        except DavError:
            raise DavError(
                409, "Sabre\\DAV\\Exception\\Conflict", "Parent node does not exist"
            ) from None
        name = checked_name(names[-1])
        if not parent.node.is_dir:
            raise DavError(
                409, "Sabre\\DAV\\Exception\\Conflict", "Parent node is not a collection"
            )
        if self.store.child(parent.node.id, name) is not None:
            raise DavError(
                405,
                "Sabre\\DAV\\Exception\\MethodNotAllowed",
                "The resource you tried to create already exists",
            )
        if parent.access is not Access.WRITE:
            raise DavError(
                403, "Sabre\\DAV\\Exception\\Forbidden", "Permission denied to create directory"
            )
        try:
            node = self.store.create_folder(view.login, parent.node.id, name)
        except NodeExists:
            raise DavError(
                405,
                "Sabre\\DAV\\Exception\\MethodNotAllowed",
                "The resource you tried to create already exists",
            ) from None
        return Response(
            b"",
            201,
            headers={
                "oc-fileid": padded_file_id(node.id),
                "content-type": "text/html; charset=UTF-8",
            },
        )

    # -- DELETE -------------------------------------------------------------------------------

    async def delete(self, request: Request, view: UserView, names: list[str]) -> Response:
        located = view.locate(names)
        parent_access = view.locate(names[:-1]).access if names else Access.READ
        if located.access is not Access.WRITE or parent_access is not Access.WRITE:
            raise DavError(403, "Sabre\\DAV\\Exception\\Forbidden", "")
        self.store.trash(located.node.id, mtime=int(time.time()))
        return Response(status_code=204)

    # -- MOVE ---------------------------------------------------------------------------------

    async def move(self, request: Request, view: UserView, names: list[str]) -> Response:
        source = view.locate(names)
        target_names = self._destination(request, view)
        if not names or not target_names:
            raise DavError(403, "Sabre\\DAV\\Exception\\Forbidden", "")
        if target_names == names:
            raise DavError(
                403, "Sabre\\DAV\\Exception\\Forbidden", "Source and destination uri are identical."
            )
        if target_names[: len(names)] == names or names[: len(target_names)] == target_names:
            # Into itself, or over one of its own ancestors.
            raise DavError(409, "Sabre\\DAV\\Exception\\Conflict", "Cannot move a node into itself")
        try:
            target_parent = view.locate(target_names[:-1])
        except DavError:
            raise DavError(
                409, "Sabre\\DAV\\Exception\\Conflict", "The destination node is not found"
            ) from None
        if not target_parent.node.is_dir:
            raise DavError(
                409, "Sabre\\DAV\\Exception\\Conflict", "The destination node is not found"
            )
        new_name = checked_name(target_names[-1])
        existing = view.child(target_parent, new_name)
        overwrite = request.headers.get("overwrite", "T").strip().upper() != "F"
        if existing is not None and not overwrite:
            raise DavError(
                412,
                "Sabre\\DAV\\Exception\\PreconditionFailed",
                "The destination node already exists, and the overwrite header is set to false",
            )
        source_parent = view.locate(names[:-1])
        if (
            source.access is not Access.WRITE
            or source_parent.access is not Access.WRITE
            or target_parent.access is not Access.WRITE
        ):
            raise DavError(403, "Sabre\\DAV\\Exception\\Forbidden", "")
        if existing is not None:
            self.store.trash(existing.node.id, mtime=int(time.time()))
        try:
            node = self.store.move(source.node.id, target_parent.node.id, new_name)
        except NodeExists:
            raise DavError(
                412,
                "Sabre\\DAV\\Exception\\PreconditionFailed",
                "The destination node already exists",
            ) from None
        headers = {"oc-fileid": padded_file_id(node.id)}
        if not node.is_dir:
            headers["etag"] = headers["oc-etag"] = f'"{node.etag}"'
        if existing is not None:
            return Response(status_code=204, headers=headers)
        return Response(b"", 201, headers={**headers, "content-type": "text/html; charset=UTF-8"})

    @staticmethod
    def _destination(request: Request, view: UserView) -> list[str]:
        header = request.headers.get("destination")
        if not header:
            raise DavError(
                400, "Sabre\\DAV\\Exception\\BadRequest", "The destination header was not supplied"
            )
        try:
            path = unquote(urlsplit(header).path)
        except ValueError:
            raise DavError(
                400,
                "Sabre\\DAV\\Exception\\BadRequest",
                "The destination header is not a valid URL",
            ) from None
        prefix = DAV_ROOT + view.login
        if path != prefix and not path.startswith(prefix + "/"):
            raise DavError(
                502,
                "Sabre\\DAV\\Exception\\BadGateway",
                "The destination node is not on this server",
            )
        return path_names(path[len(prefix) :])


def checked_name(name: str) -> str:
    if name in (".", "..") or any(ord(ch) < 0x20 for ch in name) or len(name.encode()) > 255:
        raise DavError(
            400, "Sabre\\DAV\\Exception\\BadRequest", f"{name!r} is not a valid file name"
        )
    return name


def _declared_length(request: Request) -> int | None:
    for header in ("oc-total-length", "content-length"):
        value = request.headers.get(header, "")
        if value.isdigit() and len(value) <= 19:
            return int(value)
    return None


async def receive_to_file(request: Request, target: Path) -> int:
    """Streams the request body to disk; memory stays at one chunk."""
    size = 0
    with open(target, "wb") as out:
        async for chunk in request.stream():
            out.write(chunk)
            size += len(chunk)
    return size


def file_response(
    path: Path, node: Node, *, attachment: bool, filename: str | None = None
) -> Response:
    """A streamed file with Range support (Starlette answers 206/416 itself)."""
    if not path.is_file():
        raise DavError(
            404,
            "Sabre\\DAV\\Exception\\NotFound",
            f"File with name {node.name} could not be located",
        )
    etag = f'"{node.etag}"'
    headers = {"etag": etag, "oc-etag": etag, "last-modified": http_date(node.mtime)}
    return FileResponse(
        path,
        headers=headers,
        media_type=node.mime,
        filename=(filename or node.name) if attachment else None,
        stat_result=os.stat(path),
    )
