"""The end of the storage consent dance: Nextcloud's OAuth2 app redirects the user's browser to
`/oauth_clients/{client_id}/callback?code&state`; Nepenthes trades the code for the user's
Nextcloud token and keeps it, which makes the storage `Connected` for that user.

The real server knows the user from the browser session; the sandbox knows them from the
`state` it put into their `_links.authorize` (a TUI has no Nepenthes browser session).
"""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from nep_tui.sandbox.nepenthes import managed_folders, storage_context, storage_store
from nep_tui.sandbox.nepenthes.nextcloud_client import StorageProblem

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p>{text}</p></body></html>
"""


def _page(title: str, text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(PAGE.format(title=escape(title), text=escape(text)), status_code=status)


async def callback(request: Request) -> Response:
    db = storage_context.db(request)
    storage = storage_store.storage_by_client_id(db, request.path_params["client_id"])
    if storage is None:
        return _page("Unknown storage", "No storage uses this OAuth client.", 404)
    pending = storage_store.take_oauth_state(db, request.query_params.get("state", ""))
    if pending is None or pending["storage_id"] != storage["id"]:
        return _page(
            "Link expired",
            "This authorization link is unknown or expired. Start again from nep-tui.",
            400,
        )
    code = request.query_params.get("code")
    if not code:
        reason = request.query_params.get("error", "no authorization code")
        return _page("Not connected", f"Nextcloud did not grant access ({reason}).", 400)
    try:
        token = await storage_context.nextcloud(request, storage).exchange_code(code)
    except StorageProblem:
        return _page("Not connected", "Nextcloud refused the authorization code. Try again.", 502)
    storage_store.save_nextcloud_token(db, pending["user_id"], token)
    # A new remote identity: the managed folders job gives the user their project folders.
    await managed_folders.sync_all(request)
    return _page("Connected", f"{storage['name']} is connected, you can close this page.")


routes = [Route("/oauth_clients/{client_id}/callback", callback, methods=["GET"])]
