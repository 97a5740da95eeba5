"""PROPFIND answers in Sabre/Nextcloud's exact shape: the d/s/oc/nc prefixes, folder hrefs ending
in '/', lower-case percent-encoding, and a second 404 propstat for properties a node lacks."""

from __future__ import annotations

from collections.abc import Callable
from email.utils import formatdate
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape, quoteattr

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .context import dav_permissions, padded_file_id
from .sabre import DavError
from .store import ROOT_ID
from .userview import Located, UserView

DAV_ROOT = "/remote.php/dav/files/"
PREFIXES = {
    "DAV:": "d",
    "http://sabredav.org/ns": "s",
    "http://owncloud.org/ns": "oc",
    "http://nextcloud.org/ns": "nc",
}
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


def encode_href(path: str) -> str:
    return "".join(chr(b) if b in _HREF_SAFE else f"%{b:02x}" for b in path.encode())


def http_date(timestamp: int) -> str:
    return formatdate(timestamp, usegmt=True)


def response_xml(view: UserView, located: Located, requested: list[str] | None) -> str:
    """One <d:response>: found properties in a 200 propstat, missing ones in a 404 propstat."""
    node = located.node
    href = (
        DAV_ROOT + view.login + located.path + ("/" if node.is_dir and located.path != "/" else "")
    )
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
    return (
        f"<d:propstat><d:prop>{''.join(props)}</d:prop><d:status>{status}</d:status></d:propstat>"
    )


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
            400,
            "Sabre\\DAV\\Exception\\BadRequest",
            f"The request body had an invalid XML body. (message: {error})",
        ) from None
    if root.tag != f"{D}propfind":
        raise DavError(
            400, "Sabre\\DAV\\Exception\\BadRequest", "The root element must be {DAV:}propfind"
        )
    prop = root.find(f"{D}prop")
    if prop is None:
        return None
    return [child.tag for child in prop if isinstance(child.tag, str) and child.tag.startswith("{")]
