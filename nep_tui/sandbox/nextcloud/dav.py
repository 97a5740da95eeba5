"""WebDAV under /remote.php/dav/files/<uid>/: PROPFIND, GET/HEAD, PUT, MKCOL, DELETE, MOVE.

Answers follow Sabre/Nextcloud byte for byte where recorded: the d/s/oc/nc prefixes, folder hrefs
ending in '/', lower-case percent-encoding, a second 404 propstat for properties a node lacks,
Sabre XML error bodies and the OC-FileId/OC-ETag headers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import formatdate
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape, quoteattr

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from .auth import identify
from .context import NextcloudContext, dav_permissions, padded_file_id
from .store import ROOT_ID, Access, Node, NodeExists, narrowed

DAV_ROOT = "/remote.php/dav/files/"
XML_TYPE = "application/xml; charset=utf-8"
DAV_FEATURES = (
    "1, 3, extended-mkcol, access-control, calendarserver-principal-property-search, nc-paginate,"
    " nextcloud-checksum-update, nc-calendar-search, nc-enable-birthday-calendar"
)
PREFIXES = {"DAV:": "d", "http://sabredav.org/ns": "s", "http://owncloud.org/ns": "oc", "http://nextcloud.org/ns": "nc"}
MULTISTATUS_OPEN = (
    '<?xml version="1.0"?>\n<d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns"'
    ' xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">'
)
D, OC, NC = "{DAV:}", "{http://owncloud.org/ns}", "{http://nextcloud.org/ns}"
RESOURCETYPE = f"{D}resourcetype"  # the one property whose value is markup
ALLPROP = [
    f"{D}getlastmodified",
    f"{D}getcontentlength",
    f"{D}resourcetype",
    f"{D}getetag",
    f"{D}getcontenttype",
    f"{D}quota-used-bytes",
    f"{D}quota-available-bytes",
]
# Characters Sabre\HTTP\encodePath leaves alone; everything else becomes %xx in lower case.
_HREF_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.~()/:@")


class DavError(Exception):
    def __init__(self, status: int, exception: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.exception, self.message, self.headers = status, exception, message, headers or {}


def sabre_error(status: int, exception: str, message: str, headers: dict[str, str] | None = None) -> Response:
    body = (
        '<?xml version="1.0" encoding="utf-8"?>\n<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">\n'
        f"  <s:exception>{escape(exception)}</s:exception>\n  <s:message>{escape(message)}</s:message>\n</d:error>\n"
    )
    return Response(body.encode(), status, headers={**(headers or {}), "content-type": XML_TYPE})


def not_authenticated() -> DavError:
    return DavError(
        401,
        "Sabre\\DAV\\Exception\\NotAuthenticated",
        "No public access to this resource., No 'Authorization: Basic' header found. Either the client didn't"
        " send one, Sabre could not find it (CGI/FastCGI?), or the user didn't match the expected realm..., No"
        " 'Authorization: Bearer' header found. Either the client didn't send one, Sabre could not find it in"
        " CGI/FastCGI mode or the user didn't match the expected realm...",
        {"www-authenticate": 'Basic realm="Nextcloud", charset="UTF-8"'},
    )


def encode_href(path: str) -> str:
    return "".join(chr(b) if b in _HREF_SAFE else f"%{b:02x}" for b in path.encode())


def http_date(timestamp: int) -> str:
    return formatdate(timestamp, usegmt=True)


@dataclass(frozen=True)
class Located:
    node: Node
    access: Access
    path: str  # '/a/b', '/' for the root


class UserView:
    """The shared tree as one user sees it: hidden nodes simply are not there."""

    def __init__(self, context: NextcloudContext, login: str) -> None:
        self.context, self.store, self.login = context, context.store, login
        self.marks = self.store.restrictions_for(login)
        self._display_names: dict[str, str] = {}

    def display_name(self, login: str) -> str:
        if login not in self._display_names:
            self._display_names[login] = self.store.display_name(login)
        return self._display_names[login]

    @cached_property
    def free_bytes(self) -> int | None:
        return self.context.free_bytes(self.login)

    def root(self) -> Located:
        root = self.store.node(ROOT_ID)
        assert root is not None
        return Located(root, narrowed(Access.WRITE, self.marks.get(ROOT_ID, set())), "/")

    def child(self, parent: Located, name: str) -> Located | None:
        node = self.store.child(parent.node.id, name)
        if node is None:
            return None
        access = narrowed(parent.access, self.marks.get(node.id, set()))
        if access is Access.NONE:
            return None
        return Located(node, access, _join(parent.path, name))

    def children(self, parent: Located) -> list[Located]:
        found = []
        for node in self.store.children(parent.node.id):
            access = narrowed(parent.access, self.marks.get(node.id, set()))
            if access is not Access.NONE:
                found.append(Located(node, access, _join(parent.path, node.name)))
        return found

    def locate(self, names: list[str]) -> Located:
        """Walks the path; the message names the first missing part as Sabre does."""
        here = self.root()
        for name in names:
            found = self.child(here, name) if here.node.is_dir else None
            if found is None:
                raise DavError(
                    404,
                    "Sabre\\DAV\\Exception\\NotFound",
                    f"File with name {_join(here.path, name, sep_always=True)} could not be located",
                )
            here = found
        return here

    def walk(self, top: Located, depth: str) -> Iterator[Located]:
        yield top
        if not top.node.is_dir or depth == "0":
            return
        for child in self.children(top):
            if depth == "1":
                yield child
            else:
                yield from self.walk(child, depth)


def _join(parent: str, name: str, *, sep_always: bool = False) -> str:
    if parent == "/" and not sep_always:
        return "/" + name
    return f"{parent}/{name}"


def path_names(raw: str) -> list[str]:
    return [part for part in raw.split("/") if part]


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
            raise DavError(404, "Sabre\\DAV\\Exception\\NotFound", f"File with name {uid} could not be located")
        view = UserView(self.context, caller.login)
        names = path_names(request.path_params.get("rest", ""))
        handler: Callable | None = {
            "PROPFIND": self.propfind,
            "GET": self.get,
            "HEAD": self.get,
            "PUT": self.put,
            "MKCOL": self.mkcol,
            "DELETE": self.delete,
            "MOVE": self.move,
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
            parts.append(self._response_xml(view, located, requested))
        parts.append("</d:multistatus>\n")
        return Response(
            "".join(parts).encode(),
            207,
            headers={"content-type": XML_TYPE, "dav": DAV_FEATURES, "vary": "Brief,Prefer"},
        )

    def _response_xml(self, view: UserView, located: Located, requested: list[str] | None) -> str:
        node = located.node
        href = DAV_ROOT + view.login + located.path + ("/" if node.is_dir and located.path != "/" else "")
        found, missing = [], []
        values = PropertyValues(view, located)
        for name in requested if requested is not None else ALLPROP:
            value = values.get(name)
            if value is not None:
                found.append(_prop_xml(name, value if name == RESOURCETYPE else escape(value)))
            elif requested is not None:
                missing.append(_prop_xml(name, ""))
        xml = f"<d:response><d:href>{escape(encode_href(href))}</d:href>"
        if found:
            xml += _propstat(found, "HTTP/1.1 200 OK")
        if missing:
            xml += _propstat(missing, "HTTP/1.1 404 Not Found")
        return xml + "</d:response>"

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
        return file_response(self.store.content_path(located.node.id), located.node, attachment=False)

    # -- PUT ----------------------------------------------------------------------------------

    async def put(self, request: Request, view: UserView, names: list[str]) -> Response:
        if not names:
            raise DavError(409, "Sabre\\DAV\\Exception\\Conflict", "PUT is not allowed on non-files.")
        parent = view.locate(names[:-1])
        name = checked_name(names[-1])
        if not parent.node.is_dir:
            raise DavError(409, "Sabre\\DAV\\Exception\\Conflict", "Parent node is not a collection")
        existing = view.child(parent, name)
        if existing is not None and existing.node.is_dir:
            raise DavError(409, "Sabre\\DAV\\Exception\\Conflict", "PUT is not allowed on non-files.")
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
            return Response(b"", 201, headers={**headers, "content-type": "text/html; charset=UTF-8"})
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

    async def mkcol(self, request: Request, view: UserView, names: list[str]) -> Response:
        if not names:
            raise DavError(
                405, "Sabre\\DAV\\Exception\\MethodNotAllowed", "The resource you tried to create already exists"
            )
        try:
            parent = view.locate(names[:-1])
        except DavError:
            raise DavError(409, "Sabre\\DAV\\Exception\\Conflict", "Parent node does not exist") from None
        name = checked_name(names[-1])
        if not parent.node.is_dir:
            raise DavError(409, "Sabre\\DAV\\Exception\\Conflict", "Parent node is not a collection")
        if self.store.child(parent.node.id, name) is not None:
            raise DavError(
                405, "Sabre\\DAV\\Exception\\MethodNotAllowed", "The resource you tried to create already exists"
            )
        if parent.access is not Access.WRITE:
            raise DavError(403, "Sabre\\DAV\\Exception\\Forbidden", "Permission denied to create directory")
        try:
            node = self.store.create_folder(view.login, parent.node.id, name)
        except NodeExists:
            raise DavError(
                405, "Sabre\\DAV\\Exception\\MethodNotAllowed", "The resource you tried to create already exists"
            ) from None
        return Response(
            b"", 201, headers={"oc-fileid": padded_file_id(node.id), "content-type": "text/html; charset=UTF-8"}
        )

    # -- DELETE -------------------------------------------------------------------------------

    async def delete(self, request: Request, view: UserView, names: list[str]) -> Response:
        located = view.locate(names)
        parent_access = view.locate(names[:-1]).access if names else Access.READ
        if located.access is not Access.WRITE or parent_access is not Access.WRITE:
            raise DavError(403, "Sabre\\DAV\\Exception\\Forbidden", "")
        self.store.trash(located.node.id)
        return Response(status_code=204)

    # -- MOVE ---------------------------------------------------------------------------------

    async def move(self, request: Request, view: UserView, names: list[str]) -> Response:
        source = view.locate(names)
        target_names = self._destination(request, view)
        if not names or not target_names:
            raise DavError(403, "Sabre\\DAV\\Exception\\Forbidden", "")
        if target_names == names:
            raise DavError(403, "Sabre\\DAV\\Exception\\Forbidden", "Source and destination uri are identical.")
        if target_names[: len(names)] == names or names[: len(target_names)] == target_names:
            # Into itself, or over one of its own ancestors.
            raise DavError(409, "Sabre\\DAV\\Exception\\Conflict", "Cannot move a node into itself")
        try:
            target_parent = view.locate(target_names[:-1])
        except DavError:
            raise DavError(409, "Sabre\\DAV\\Exception\\Conflict", "The destination node is not found") from None
        if not target_parent.node.is_dir:
            raise DavError(409, "Sabre\\DAV\\Exception\\Conflict", "The destination node is not found")
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
            self.store.trash(existing.node.id)
        try:
            node = self.store.move(source.node.id, target_parent.node.id, new_name)
        except NodeExists:
            raise DavError(
                412, "Sabre\\DAV\\Exception\\PreconditionFailed", "The destination node already exists"
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
            raise DavError(400, "Sabre\\DAV\\Exception\\BadRequest", "The destination header was not supplied")
        try:
            path = unquote(urlsplit(header).path)
        except ValueError:
            raise DavError(
                400, "Sabre\\DAV\\Exception\\BadRequest", "The destination header is not a valid URL"
            ) from None
        prefix = DAV_ROOT + view.login
        if path != prefix and not path.startswith(prefix + "/"):
            raise DavError(502, "Sabre\\DAV\\Exception\\BadGateway", "The destination node is not on this server")
        return path_names(path[len(prefix) :])


class PropertyValues:
    """The value of each property for one node, or None when the node lacks it (→ 404 propstat)."""

    def __init__(self, view: UserView, located: Located) -> None:
        self.view, self.node, self.access = view, located.node, located.access

    def get(self, name: str) -> str | None:
        getter = self._getters().get(name)
        return getter() if getter else None

    def _getters(self) -> dict[str, Callable[[], str | None]]:
        node, view = self.node, self.view
        own = node.owner == view.login or node.id == ROOT_ID
        owner = node.owner or view.login
        return {
            f"{D}getlastmodified": lambda: http_date(node.mtime),
            f"{D}getetag": lambda: f'"{node.etag}"',
            f"{D}getcontenttype": lambda: None if node.is_dir else node.mime,
            f"{D}getcontentlength": lambda: None if node.is_dir else str(node.size),
            RESOURCETYPE: lambda: "<d:collection/>" if node.is_dir else "",
            f"{D}quota-used-bytes": lambda: str(node.size) if node.is_dir else None,
            f"{D}quota-available-bytes": lambda: self._quota_available() if node.is_dir else None,
            f"{OC}fileid": lambda: str(node.id),
            f"{OC}id": lambda: padded_file_id(node.id),
            f"{OC}size": lambda: str(node.size),
            f"{OC}permissions": lambda: dav_permissions(node, view.login, self.access),
            f"{OC}owner-id": lambda: owner,
            f"{OC}owner-display-name": lambda: view.display_name(owner),
            f"{OC}favorite": lambda: "0",
            f"{NC}mount-type": lambda: "" if own else "group",
            f"{NC}has-preview": lambda: "false",
            f"{NC}creation_time": lambda: str(node.ctime),
            f"{NC}upload_time": lambda: str(node.ctime),
        }

    def _quota_available(self) -> str:
        free = self.view.free_bytes
        return "-3" if free is None else str(free)


def _propstat(props: list[str], status: str) -> str:
    return f"<d:propstat><d:prop>{''.join(props)}</d:prop><d:status>{status}</d:status></d:propstat>"


def _prop_xml(clark: str, inner: str) -> str:
    namespace, _, local = clark[1:].partition("}")
    prefix = PREFIXES.get(namespace)
    declaration = ""
    if prefix is None:
        prefix, declaration = "x1", f" xmlns:x1={quoteattr(namespace)}"
    tag = f"{prefix}:{local}"
    if not inner:
        return f"<{tag}{declaration}/>"
    return f"<{tag}{declaration}>{inner}</{tag}>"


def parse_propfind(body: bytes) -> list[str] | None:
    """Requested property names in Clark notation, in order; None means allprop."""
    if not body.strip():
        return None
    try:
        root: Element = fromstring(body)
    except (ParseError, DefusedXmlException) as error:
        raise DavError(
            400, "Sabre\\DAV\\Exception\\BadRequest", f"The request body had an invalid XML body. (message: {error})"
        ) from None
    if root.tag != f"{D}propfind":
        raise DavError(400, "Sabre\\DAV\\Exception\\BadRequest", "The root element must be {DAV:}propfind")
    prop = root.find(f"{D}prop")
    if prop is None:
        return None
    return [child.tag for child in prop if isinstance(child.tag, str) and child.tag.startswith("{")]


def checked_name(name: str) -> str:
    if name in (".", "..") or any(ord(ch) < 0x20 for ch in name) or len(name.encode()) > 255:
        raise DavError(400, "Sabre\\DAV\\Exception\\BadRequest", f"{name!r} is not a valid file name")
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


def file_response(path: Path, node: Node, *, attachment: bool, filename: str | None = None) -> Response:
    """A streamed file with Range support (Starlette answers 206/416 itself)."""
    if not path.is_file():
        raise DavError(404, "Sabre\\DAV\\Exception\\NotFound", f"File with name {node.name} could not be located")
    etag = f'"{node.etag}"'
    headers = {"etag": etag, "oc-etag": etag, "last-modified": http_date(node.mtime)}
    return FileResponse(
        path,
        headers=headers,
        media_type=node.mime,
        filename=(filename or node.name) if attachment else None,
        stat_result=os.stat(path),
    )
