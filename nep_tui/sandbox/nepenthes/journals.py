"""Journals (the activity of a work package), watchers, workflows, and the notifications a
journal raises.

A journal is written by every change and by every comment, as the real `Journals::CreateService`
does; its `details` are the sentences of `OpenProject::JournalFormatter` in their non-HTML
(Markdown) form: `**Status** changed from *New* to *In progress*`. Recipients follow the
default notification settings of `Notifications::CreateFromModelService`: the assignee, the
accountable, the watchers and the mentioned users, never the actor, one notification per
recipient with the strongest reason.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Mapping
from datetime import date
from typing import Any

from nep_tui.sandbox.nepenthes import permissions
from nep_tui.sandbox.nepenthes.meta import user_name
from nep_tui.sandbox.nepenthes.store import NepenthesStore, inserted_id, now_iso

SCHEMA = """
CREATE TABLE IF NOT EXISTS journals (
    id INTEGER PRIMARY KEY,
    work_package_id INTEGER NOT NULL REFERENCES work_packages(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    version INTEGER NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    -- JSON list of Markdown sentences, one per changed attribute
    details TEXT NOT NULL DEFAULT '[]',
    internal INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS journals_work_package ON journals(work_package_id);
CREATE TABLE IF NOT EXISTS watchers (
    work_package_id INTEGER NOT NULL REFERENCES work_packages(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (work_package_id, user_id)
);
-- Which status changes a role may make for a type (the real `workflows` table).
CREATE TABLE IF NOT EXISTS workflows (
    type_id INTEGER NOT NULL REFERENCES types(id),
    role TEXT NOT NULL,
    old_status_id INTEGER NOT NULL REFERENCES statuses(id),
    new_status_id INTEGER NOT NULL REFERENCES statuses(id),
    PRIMARY KEY (type_id, role, old_status_id, new_status_id)
);
"""

# column → (label, lookup table or value kind), in the order the real formatter lists them
TRACKED: dict[str, tuple[str, str]] = {
    "subject": ("Subject", "text"),
    "type_id": ("Type", "types"),
    "project_id": ("Project", "projects"),
    "status_id": ("Status", "statuses"),
    "priority_id": ("Priority", "priorities"),
    "assignee_id": ("Assignee", "users"),
    "responsible_id": ("Accountable", "users"),
    "version_id": ("Version", "versions"),
    "start_date": ("Start date", "date"),
    "due_date": ("Finish date", "date"),
    "percentage_done": ("% Complete", "percent"),
    "description": ("Description", "description"),
}
# Reason strength when one recipient has several (mentioned wins, as in the real service).
REASONS = ("mentioned", "assigned", "responsible", "watched")
MENTION_PATTERNS = (
    re.compile(r'<mention[^>]*\bdata-id="(\d+)"[^>]*data-type="user"'),
    re.compile(r'<mention[^>]*\bdata-type="user"[^>]*data-id="(\d+)"'),
    re.compile(r"\buser#(\d+)\b"),
)
LOGIN_MENTION = re.compile(r'\buser:"([^"]+)"')


def init_schema(db: sqlite3.Connection) -> None:
    db.executescript(SCHEMA)
    columns = {row[1] for row in db.execute("PRAGMA table_info(notifications)")}
    if "journal_id" not in columns:
        db.execute("ALTER TABLE notifications ADD COLUMN journal_id INTEGER")


# --- workflows -------------------------------------------------------------------------------


def allowed_status_ids(
    store: NepenthesStore, user_id: int, project_id: int, type_id: int, current: int | None
) -> list[int]:
    """The current status plus those the user's role may move to for this type; every status
    for admins, as `WorkPackages::Scopes::AllowedStatuses` grants them."""
    if permissions.is_admin(store, user_id) or current is None:
        return [row[0] for row in store.all("SELECT id FROM statuses ORDER BY position")]
    role = store.scalar(
        "SELECT role FROM memberships WHERE user_id=? AND project_id=?", (user_id, project_id)
    )
    return [
        row[0]
        for row in store.all(
            "SELECT id FROM statuses WHERE id=? OR id IN (SELECT new_status_id FROM workflows"
            " WHERE type_id=? AND role=? AND old_status_id=?) ORDER BY position",
            (current, type_id, role, current),
        )
    ]


# --- details ---------------------------------------------------------------------------------


def _display(store: NepenthesStore, kind: str, value: Any) -> str:
    if kind == "users":
        row = store.user(value)
        return user_name(row) if row is not None else str(value)
    if kind in ("types", "projects", "statuses", "priorities", "versions"):
        name = store.scalar(f"SELECT name FROM {kind} WHERE id=?", (value,))
        return str(name) if name is not None else str(value)
    if kind == "date":
        # The user's default date format (`%m/%d/%Y` for English).
        return date.fromisoformat(value).strftime("%m/%d/%Y")
    if kind == "percent":
        return f"{value}%"
    return str(value)


def change_details(
    store: NepenthesStore,
    wp_id: int,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
) -> list[str]:
    sentences = []
    for column, (label, kind) in TRACKED.items():
        old, new = before.get(column), after.get(column)
        if old == new or (not old and not new and kind in ("text", "description")):
            continue
        if kind == "description":
            diff = f"/journals/{wp_id}/diff/description"
            sentences.append(f"**{label}** changed ([Details]({diff}))")
        elif new is None or new == "":
            sentences.append(f"**{label}** deleted (~~*{_display(store, kind, old)}*~~)")
        elif old is None or old == "":
            sentences.append(f"**{label}** set to *{_display(store, kind, new)}*")
        else:
            sentences.append(
                f"**{label}** changed from *{_display(store, kind, old)}*"
                f" to *{_display(store, kind, new)}*"
            )
    return sentences


def attachment_added(file_name: str) -> str:
    return f"**Attachment** {file_name} added"


def attachment_deleted(file_name: str) -> str:
    return f"**Attachment** deleted (~~*{file_name}*~~)"


# --- writing ---------------------------------------------------------------------------------


def write_journal(
    store: NepenthesStore,
    wp_id: int,
    user_id: int,
    *,
    details: list[str] | None = None,
    notes: str = "",
    internal: bool = False,
) -> int:
    """Write one journal and raise its notifications; returns the journal id."""
    stamp = now_iso()
    version = (
        store.scalar("SELECT MAX(version) FROM journals WHERE work_package_id=?", (wp_id,)) or 0
    ) + 1
    journal_id = inserted_id(
        store.db.execute(
            "INSERT INTO journals (work_package_id, user_id, version, notes, details, internal,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                wp_id,
                user_id,
                version,
                notes,
                json.dumps(details or []),
                int(internal),
                stamp,
                stamp,
            ),
        )
    )
    _notify(store, wp_id, user_id, journal_id, notes)
    return journal_id


def mentioned_user_ids(store: NepenthesStore, notes: str) -> set[int]:
    ids = {int(found) for pattern in MENTION_PATTERNS for found in pattern.findall(notes)}
    for login in LOGIN_MENTION.findall(notes):
        row = store.user_by_login(login)
        if row is not None:
            ids.add(row["id"])
    return ids


def _notify(store: NepenthesStore, wp_id: int, actor_id: int, journal_id: int, notes: str) -> None:
    row = store.work_package(wp_id)
    assert row is not None
    candidates: dict[str, set[int]] = {
        "mentioned": mentioned_user_ids(store, notes),
        "assigned": {row["assignee_id"]} - {None},
        "responsible": {row["responsible_id"]} - {None},
        "watched": {
            watcher[0]
            for watcher in store.all(
                "SELECT user_id FROM watchers WHERE work_package_id=?", (wp_id,)
            )
        },
    }
    reason_of: dict[int, str] = {}
    for reason in REASONS:
        for user_id in candidates[reason]:
            reason_of.setdefault(user_id, reason)
    stamp = now_iso()
    for user_id, reason in sorted(reason_of.items()):
        if user_id == actor_id or not permissions.allowed(
            store, user_id, "view_work_packages", row["project_id"]
        ):
            continue
        store.db.execute(
            "INSERT INTO notifications (recipient_id, actor_id, project_id, resource_id, reason,"
            " journal_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (user_id, actor_id, row["project_id"], wp_id, reason, journal_id, stamp, stamp),
        )


def watch(store: NepenthesStore, wp_id: int, user_id: int) -> None:
    store.db.execute(
        "INSERT OR IGNORE INTO watchers (work_package_id, user_id) VALUES (?, ?)", (wp_id, user_id)
    )
