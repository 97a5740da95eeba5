"""Relations and time entries: the sandbox has none, and lists them as empty collections.

The root and every work package link these collections, and other clients follow the links
(`relation list`, `time list`), so they answer as a real server where nobody has related work
packages or logged time: the filters are checked as the real queries check them (unknown
filter or operator → 400 `InvalidQuery`) and the list is empty. A work package's own relations
link is the real server's permanent redirect to the filtered relations. Creating either is not played (404, as for any unrouted request).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from nep_tui.sandbox.nepenthes.auth import current_user
from nep_tui.sandbox.nepenthes.hal import (
    API,
    filtered_href,
    hal_response,
    paginated_collection,
    parse_paging,
)
from nep_tui.sandbox.nepenthes.query import parse_filters
from nep_tui.sandbox.nepenthes.work_packages import visible_work_package

IDS = {"=", "!"}
DATES = {"=", "<>d", ">t-", "<t-", "t-", "t", "w", ">=", "<="}
RELATION_FILTERS = {"id": IDS, "from": IDS, "to": IDS, "involved": IDS, "type": IDS}
TIME_ENTRY_FILTERS = {
    "workpackage": IDS,
    "project": IDS,
    "user": IDS,
    "activity": IDS,
    "spenton": DATES,
    "createdat": DATES,
    "updatedat": DATES,
    "ongoing": {"="},
}


def _empty(request: Request) -> JSONResponse:
    return hal_response(paginated_collection(request, [], 0, parse_paging(request)))


async def list_relations(request: Request) -> JSONResponse:
    current_user(request)
    parse_filters(request, RELATION_FILTERS)
    return _empty(request)


async def work_package_relations(request: Request) -> Response:
    """Deprecated on the real server (`WorkPackageRelationsAPI`, (code)): a permanent redirect
    to the relations it is involved in, with the real sentence as the body."""
    _viewer_id, row = visible_work_package(request, request.path_params["id"])
    target = filtered_href(f"{API}/relations", "involved", row["id"])
    return PlainTextResponse(
        f"The requested resource is deprecated and permanently moved to {target}",
        status_code=308,
        headers={"Location": target},
    )


async def list_time_entries(request: Request) -> JSONResponse:
    current_user(request)
    parse_filters(request, TIME_ENTRY_FILTERS)
    return _empty(request)


routes = [
    Route("/api/v3/relations", list_relations, methods=["GET"]),
    Route("/api/v3/work_packages/{id:int}/relations", work_package_relations, methods=["GET"]),
    Route("/api/v3/time_entries", list_time_entries, methods=["GET"]),
]
