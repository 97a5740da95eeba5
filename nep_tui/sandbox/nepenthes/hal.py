"""HAL+JSON building blocks: responses, links, and offset-paginated collections.

Paging follows the real server (`lib/api/utilities/url_props_parsing_helper.rb`): `offset` is
a 1-based page number, `pageSize=-1` means the maximum, and a page size above the maximum is
capped rather than rejected.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from nep_tui.sandbox.nepenthes.errors import ApiError

HAL_JSON = "application/hal+json; charset=utf-8"
API = "/api/v3"
DEFAULT_PAGE_SIZE = 20
# Far past any data, and small enough that page * size stays a valid SQLite integer.
MAX_PAGE_NUMBER = 2**31
PER_PAGE_OPTIONS = [20, 100]
MAX_PAGE_SIZE = 1000


def hal_response(
    body: Mapping[str, Any], status: int = 200, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        dict(body), status_code=status, media_type=HAL_JSON, headers=dict(headers or {})
    )


def link(href: str | None, title: str | None = None, **extra: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"href": href}
    if title is not None:
        result["title"] = title
    result.update(extra)
    return result


def filtered_href(path: str, name: str, value: int) -> str:
    """A collection filtered by one id, the filters URL-encoded as the real links carry them."""
    filters = json.dumps([{name: {"operator": "=", "values": [str(value)]}}], separators=(",", ":"))
    return f"{path}?filters={quote(filters, safe='')}"


def formattable(raw: str | None) -> dict[str, Any]:
    """A Formattable (markdown) text; the html is a plain paragraph, enough for clients."""
    text = raw or ""
    html = "" if not text else "<p>" + _escape_html(text) + "</p>"
    return {"format": "markdown", "raw": text, "html": html}


def _escape_html(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


@dataclass(frozen=True)
class Paging:
    page: int
    page_size: int

    @property
    def sql_offset(self) -> int:
        return (self.page - 1) * self.page_size


def _int_param(raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        return int(raw.strip())
    except ValueError:
        return None


def parse_paging(request: Request, default_size: int = DEFAULT_PAGE_SIZE) -> Paging:
    """`offset` (page number, default 1) and `pageSize` (default, -1 = max, capped at max).

    Values that are not integers fall back to the defaults, as the real server's `to_i`-based
    parsing does not reject them either.
    """
    page = _int_param(request.query_params.get("offset"))
    size = _int_param(request.query_params.get("pageSize"))
    if page is None or page < 1:
        page = 1
    page = min(page, MAX_PAGE_NUMBER)
    if size is None or size < -1:
        size = default_size
    if size == -1 or size > MAX_PAGE_SIZE:
        size = MAX_PAGE_SIZE
    return Paging(page, size)


def _href(path: str, params: Mapping[str, Any]) -> str:
    query = urlencode(sorted((key, str(value)) for key, value in params.items()))
    return f"{path}?{query}" if query else path


def paginated_collection(
    request: Request,
    elements: Sequence[Mapping[str, Any]],
    total: int,
    paging: Paging,
    *,
    self_path: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An offset-paginated Collection with self/jumpTo/changeSize/next/previous links.

    The query parameters of the request (filters, sortBy, ...) are kept in every link.
    """
    path = self_path or request.url.path
    kept = {
        key: value
        for key, value in request.query_params.items()
        if key not in ("offset", "pageSize")
    }

    def page_href(page: Any, size: Any) -> str:
        return _href(path, {**kept, "offset": page, "pageSize": size})

    links: dict[str, Any] = {
        "self": link(page_href(paging.page, paging.page_size)),
        "jumpTo": link(page_href("{offset}", paging.page_size), templated=True),
        "changeSize": link(page_href(paging.page, "{size}"), templated=True),
    }
    if paging.page_size > 0 and paging.page * paging.page_size < total:
        links["nextByOffset"] = link(page_href(paging.page + 1, paging.page_size))
    if paging.page > 1:
        links["previousByOffset"] = link(page_href(paging.page - 1, paging.page_size))
    body: dict[str, Any] = {
        "_type": "Collection",
        "total": total,
        "count": len(elements),
        "pageSize": paging.page_size,
        "offset": paging.page,
        "_embedded": {"elements": list(elements)},
        "_links": links,
    }
    if extra:
        body.update(extra)
    return body


def plain_collection(self_href: str, elements: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A Collection without paging (statuses, types, priorities): only total and count."""
    return {
        "_type": "Collection",
        "total": len(elements),
        "count": len(elements),
        "_embedded": {"elements": list(elements)},
        "_links": {"self": link(self_href)},
    }


_JSON_TYPES = ("application/json", "application/hal+json")


async def read_json_body(request: Request) -> dict[str, Any]:
    """A JSON object body with the real server's content-type rules.

    No Content-Type → 406 with a plain-text body, another type → 415 TypeNotSupported,
    unparsable JSON or not an object → 400 InvalidRequestBody.
    """
    content_type = request.headers.get("content-type")
    if not content_type:
        raise MissingContentType()
    if content_type.split(";")[0].strip().lower() not in _JSON_TYPES:
        raise ApiError(
            415,
            "TypeNotSupported",
            f"Expected CONTENT-TYPE to be (expected: application/json) but got ({content_type}).",
        )
    raw = await request.body()
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise ApiError(
            400, "InvalidRequestBody", "The request body was not a single JSON object."
        ) from None
    if not isinstance(body, dict):
        raise ApiError(400, "InvalidRequestBody", "The request body was not a single JSON object.")
    return body


class MissingContentType(Exception):
    """Answered 406 with the plain body `Missing content-type header`, as the real server does."""


async def render_missing_content_type(request: Request, error: Exception) -> Response:
    return PlainTextResponse("Missing content-type header", status_code=406)
