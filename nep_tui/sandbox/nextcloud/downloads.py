"""Direct download links (core dav app + integration_openproject's nicer-named variant) and the
`/index.php/f/<id>` permalink page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from .auth import identify
from .context import NextcloudContext
from .dav import file_response
from .integration import csrf_failed
from .ocs import not_logged_in, ocs_response, passes_csrf
from .pages import direct_link_invalid, file_page, message_page
from .params import parse_id, request_params
from .sabre import sabre_error
from .store import Access, Node
from .tokens import DIRECT_LINK_TTL

MAX_EXPIRATION = 24 * 3600


class DirectDownloads:
    def __init__(self, context: NextcloudContext) -> None:
        self.context = context
        self.store = context.store

    async def create_link(self, request: Request) -> Response:
        """POST /ocs/v2.php/apps/dav/api/v1/direct with `fileId` (form or JSON)."""
        caller = identify(request, self.store)
        if caller.rejected and request.headers.get("authorization", "").startswith("Bearer "):
            # Recorded: a stale Bearer token gets an empty 200 text/html here, not a 401;
            # OpenProject reads "2xx without body" as "not authorized".
            return Response(b"", 200, media_type="text/html; charset=UTF-8")
        if caller.login is None:
            return not_logged_in(request)
        if not passes_csrf(request):
            return csrf_failed()
        params = await request_params(request)
        file_id = parse_id(params.get("fileId"))
        node = self.store.node(file_id) if file_id is not None else None
        if node is None or node.trashed or self.store.access(node, caller.login) is Access.NONE:
            return ocs_response(request, [], status=404)
        expiration = parse_id(params.get("expirationTime", DIRECT_LINK_TTL))
        if expiration is None or expiration > MAX_EXPIRATION:
            message = f"Expiration time should be greater than 0 and less than or equal to {MAX_EXPIRATION}"
            return ocs_response(request, [], status=400, message=message)
        if node.is_dir:
            return ocs_response(
                request, [], status=400, message="Direct download only works for files"
            )
        token = self.store.create_direct_link(caller.login, node.id, expiration)
        return ocs_response(
            request, {"url": f"{self.context.base_url()}/remote.php/direct/{token}"}
        )

    def _linked_file(self, token: str) -> Node | None:
        link = self.store.direct_link(token)
        if link is None:
            return None
        login, file_id = link
        node = self.store.node(file_id)
        if (
            node is None
            or node.trashed
            or node.is_dir
            or self.store.access(node, login) is Access.NONE
        ):
            return None
        return node

    async def serve_core(self, request: Request) -> Response:
        """GET /remote.php/direct/<token>: Sabre answers, or an HTML page for browsers."""
        node = self._linked_file(request.path_params["token"])
        if node is None:
            if "text/html" in request.headers.get("accept", ""):
                return direct_link_invalid(404)
            return sabre_error(404, "Sabre\\DAV\\Exception\\NotFound", "File not found")
        return file_response(self.store.content_path(node.id), node, attachment=True)

    async def serve_named(self, request: Request) -> Response:
        """GET /index.php/apps/integration_openproject/direct/<token>/<name>."""
        node = self._linked_file(request.path_params["token"])
        if node is None:
            # The app renders core's error template, which keeps the 200 status.
            return direct_link_invalid(200)
        return file_response(
            self.store.content_path(node.id),
            node,
            attachment=True,
            filename=request.path_params["name"] or node.name,
        )

    async def permalink(self, request: Request) -> Response:
        """GET /index.php/f/<id>: a small page naming the file and the folder it is in."""
        file_id = parse_id(request.path_params["file_id"])
        node = self.store.node(file_id) if file_id is not None else None
        caller = identify(request, self.store)
        hidden = (
            node is not None
            and caller.login is not None
            and self.store.access(node, caller.login) is Access.NONE
        )
        if node is None or node.trashed or hidden:
            return message_page("Files", "File not found", 404)
        path = self.store.path_of(node)
        folder = path if node.is_dir else (path.rsplit("/", 1)[0] or "/")
        return file_page(name=node.name, folder=folder, is_dir=node.is_dir, file_id=node.id)
