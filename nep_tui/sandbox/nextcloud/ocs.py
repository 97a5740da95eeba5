"""OCS answers as Nextcloud writes them: JSON the way PHP encodes it, XML the way OCS formats it.

v1 keeps HTTP 200 for failures (except 401) and reports 100 for success in `meta.statuscode`;
v2 mirrors the HTTP status in `meta.statuscode`.
"""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import Response

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"

NOT_LOGGED_IN = "Current user is not logged in"
OCS_UNAUTHORISED = 997


def php_json(value: Any) -> bytes:
    """json_encode() output: compact, non-ASCII as \\uXXXX, and '/' escaped as '\\/'.

    A '/' can only occur inside JSON strings, so escaping it in the whole text is safe."""
    return json.dumps(value, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/").encode()


def wants_json(request: Request) -> bool:
    requested = request.query_params.get("format")
    if requested:
        return requested == "json"
    return "application/json" in request.headers.get("accept", "")


def api_version(request: Request) -> int:
    return 2 if request.url.path.startswith("/ocs/v2.php/") else 1


def passes_csrf(request: Request) -> bool:
    """Nextcloud lets OCS calls through with `OCS-APIRequest: true` or a Bearer token."""
    return request.headers.get("ocs-apirequest", "").lower() == "true" or request.headers.get(
        "authorization", ""
    ).startswith("Bearer ")


def ocs_response(
    request: Request,
    data: Any,
    *,
    status: int = 200,
    message: str | None = None,
    ocs_code: int | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """An OCS envelope; `status` is the v2 HTTP status, v1 maps it to 200 + a meta code."""
    version = api_version(request)
    ok = status < 400
    if version == 1:
        meta_code = ocs_code if ocs_code is not None else (100 if ok else status)
        http_status = 401 if status == 401 else 200
    else:
        meta_code = ocs_code if ocs_code is not None else status
        http_status = status
    meta: dict[str, Any] = {
        "status": "ok" if ok else "failure",
        "statuscode": meta_code,
        "message": message if message is not None else ("OK" if ok else ""),
    }
    if version == 1:
        meta["totalitems"] = ""
        meta["itemsperpage"] = ""
    envelope = {"ocs": {"meta": meta, "data": data}}
    if wants_json(request):
        body, content_type = php_json(envelope), JSON_TYPE
    else:
        body, content_type = to_ocs_xml(envelope), XML_TYPE
    return Response(body, http_status, headers={**(headers or {}), "content-type": content_type})


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A plain app-route JSON answer, encoded like PHP does."""
    return Response(php_json(value), status, headers={**(headers or {}), "content-type": JSON_TYPE})


def not_logged_in(request: Request) -> Response:
    return ocs_response(request, [], status=401, message=NOT_LOGGED_IN, ocs_code=OCS_UNAUTHORISED)


def to_ocs_xml(envelope: dict[str, Any]) -> bytes:
    lines = ['<?xml version="1.0"?>']
    _write_element(lines, "ocs", envelope["ocs"], 0)
    return ("\n".join(lines) + "\n").encode()


def _write_element(lines: list[str], tag: str, value: Any, depth: int) -> None:
    pad = " " * depth
    if isinstance(value, dict) and value:
        lines.append(f"{pad}<{tag}>")
        for key, item in value.items():
            _write_element(lines, str(key), item, depth + 1)
        lines.append(f"{pad}</{tag}>")
    elif isinstance(value, list) and value:
        lines.append(f"{pad}<{tag}>")
        for item in value:
            _write_element(lines, "element", item, depth + 1)
        lines.append(f"{pad}</{tag}>")
    elif value is None or value == [] or value == {}:
        lines.append(f"{pad}<{tag}/>")
    else:
        lines.append(f"{pad}<{tag}>{escape(_php_scalar(value))}</{tag}>")


def _php_scalar(value: Any) -> str:
    if value is True:
        return "1"
    if value is False:
        return ""
    return str(value)
