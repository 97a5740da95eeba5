"""Team folders' advanced permissions: `PROPPATCH nc:acl-list` on a folder, as OpenProject's
managed folders job sends it (user `OpenProject` 31, group `OpenProject` 0, then each member's
uid with the sum of read 1, write 2, create 4, delete 8, share 16).

The sandbox's one shared tree has no per-group mounts, so the rules are turned into its
per-user restrictions: a user without read is hidden from the folder, one without write reads
it only. Only the folder's ACL manager (user `OpenProject`) may set them."""

from __future__ import annotations

from xml.sax.saxutils import escape

from defusedxml import ElementTree
from starlette.requests import Request
from starlette.responses import Response

from .propfind import DAV_ROOT
from .sabre import XML_TYPE, DavError
from .store import NextcloudStore
from .userview import Located

NC = "{http://nextcloud.org/ns}"
READ, WRITE = 1, 2


def parse_acl(body: bytes) -> list[tuple[str, str, int]]:
    """(mapping type, mapping id, permissions) of every `nc:acl` in the body."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        raise DavError(400, "Sabre\\DAV\\Exception\\BadRequest", "Invalid XML") from None
    rules = []
    for entry in root.iter(f"{NC}acl"):
        kind = entry.findtext(f"{NC}acl-mapping-type") or ""
        mapping = entry.findtext(f"{NC}acl-mapping-id") or ""
        permissions = entry.findtext(f"{NC}acl-permissions") or "0"
        rules.append((kind, mapping, int(permissions) if permissions.isdigit() else 0))
    return rules


def apply_acl(store: NextcloudStore, node_id: int, rules: list[tuple[str, str, int]]) -> None:
    users = {mapping: permissions for kind, mapping, permissions in rules if kind == "user"}
    groups = {mapping: permissions for kind, mapping, permissions in rules if kind == "group"}
    for login in store.logins():
        permissions = users.get(login)
        if permissions is None:
            member_of = [groups[gid] for gid in store.groups_of(login) if gid in groups]
            # Not in the team folder's group: the folder is not theirs to see at all.
            permissions = max(member_of) if member_of else 0
        store.clear_restrictions(node_id, login)
        if not permissions & READ:
            store.restrict(node_id, login)
        elif not permissions & WRITE:
            store.make_read_only(node_id, login)


async def proppatch(request: Request, store: NextcloudStore, login: str, here: Located) -> Response:
    if login != store.acl_manager_of(here.path):
        raise DavError(403, "Sabre\\DAV\\Exception\\Forbidden", "Permission denied")
    apply_acl(store, here.node.id, parse_acl(await request.body()))
    href = escape(f"{DAV_ROOT}{login}{here.path}")
    body = (
        '<?xml version="1.0"?>\n<d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns"'
        ' xmlns:nc="http://nextcloud.org/ns">'
        f"<d:response><d:href>{href}</d:href><d:propstat><d:prop><nc:acl-list/></d:prop>"
        "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"
    )
    return Response(body.encode(), 207, headers={"content-type": XML_TYPE})
