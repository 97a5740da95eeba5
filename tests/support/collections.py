"""Collections with elements a client cannot read, as the spec's own examples have them
("shortened for brevity"), served through the fault proxy's `status` answers."""

from __future__ import annotations

import json
from typing import Any

# A real server's abbreviated element: the id and a link, no name or identifier.
SHORTENED = {"_type": "Project", "id": 99, "_links": {"self": {"href": "/api/v3/projects/99"}}}


def project(id: int) -> dict[str, Any]:
    return {"_type": "Project", "id": id, "identifier": f"p{id}", "name": f"Project {id}"}


def work_package(id: int) -> dict[str, Any]:
    return {
        "_type": "WorkPackage",
        "id": id,
        "subject": f"Task {id}",
        "_embedded": {"status": {"_type": "Status", "id": 1, "name": "New", "isClosed": False}},
        "_links": {
            "status": {"href": "/api/v3/statuses/1"},
            "project": {"href": "/api/v3/projects/1"},
        },
    }


def collection(elements: list[Any], *, total: int | None = None, page: int = 1) -> bytes:
    """One page of a HAL Collection, whose page size is its element count."""
    return json.dumps(
        {
            "_type": "Collection",
            "total": len(elements) if total is None else total,
            "count": len(elements),
            "pageSize": len(elements),
            "offset": page,
            "_embedded": {"elements": elements},
        }
    ).encode()


def serve(proxy: Any, path: str, body: bytes, method: str = "GET", status: int = 200) -> None:
    """The next `method` request whose target matches `path` gets `body` as a HAL answer."""
    proxy.add(
        "status", method=method, path=path, status=status, body=body, type="application/hal+json"
    )
