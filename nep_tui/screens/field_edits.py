"""What the work-package screen asks for a field edit, and how it says what an edit does."""

from __future__ import annotations

from datetime import date
from typing import Any

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


PERCENT_HINT = "A whole number from 0 to 100; empty clears it."


def check_percent(value: str) -> str | None:
    text = value.strip().removesuffix("%").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) > 100:
        return "Type a whole number from 0 to 100, or nothing to clear it."
    return None


def parsed_percent(value: str) -> int | None:
    text = value.strip().removesuffix("%").strip()
    return int(text) if text else None


def check_subject(value: str) -> str | None:
    return None if value.strip() else "The subject cannot be empty."


def allowed_choices(
    values: list[AllowedValue], current: int | None, *, none_label: str | None = None
) -> list[Choice[int | None]]:
    """The form's allowed values, `current` marked; `none_label` offers unsetting the field."""
    choices: list[Choice[int | None]] = (
        [Choice(none_label, None, current is None)] if none_label is not None else []
    )
    return choices + [
        Choice(value.title, value.id, current=value.id == current)
        for value in values
        if value.id is not None
    ]


def linked_edit(field: str, value: int | None) -> WorkPackageEdit:
    """The edit that sets a linked field (`status`, `type`, `responsible`...) to `value`."""
    change: dict[str, Any] = {f"{field}_id": value}
    return WorkPackageEdit(**change)


def user_choices(
    users: list[User], current_id: int | None, none_label: str
) -> list[Choice[int | None]]:
    choices: list[Choice[int | None]] = [Choice(none_label, None, current_id is None)]
    return choices + [Choice(user.name, user.id, user.id == current_id) for user in users]


_FIELD_NAMES = {
    "subject": "Subject",
    "description": "Description",
    "start_date": "Start date",
    "due_date": "Finish date",
    "status_id": "Status",
    "priority_id": "Priority",
    "assignee_id": "Assignee",
    "responsible_id": "Accountable",
    "type_id": "Type",
    "version_id": "Version",
    "percentage_done": "% done",
}


def describe_edit(edit: WorkPackageEdit, label: str) -> str:
    """`Status → In progress`: `label` is how the new value reads (server text made plain)."""
    names = [_FIELD_NAMES.get(name, name) for name in edit.changed]
    return f"{', '.join(names)} → {plain(label)}" if edit.changed else "nothing"
