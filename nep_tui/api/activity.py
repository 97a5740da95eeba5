"""The activity of a work package (comments and changes) and edits of its fields.

An `Activity` is one journal: a comment (`Activity::Comment`, it has text) or a change (only
`details`, each one Markdown sentence the server wrote, e.g. `**Status** changed from *New* to
*In progress*`). A `WorkPackageEdit` names the fields to change; anything left `UNCHANGED` is
not sent, so the server keeps what another client changed meanwhile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any, Self

from nep_tui.api.errors import UpdateConflict
from nep_tui.api.models import Json, WorkPackage, _Model, _raw_text, href, id_from_href, link

API = "/api/v3"
_EMPHASIS = re.compile(r"(\*\*|~~|\*)(.+?)\1")
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


class ActivityKind(StrEnum):
    COMMENT = "comment"
    CHANGE = "change"


def plain_detail(sentence: str) -> str:
    """`**Status** changed from *New* to *In progress*` → `Status changed from New to In progress`."""
    text = _MARKDOWN_LINK.sub(r"\1", sentence)
    previous = None
    while previous != text:
        previous, text = text, _EMPHASIS.sub(r"\2", text)
    return text


class Activity(_Model):
    id: int
    kind: ActivityKind
    version: int
    comment: str = ""
    details: list[str] = []  # the server's Markdown sentences, one per changed field
    internal: bool = False
    user_id: int | None = None
    user_name: str | None = None  # filled by the client: the server's link has no title
    created_at: datetime
    updated_at: datetime | None = None
    editable: bool = False  # the server offers `update` only on one's own journal

    @property
    def plain_details(self) -> list[str]:
        return [plain_detail(sentence) for sentence in self.details]

    @classmethod
    def from_hal(cls, data: Json) -> Self:
        details = data.get("details")
        comment = _raw_text(data.get("comment"))
        return cls(
            id=data["id"],
            kind=ActivityKind.COMMENT if comment else ActivityKind.CHANGE,
            version=data.get("version") or 1,
            comment=comment,
            details=[_raw_text(item) for item in details if isinstance(item, dict | str)]
            if isinstance(details, list)
            else [],
            internal=bool(data.get("internal", False)),
            user_id=id_from_href(href(data, "user")),
            created_at=data["createdAt"],
            updated_at=data.get("updatedAt"),
            editable=link(data, "update") is not None,
        )


class Unchanged(Enum):
    UNCHANGED = "unchanged"


UNCHANGED = Unchanged.UNCHANGED

# WorkPackageEdit field → (JSON property, or `_links` name with its resource)
_PROPERTIES = {
    "subject": "subject",
    "start_date": "startDate",
    "due_date": "dueDate",
    "percentage_done": "percentageDone",
}
_LINKS = {
    "status_id": ("status", "statuses"),
    "priority_id": ("priority", "priorities"),
    "type_id": ("type", "types"),
    "assignee_id": ("assignee", "users"),
    "responsible_id": ("responsible", "users"),
    "version_id": ("version", "versions"),
}


@dataclass(frozen=True)
class WorkPackageEdit:
    """The fields to change; `None` clears a nullable field (assignee, dates, version)."""

    subject: str | Unchanged = UNCHANGED
    description: str | Unchanged = UNCHANGED
    start_date: date | None | Unchanged = UNCHANGED
    due_date: date | None | Unchanged = UNCHANGED
    percentage_done: int | None | Unchanged = UNCHANGED
    status_id: int | Unchanged = UNCHANGED
    priority_id: int | Unchanged = UNCHANGED
    type_id: int | Unchanged = UNCHANGED
    assignee_id: int | None | Unchanged = UNCHANGED
    responsible_id: int | None | Unchanged = UNCHANGED
    version_id: int | None | Unchanged = UNCHANGED

    @property
    def changed(self) -> list[str]:
        return [item.name for item in fields(self) if getattr(self, item.name) is not UNCHANGED]

    def body(self, lock_version: int) -> Json:
        body: dict[str, Any] = {"lockVersion": lock_version}
        links: dict[str, Any] = {}
        for name in self.changed:
            value = getattr(self, name)
            if name == "description":
                body["description"] = {"format": "markdown", "raw": value}
            elif name in _PROPERTIES:
                body[_PROPERTIES[name]] = value.isoformat() if isinstance(value, date) else value
            else:
                key, resource = _LINKS[name]
                links[key] = {"href": None if value is None else f"{API}/{resource}/{int(value)}"}
        if links:
            body["_links"] = links
        return body


class WorkPackageConflict(UpdateConflict):
    """409 `UpdateConflict`: someone changed the work package since it was loaded. Carries
    the work package as it is now and what changed on the server, so the edit can be shown
    and applied again to `current` (nothing of the failed edit was saved)."""

    def __init__(self, current: WorkPackage, server_changes: list[Activity]) -> None:
        self.current = current
        self.server_changes = server_changes
        sentences = [
            sentence
            for activity in server_changes
            for sentence in (
                activity.plain_details
                or ([f"{activity.user_name or 'Someone'} commented"] if activity.comment else [])
            )
        ]
        what = "; ".join(sentences) if sentences else "it was saved again"
        super().__init__(
            f"Someone else changed work package #{current.id} in the meantime: {what}.",
            hint="Nothing of your change was saved; apply it again to the current version.",
        )
