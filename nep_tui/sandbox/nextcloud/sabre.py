"""Sabre's way of saying no: the XML error body every WebDAV (and direct link) failure carries."""

from __future__ import annotations

from xml.sax.saxutils import escape

from starlette.responses import Response

XML_TYPE = "application/xml; charset=utf-8"


class DavError(Exception):
    def __init__(
        self, status: int, exception: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.exception, self.message, self.headers = (
            status,
            exception,
            message,
            headers or {},
        )


def sabre_error(
    status: int, exception: str, message: str, headers: dict[str, str] | None = None
) -> Response:
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
