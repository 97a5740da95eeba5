"""integration_openproject's direct upload: a one-time token for a folder, then a public multipart
POST. The file part is streamed straight to disk; the answers follow the app's controller."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request
from starlette.responses import Response

from .auth import identify
from .context import NextcloudContext
from .ocs import NOT_LOGGED_IN, json_response
from .params import parse_id, request_params
from .store import Access, Node

if TYPE_CHECKING:  # python-multipart defines its callback names for type checkers only
    from python_multipart.multipart import MultipartCallbacks

FOLDER_NOT_FOUND = "folder not found or not enough permissions"
FORBIDDEN_NAMES = {".htaccess"}  # Nextcloud's default forbidden_filenames
MAX_FIELD_BYTES = 64 * 1024


class UploadError(Exception):
    def __init__(self, status: int, message: str, **extra: object) -> None:
        super().__init__(message)
        self.status, self.body = status, {"error": message, **extra}


@dataclass
class UploadForm:
    fields: dict[str, str] = field(default_factory=dict)
    file_name: str | None = None
    file_size: int = 0
    file_too_large: bool = False


class _StreamingForm:
    """python-multipart callbacks that write the `file` part to disk and keep small fields."""

    def __init__(self, target: Path, limit: int) -> None:
        self.form = UploadForm()
        self.target, self.limit = target, limit
        self._headers: dict[bytes, bytes] = {}
        self._header_name = b""
        self._header_value = b""
        self._out: IO[bytes] | None = None
        self._field: tuple[str, bytearray] | None = None

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
        }

    def on_part_begin(self) -> None:
        self._headers = {}
        self._out, self._field = None, None

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._header_name.strip().lower()] = self._header_value.strip()
        self._header_name, self._header_value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = _decode(options.get(b"name", b""))
        if name == "file" and b"filename" in options and self.form.file_name is None:
            self.form.file_name = _decode(options[b"filename"])
            self._out = open(self.target, "wb")
        elif b"filename" not in options:
            self._field = (name, bytearray())

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._out is not None:
            self.form.file_size += end - start
            if self.form.file_size > self.limit:
                # PHP stops storing the part and reports UPLOAD_ERR_INI_SIZE; so do we.
                self.form.file_too_large = True
                return
            self._out.write(data[start:end])
        elif self._field is not None and len(self._field[1]) < MAX_FIELD_BYTES:
            self._field[1].extend(data[start:end])

    def on_part_end(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
        if self._field is not None:
            self.form.fields.setdefault(self._field[0], _decode(bytes(self._field[1])))
            self._field = None

    def close(self) -> None:
        if self._out is not None:
            self._out.close()


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


async def read_upload_form(request: Request, target: Path, limit: int) -> UploadForm:
    """Reads the whole body (as PHP does before the app runs); a body that is not a readable
    multipart form simply has no file part."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    streaming = _StreamingForm(target, limit)
    parser = None
    if content_type == b"multipart/form-data" and options.get(b"boundary"):
        parser = MultipartParser(options[b"boundary"], streaming.callbacks())
    try:
        async for chunk in request.stream():
            if parser is not None:
                parser.write(chunk)
        if parser is not None:
            parser.finalize()
    except MultipartParseError:
        streaming.close()
        return UploadForm()
    finally:
        streaming.close()
    return streaming.form


def upload_name(raw: str) -> str:
    """Directory parts are dropped and the name trimmed, as PHP and the app do."""
    name = re.split(r"[\\/]", raw)[-1].strip()
    if name in FORBIDDEN_NAMES:
        raise UploadError(403, "invalid file name")
    if (
        not name
        or name in (".", "..")
        or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name)
        or len(name.encode()) > 255
    ):
        raise UploadError(400, "invalid file name")
    return name


def parse_overwrite(value: str | None) -> bool | None:
    if value is None:
        return None
    lowered = value.lower()
    if lowered not in ("true", "false"):
        raise UploadError(400, "invalid overwrite value")
    return lowered == "true"


