"""What the work-package screen asks for a field edit, and how it says what an edit does."""

from __future__ import annotations

from datetime import date

from nep_tui.api.activity import WorkPackageEdit
from nep_tui.api.models import AllowedValue, User
from nep_tui.dialogs.choose_value import Choice
from nep_tui.formatting import plain

DATE_HINT = "YYYY-MM-DD; empty clears it."


def check_date(value: str) -> str | None:
    if not value.strip():
        return None
    try:
        date.fromisoformat(value.strip())
    except ValueError:
        return "Type a date as YYYY-MM-DD, or nothing to clear it."
    return None


def parsed_date(value: str) -> date | None:
    return date.fromisoformat(value.strip()) if value.strip() else None


def check_subject(value: str) -> str | None:
    return None if value.strip() else "The subject cannot be empty."


def allowed_choices(values: list[AllowedValue], current: str | None) -> list[Choice[int]]:
    return [
        Choice(value.title, value.id, current=value.title == current)
        for value in values
        if value.id is not None
    ]


def assignee_choices(users: list[User], current_id: int | None) -> list[Choice[int | None]]:
    choices: list[Choice[int | None]] = [Choice("Nobody (unassign)", None, current_id is None)]
    return choices + [Choice(user.name, user.id, user.id == current_id) for user in users]


_FIELD_NAMES = {
    "subject": "Subject",
    "description": "Description",
    "start_date": "Start date",
    "due_date": "Finish date",
    "status_id": "Status",
    "priority_id": "Priority",
    "assignee_id": "Assignee",
}


def describe_edit(edit: WorkPackageEdit, label: str) -> str:
    """`Status → In progress`: `label` is how the new value reads (server text made plain)."""
    names = [_FIELD_NAMES.get(name, name) for name in edit.changed]
    return f"{', '.join(names)} → {plain(label)}" if edit.changed else "nothing"