def next_free_name(name: str, taken: set[str]) -> str:
    """Nextcloud's rule: the last `(n)` in the name counts up, otherwise ` (2)` is appended
    before the extension: `file.txt` → `file (2).txt`, `file (2).txt` → `file (3).txt`."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    suffix = dot + ext
    numbers = list(re.finditer(r"\((\d+)\)", stem))
    last = numbers[-1] if numbers and numbers[-1].start() > 0 else None
    counter = int(last.group(1)) + 1 if last else 2
    while True:
        if last:
            candidate = f"{stem[: last.start()]}({counter}){stem[last.end() :]}{suffix}"
        else:
            candidate = f"{stem} ({counter}){suffix}"
        if candidate not in taken:
            return candidate
        counter += 1


class DirectUpload:
    def __init__(self, context: NextcloudContext) -> None:
        self.context = context
        self.store = context.store

    async def token(self, request: Request) -> Response:
        caller = identify(request, self.store)
        if caller.login is None:
            return json_response({"message": NOT_LOGGED_IN}, 401)
        folder = self._writable_folder(await _folder_id(request), caller.login)
        if folder is None:
            return json_response({"error": FOLDER_NOT_FOUND}, 404)
        token, expires = self.store.create_upload_token(caller.login, folder.id)
        return json_response({"token": token, "expires_on": expires})

    def _writable_folder(self, folder_id: int | None, login: str) -> Node | None:
        folder = self.store.node(folder_id) if folder_id is not None else None
        if folder is None or folder.trashed or not folder.is_dir:
            return None
        return folder if self.store.access(folder, login) is Access.WRITE else None

    async def preflight(self, request: Request) -> Response:
        return Response(
            status_code=200,
            headers={
                "access-control-allow-origin": request.headers.get("origin", "*"),
                "access-control-allow-methods": "POST",
            },
        )

    async def upload(self, request: Request) -> Response:
        cors = (
            {"access-control-allow-origin": request.headers["origin"]}
            if "origin" in request.headers
            else {}
        )
        incoming = self.store.new_incoming_path()
        try:
            status, body = await self._upload(request, incoming)
        except UploadError as error:
            status, body = error.status, error.body
        finally:
            incoming.unlink(missing_ok=True)
        return json_response(body, status, headers=cors)

    async def _upload(self, request: Request, incoming: Path) -> tuple[int, dict[str, object]]:
        token = request.path_params["token"]
        if len(token) != 64:
            raise UploadError(404, "invalid token")
        burned = self.store.burn_upload_token(token)
        if burned is None or self.store.user(burned[0]) is None:
            raise UploadError(401, "unauthorized")
        login, folder_id, expired = burned
        if expired:
            raise UploadError(404, "invalid token")
        limit = self.context.upload_limit()
        form = await read_upload_form(request, incoming, limit)
        # The checks run in the order of the app's controller, which decides which error wins.
        if form.file_name is None:
            raise UploadError(
                413, "File was not uploaded. post_max_size exceeded?", upload_limit=limit
            )
        name = upload_name(form.file_name)
        if form.file_too_large:
            raise UploadError(
                413, "File was not uploaded. upload_max_filesize exceeded?", upload_limit=limit
            )
        # PHP's getParam() also looks at the query string.
        overwrite = parse_overwrite(
            form.fields.get("overwrite", request.query_params.get("overwrite"))
        )
        folder = self.store.node(folder_id)
        if (
            folder is None
            or folder.trashed
            or not folder.is_dir
            or self.store.access(folder, login) is Access.NONE
        ):
            raise UploadError(404, FOLDER_NOT_FOUND)
        folder_writable = self.store.access(folder, login) is Access.WRITE
        if not folder_writable and not overwrite:
            raise UploadError(403, "not enough permissions")
        self._check_quota(login, form.file_size)
        existing = self.store.child(folder.id, name)
        if existing is not None and overwrite:
            if existing.is_dir:
                raise UploadError(409, "overwrite is not allowed on non-files")
            if self.store.access(existing, login) is not Access.WRITE:
                raise UploadError(403, "not enough permissions")
            node = self.store.replace_content(existing.id, incoming, modifier=login)
            return 200, {"file_name": name, "file_id": node.id}
        if existing is not None and overwrite is False:
            name = next_free_name(name, {child.name for child in self.store.children(folder.id)})
        elif existing is not None:
            raise UploadError(409, "conflict, file name already exists")
        if not folder_writable:
            raise UploadError(403, "not enough permissions")
        node = self.store.create_file(login, folder.id, name, incoming)
        return 201, {"file_name": node.name, "file_id": node.id}

    def _check_quota(self, login: str, needed: int) -> None:
        """The free space still counts a file being overwritten, so replacing one needs room for
        old and new content at once."""
        free = self.context.free_bytes(login)
        if free is not None and needed > free:
            raise UploadError(507, "insufficient quota")


async def _folder_id(request: Request) -> int | None:
    """`folder_id` from a JSON body (what OpenProject sends) or a form."""
    return parse_id((await request_params(request)).get("folder_id"))
