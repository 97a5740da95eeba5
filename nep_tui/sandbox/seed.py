"""The sandbox seeds: `demo` (fixed, deterministic), `large` (sized, bulk), `empty` (users) and
`bare` (the demo without the storage, for the administrator's setup).

Every seed writes both stores: the Nepenthes side (users, projects, work packages, ...) and the
Nextcloud side (users, the automatic project folders, files), plus the storage between them.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from nep_tui.sandbox.nepenthes import storage_store
from nep_tui.sandbox.nepenthes.store import NepenthesStore

if TYPE_CHECKING:
    from nep_tui.sandbox.nepenthes.app import NepenthesConfig

LARGE_DEFAULTS = {"projects": 500, "work_packages": 20000, "files": 10000}
STORAGE_ID = 1
STORAGE_NAME = "Nextcloud"
# The OAuth client Nextcloud's OAuth2 app knows Nepenthes by (the storage's credentials).
NEXTCLOUD_CLIENT_ID = "nepenthes-storage-client"
NEXTCLOUD_CLIENT_SECRET = "nepenthes-storage-secret"

# (login, first name, last name, admin)
USERS = [
    ("admin", "Ada", "Admin", True),
    ("member", "Max", "Member", False),
    ("newcomer", "Nora", "Newcomer", False),
]
ADMIN, MEMBER, NEWCOMER = 1, 2, 3

TYPES = [  # id, name, color, position, is_default, is_milestone
    (1, "Task", "#1A67A3", 1, True, False),
    (2, "Bug", "#C92A2A", 2, False, False),
    (3, "Feature", "#35C53F", 3, False, False),
    (4, "Milestone", "#E44D26", 4, False, True),
]
STATUSES = [  # id, name, color, position, is_closed, is_default, default_done_ratio
    (1, "New", "#1098AD", 1, False, True, 0),
    (2, "In progress", "#CC5DE8", 2, False, False, 50),
    (3, "Closed", "#868E96", 3, True, False, 100),
    (4, "Rejected", "#F03E3E", 4, True, False, 0),
]
NEW, IN_PROGRESS, CLOSED, REJECTED = 1, 2, 3, 4
# Status changes a `member` may make for every type; project admins may make any change.
MEMBER_WORKFLOW = [
    (NEW, IN_PROGRESS),
    (NEW, REJECTED),
    (IN_PROGRESS, NEW),
    (IN_PROGRESS, CLOSED),
    (CLOSED, IN_PROGRESS),
    (REJECTED, NEW),
]
PRIORITIES = [  # id, name, color, position, is_default
    (1, "Low", "#C5F6FA", 1, False),
    (2, "Normal", "#74C0FC", 2, True),
    (3, "High", "#FF922B", 3, False),
    (4, "Immediate", "#E03131", 4, False),
]
NEW, IN_PROGRESS, CLOSED, REJECTED = 1, 2, 3, 4
TASK, BUG, FEATURE, MILESTONE = 1, 2, 3, 4
LOW, NORMAL, HIGH, IMMEDIATE = 1, 2, 3, 4

DEMO_PROJECTS = [  # id, identifier, name, parent, description
    (1, "demo", "Nepenthes Demo", None, "The demo project: a tour of what nep-tui can do."),
    (2, "website", "Website Relaunch", 1, "A new website for the **Nepenthes** product line."),
    (3, "mobile", "Mobile App", 1, "The companion app for iOS and Android."),
    (4, "mobile-backend", "Mobile Backend", 3, "APIs and push notifications for the mobile app."),
    (5, "research", "Research Lab", None, "Experiments that are not shared with everyone."),
]
RESEARCH = 5

# id, project, type, status, priority, assignee, subject, start, due, done
DEMO_WORK_PACKAGES: list[
    tuple[int, int, int, int, int, int | None, str, str | None, str | None, int | None]
] = [
    (
        1,
        1,
        TASK,
        IN_PROGRESS,
        HIGH,
        MEMBER,
        "Prepare kickoff presentation",
        "2026-01-12",
        "2026-01-23",
        40,
    ),
    (2, 1, MILESTONE, NEW, NORMAL, None, "Project kickoff", "2026-01-26", "2026-01-26", None),
    (
        3,
        1,
        TASK,
        NEW,
        NORMAL,
        MEMBER,
        "Collect requirements from the sales team",
        "2026-01-14",
        "2026-02-06",
        10,
    ),
    (4, 1, TASK, CLOSED, LOW, ADMIN, "Set up the project wiki", "2026-01-05", "2026-01-09", 100),
    (
        5,
        1,
        BUG,
        NEW,
        IMMEDIATE,
        NEWCOMER,
        "Budget spreadsheet shows wrong totals",
        "2026-02-02",
        "2026-02-04",
        0,
    ),
    (
        6,
        1,
        FEATURE,
        IN_PROGRESS,
        NORMAL,
        MEMBER,
        "Weekly status report template",
        "2026-02-09",
        "2026-02-20",
        60,
    ),
    (7, 1, TASK, REJECTED, LOW, None, "Order branded mugs", None, None, None),
    (
        8,
        1,
        TASK,
        NEW,
        NORMAL,
        NEWCOMER,
        "Onboard the new team members",
        "2026-03-02",
        "2026-03-13",
        0,
    ),
    (
        9,
        2,
        FEATURE,
        IN_PROGRESS,
        HIGH,
        MEMBER,
        "New landing page design",
        "2026-01-19",
        "2026-02-27",
        30,
    ),
    (
        10,
        2,
        TASK,
        NEW,
        NORMAL,
        MEMBER,
        "Write copy for the product pages",
        "2026-02-02",
        "2026-02-20",
        0,
    ),
    (
        11,
        2,
        BUG,
        NEW,
        HIGH,
        NEWCOMER,
        "Contact form does not send mails",
        "2026-02-10",
        "2026-02-12",
        0,
    ),
    (
        12,
        2,
        TASK,
        CLOSED,
        NORMAL,
        ADMIN,
        "Choose a hosting provider",
        "2026-01-06",
        "2026-01-16",
        100,
    ),
    (
        13,
        2,
        BUG,
        CLOSED,
        LOW,
        MEMBER,
        "Favicon missing on the blog",
        "2026-01-20",
        "2026-01-21",
        100,
    ),
    (14, 2, MILESTONE, NEW, NORMAL, None, "Website go-live", "2026-03-16", "2026-03-16", None),
    (
        15,
        2,
        TASK,
        NEW,
        LOW,
        None,
        "Set up redirects from the old URLs",
        "2026-03-02",
        "2026-03-11",
        0,
    ),
    (
        16,
        3,
        FEATURE,
        IN_PROGRESS,
        HIGH,
        MEMBER,
        "Offline mode for the task list",
        "2026-01-26",
        "2026-03-06",
        20,
    ),
    (
        17,
        3,
        BUG,
        NEW,
        IMMEDIATE,
        MEMBER,
        "App crashes when rotating the screen",
        "2026-02-16",
        "2026-02-18",
        0,
    ),
    (18, 3, TASK, NEW, NORMAL, NEWCOMER, "Design the app icon", "2026-02-02", "2026-02-13", 0),
    (
        19,
        3,
        TASK,
        CLOSED,
        NORMAL,
        MEMBER,
        "Set up the beta test group",
        "2026-01-12",
        "2026-01-16",
        100,
    ),
    (20, 3, FEATURE, NEW, LOW, None, "Dark theme", None, None, 0),
    (21, 3, MILESTONE, NEW, NORMAL, None, "Beta release", "2026-03-20", "2026-03-20", None),
    (
        22,
        4,
        FEATURE,
        IN_PROGRESS,
        HIGH,
        MEMBER,
        "Push notification service",
        "2026-02-02",
        "2026-03-13",
        50,
    ),
    (
        23,
        4,
        TASK,
        NEW,
        NORMAL,
        ADMIN,
        "Rate limiting for the public API",
        "2026-02-16",
        "2026-02-27",
        0,
    ),
    (
        24,
        4,
        BUG,
        IN_PROGRESS,
        HIGH,
        NEWCOMER,
        "Token refresh fails after 2 hours",
        "2026-02-23",
        "2026-02-25",
        30,
    ),
    (
        25,
        4,
        TASK,
        CLOSED,
        LOW,
        MEMBER,
        "Document the sync protocol",
        "2026-01-19",
        "2026-01-30",
        100,
    ),
    (26, 4, TASK, NEW, NORMAL, None, "Load test the sync endpoint", "2026-03-09", "2026-03-20", 0),
    (
        27,
        RESEARCH,
        TASK,
        IN_PROGRESS,
        NORMAL,
        ADMIN,
        "Evaluate carnivorous plant sensors",
        "2026-01-12",
        "2026-03-27",
        45,
    ),
    (
        28,
        RESEARCH,
        FEATURE,
        NEW,
        HIGH,
        ADMIN,
        "Prototype the pitcher-level gauge",
        "2026-02-02",
        "2026-03-13",
        0,
    ),
    (
        29,
        RESEARCH,
        BUG,
        CLOSED,
        LOW,
        ADMIN,
        "Humidity readings drift at night",
        "2026-01-05",
        "2026-01-09",
        100,
    ),
    (
        30,
        RESEARCH,
        TASK,
        NEW,
        NORMAL,
        None,
        "Write the grant application",
        "2026-03-02",
        "2026-03-31",
        0,
    ),
]
DEMO_VERSIONS = [  # id, project, name, status, start, end
    (1, 1, "Sprint 1", "closed", "2026-01-05", "2026-01-16"),
    (2, 1, "Sprint 2", "open", "2026-01-19", "2026-01-30"),
    (3, 1, "Release 1.0", "open", None, "2026-03-31"),
    (4, 2, "Launch", "open", None, "2026-04-30"),
]
# work package → version: a closed version keeps the work packages it has
DEMO_WORK_PACKAGE_VERSIONS = {4: 1, 1: 2}

DEMO_DESCRIPTIONS = {
    1: "Slides for the kickoff on **26 January**: goals, team, timeline.\n\nThe drafts are linked below.",
    5: "The sum in row 42 ignores the hidden rows.",
    17: "Steps: open a task, rotate the phone. Seen on Android 15.",
}

# id, work package, reason, read, actor, details
DEMO_NOTIFICATIONS: list[tuple[int, int, str, bool, int | None, list[dict[str, str]]]] = [
    (1, 1, "mentioned", False, ADMIN, []),
    (2, 17, "assigned", False, ADMIN, []),
    (3, 9, "responsible", False, NEWCOMER, []),
    (4, 11, "watched", False, NEWCOMER, []),
    (5, 22, "commented", False, ADMIN, []),
    (6, 16, "dateAlert", False, None, [{"property": "dueDate", "value": "2026-03-06"}]),
    (7, 3, "shared", False, ADMIN, []),
    (8, 10, "created", True, ADMIN, []),
    (9, 13, "processed", True, NEWCOMER, []),
    (10, 25, "prioritized", True, ADMIN, []),
    (11, 8, "assigned", False, ADMIN, []),
]
DEMO_NOTIFICATION_RECIPIENT = {11: NEWCOMER}  # all others are for `member`


def demo_api_token(login: str) -> str:
    """Fixed, so snapshots and docs stay stable across runs."""
    return "opapi-" + hashlib.sha256(f"nep-tui demo api token for {login}".encode()).hexdigest()


def random_api_token() -> str:
    return "opapi-" + secrets.token_hex(32)


def stamp(day: int, hour: int = 9, minute: int = 0) -> str:
    """A timestamp `day` days after 2026-01-02 (demo data stays within 2026-01..2026-03)."""
    moment = datetime(2026, 1, 2, hour, minute, tzinfo=UTC) + timedelta(days=day)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- shared pieces ---------------------------------------------------------------------------


def _insert_users(store: NepenthesStore, *, fixed: bool) -> None:
    created = stamp(0, 8)
    for user_id, (login, first, last, admin) in enumerate(USERS, start=1):
        password = f"{login}-password" if fixed else secrets.token_urlsafe(12)
        token = demo_api_token(login) if fixed else random_api_token()
        store.db.execute(
            "INSERT INTO users (id, login, password, first_name, last_name, email, admin, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                user_id,
                login,
                password,
                first,
                last,
                f"{login}@example.com",
                int(admin),
                created,
                created,
            ),
        )
        store.db.execute(
            "INSERT INTO api_tokens (user_id, value, created_at) VALUES (?, ?, ?)",
            (user_id, token, created),
        )


def _insert_lookups(store: NepenthesStore) -> None:
    created = stamp(0, 8)
    store.db.executemany(
        "INSERT INTO types (id, name, color, position, is_default, is_milestone, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(*row, created, created) for row in TYPES],
    )
    store.db.executemany(
        "INSERT INTO statuses (id, name, color, position, is_closed, is_default, default_done_ratio)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        STATUSES,
    )
    store.db.executemany(
        "INSERT INTO priorities (id, name, color, position, is_default) VALUES (?, ?, ?, ?, ?)",
        PRIORITIES,
    )
    statuses = [row[0] for row in STATUSES]
    transitions = [("member", old, new) for old, new in MEMBER_WORKFLOW] + [
        ("project_admin", old, new) for old in statuses for new in statuses if old != new
    ]
    store.db.executemany(
        "INSERT INTO workflows (type_id, role, old_status_id, new_status_id) VALUES (?, ?, ?, ?)",
        [(row[0], *transition) for row in TYPES for transition in transitions],
    )


def _initial_journals(store: NepenthesStore) -> None:
    """Version 1 of every work package: its creation, by its author, with no details."""
    store.db.execute(
        "INSERT INTO journals (work_package_id, user_id, version, created_at, updated_at)"
        " SELECT id, author_id, 1, created_at, created_at FROM work_packages"
    )


def _enable_all_types(store: NepenthesStore) -> None:
    store.db.execute(
        "INSERT INTO project_types (project_id, type_id) SELECT projects.id, types.id FROM projects, types"
    )


def project_folder_name(name: str, project_id: int) -> str:
    """The automatic project folder, as OpenProject names it."""
    return f"{name} ({project_id})"


# --- the Nextcloud side and the storage between both --------------------------------------


def nextcloud_callback(config: NepenthesConfig, client_id: str) -> str:
    """Where Nextcloud's OAuth2 app sends the user back to Nepenthes after the consent."""
    return f"{config.public_url()}/oauth_clients/{client_id}/callback"


def refresh_nextcloud_redirects(
    store: NepenthesStore, nextcloud: Any, config: NepenthesConfig
) -> None:
    """Point the storages' Nextcloud OAuth clients at this run's Nepenthes URL: with port 0 it
    changes on every start, and a restart keeps the data."""
    for storage in storage_store.storages(store.db):
        client_id = storage["oauth_client_id"]
        if not client_id:  # created by an admin and not given Nextcloud's client yet
            continue
        nextcloud.register_oauth_client(
            client_id, storage["oauth_client_secret"], nextcloud_callback(config, client_id)
        )


class _StorageSeed:
    """Writes the storage, the project folders and the user connections on both sides."""

    def __init__(self, store: NepenthesStore, nextcloud: Any, config: NepenthesConfig) -> None:
        self.store = store
        self.nextcloud = nextcloud
        self.config = config

    def users(self) -> None:
        for login, password, first, last in self.store.all(
            "SELECT login, password, first_name, last_name FROM users"
        ):
            self.nextcloud.ensure_user(login, password, f"{first} {last}")
        # Nextcloud's own administrator, for the integration app's setup routes.
        self.nextcloud.make_admin("admin")

    def storage(self) -> None:
        self.nextcloud.register_oauth_client(
            NEXTCLOUD_CLIENT_ID,
            NEXTCLOUD_CLIENT_SECRET,
            nextcloud_callback(self.config, NEXTCLOUD_CLIENT_ID),
        )
        storage_store.create_storage(
            self.store.db,
            storage_id=STORAGE_ID,
            name=STORAGE_NAME,
            oauth_client_id=NEXTCLOUD_CLIENT_ID,
            oauth_client_secret=NEXTCLOUD_CLIENT_SECRET,
            creator_id=ADMIN,
            created_at=stamp(1),
        )

    def project_folder(
        self, project_id: int, name: str, *, hidden_from: tuple[str, ...] = ()
    ) -> tuple[str, int]:
        """The automatic folder `/OpenProject/<name> (<id>)`, owned by the storage's admin."""
        path = f"/OpenProject/{project_folder_name(name, project_id)}"
        folder_id = self.nextcloud.mkdir("admin", path, mtime=SEED_TIME)
        for login in hidden_from:
            self.nextcloud.restrict(folder_id, login)
        storage_store.create_project_storage(
            self.store.db,
            project_id=project_id,
            storage_id=STORAGE_ID,
            project_folder_id=str(folder_id),
            creator_id=ADMIN,
            created_at=stamp(1),
        )
        return path, folder_id

    def connect(self, user_id: int, login: str) -> None:
        token = self.nextcloud.issue_oauth_token(login, client_id=NEXTCLOUD_CLIENT_ID)
        storage_store.save_nextcloud_token(self.store.db, user_id, token)

    def link(self, wp_id: int, origin: dict[str, Any], creator_id: int, created_at: str) -> None:
        storage_store.create_file_link(
            self.store.db,
            storage_id=STORAGE_ID,
            origin=origin,
            container_id=wp_id,
            creator_id=creator_id,
            created_at=created_at,
        )


# --- demo ------------------------------------------------------------------------------------


def _seed_demo_nepenthes(store: NepenthesStore) -> None:
    _insert_users(store, fixed=True)
    _insert_lookups(store)
    for project_id, identifier, name, parent, description in DEMO_PROJECTS:
        store.db.execute(
            "INSERT INTO projects (id, identifier, name, description, parent_id, status_code, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                project_id,
                identifier,
                name,
                description,
                parent,
                "on_track",
                stamp(project_id),
                stamp(40 + project_id),
            ),
        )
        members = (
            [(ADMIN, "project_admin")]
            if project_id == RESEARCH
            else [(ADMIN, "project_admin"), (MEMBER, "member"), (NEWCOMER, "member")]
        )
        store.db.executemany(
            "INSERT INTO memberships (user_id, project_id, role, created_at) VALUES (?, ?, ?, ?)",
            [(user_id, project_id, role, stamp(project_id)) for user_id, role in members],
        )
    _enable_all_types(store)
    store.db.executemany(
        "INSERT INTO work_packages (id, project_id, type_id, status_id, priority_id, author_id, assignee_id,"
        " responsible_id, subject, description, start_date, due_date, percentage_done, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                wp_id,
                project,
                type_id,
                status,
                priority,
                ADMIN if project == RESEARCH or wp_id % 3 else MEMBER,
                assignee,
                ADMIN if project == RESEARCH else MEMBER,
                subject,
                DEMO_DESCRIPTIONS.get(wp_id, ""),
                start,
                due,
                done,
                stamp(3 + wp_id, 10, wp_id),
                stamp(30 + wp_id, 15, wp_id),
            )
            for wp_id, project, type_id, status, priority, assignee, subject, start, due, done in DEMO_WORK_PACKAGES
        ],
    )
    store.db.executemany(
        "INSERT INTO versions (id, project_id, name, status, start_date, end_date, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(*row, stamp(row[0]), stamp(row[0])) for row in DEMO_VERSIONS],
    )
    store.db.executemany(
        "UPDATE work_packages SET version_id=? WHERE id=?",
        [(version, wp_id) for wp_id, version in DEMO_WORK_PACKAGE_VERSIONS.items()],
    )
    _initial_journals(store)
    project_of = {row[0]: row[1] for row in DEMO_WORK_PACKAGES}
    store.db.executemany(
        "INSERT INTO notifications (id, recipient_id, actor_id, project_id, resource_id, reason, read_ian, details,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                nid,
                DEMO_NOTIFICATION_RECIPIENT.get(nid, MEMBER),
                actor,
                project_of[wp_id],
                wp_id,
                reason,
                int(read),
                json.dumps(details),
                stamp(60 + nid, 11),
                stamp(60 + nid, 11),
            )
            for nid, wp_id, reason, read, actor, details in DEMO_NOTIFICATIONS
        ],
    )


# name, mime type, content (bytes) — the files of the demo project folder
DEMO_FILES: list[tuple[str, str, bytes]] = [
    (
        "Kickoff presentation.pdf",
        "application/pdf",
        b"%PDF-1.4\n% nep-tui demo kickoff slides\n%%EOF\n",
    ),
    (
        "Team photo.png",
        "image/png",
        bytes.fromhex(
            "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
            "0000000d4944415478da63f8cfc0f01f0005000201a1a3b1d90000000049454e44ae426082"
        ),
    ),
    (
        "Budget 2026.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        b"PK\x03\x04 demo budget",
    ),
    ("Meeting notes.md", "text/markdown", b"# Kickoff meeting\n\n- goals\n- timeline\n"),
    ("Old agenda.txt", "text/plain", b"This agenda was replaced.\n"),
    ("Salaries.ods", "application/vnd.oasis.opendocument.spreadsheet", b"PK\x03\x04 confidential"),
]
DEMO_FOLDER = "Slides drafts"
TRASHED_FILE = "Old agenda.txt"
HIDDEN_FILE = "Salaries.ods"
LINKED_FILES = {
    "Kickoff presentation.pdf",
    "Team photo.png",
    "Budget 2026.xlsx",
    TRASHED_FILE,
    HIDDEN_FILE,
}
SEED_TIME = datetime(2026, 1, 14, 10, 0, tzinfo=UTC)


def _seed_demo_storage(store: NepenthesStore, nextcloud: Any, config: NepenthesConfig) -> None:
    seed = _StorageSeed(store, nextcloud, config)
    seed.users()
    seed.storage()
    paths: dict[int, str] = {}
    for project_id, _identifier, name, _parent, _description in DEMO_PROJECTS:
        hidden = ("member", "newcomer") if project_id == RESEARCH else ()
        paths[project_id], _folder_id = seed.project_folder(project_id, name, hidden_from=hidden)
    demo_path = paths[1]
    subfolder_id = nextcloud.mkdir("member", f"{demo_path}/{DEMO_FOLDER}", mtime=SEED_TIME)
    file_ids: dict[str, int] = {}
    for name, mime_type, content in DEMO_FILES:
        file_ids[name] = nextcloud.put_file(
            "admin", f"{demo_path}/{name}", content, mtime=SEED_TIME, mime=mime_type
        )
    nextcloud.put_file(
        "member",
        f"{demo_path}/{DEMO_FOLDER}/Draft v1.pdf",
        b"%PDF-1.4\n% draft 1\n%%EOF\n",
        mtime=SEED_TIME,
    )
    nextcloud.put_file(
        "member", f"{paths[2]}/Wireframes.pdf", b"%PDF-1.4\n% wireframes\n%%EOF\n", mtime=SEED_TIME
    )
    nextcloud.put_file(
        "admin", f"{paths[RESEARCH]}/Lab journal.md", b"# Lab journal\n", mtime=SEED_TIME
    )
    seed.connect(ADMIN, "admin")
    seed.connect(MEMBER, "member")

    for index, (name, mime_type, _content) in enumerate(DEMO_FILES):
        if name in LINKED_FILES:
            seed.link(1, _origin(file_ids[name], name, mime_type), MEMBER, stamp(20 + index, 14))
    seed.link(
        1, _origin(subfolder_id, DEMO_FOLDER, "application/x-op-directory"), MEMBER, stamp(26, 14)
    )
    # Linked while they could be seen: one is now in the trash (NotFound), one hidden from member.
    nextcloud.trash(file_ids[TRASHED_FILE])
    nextcloud.restrict(file_ids[HIDDEN_FILE], "member")


def _origin(file_id: int, name: str, mime_type: str) -> dict[str, Any]:
    """The file's data as Nextcloud reported it when the link was made, so the cached copy and a
    later sync agree (a test that syncs as another user must not change what member sees)."""
    seeded_at = SEED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "id": str(file_id),
        "name": name,
        "mimeType": mime_type,
        "createdAt": seeded_at,
        "lastModifiedAt": seeded_at,
        "createdByName": "Ada Admin",
        "lastModifiedByName": "Ada Admin",
    }


def seed_demo(
    store: NepenthesStore, nextcloud: Any, config: NepenthesConfig, sizes: dict[str, int]
) -> None:
    with store.transaction():
        _seed_demo_nepenthes(store)
        _seed_demo_storage(store, nextcloud, config)


# --- large -----------------------------------------------------------------------------------

LARGE_WORDS = [
    "Refactor",
    "Document",
    "Review",
    "Test",
    "Design",
    "Migrate",
    "Fix",
    "Plan",
    "Measure",
    "Automate",
    "login",
    "search",
    "export",
    "import",
    "dashboard",
    "report",
    "invoice",
    "calendar",
    "sync",
    "backup",
]


def seed_large(
    store: NepenthesStore, nextcloud: Any, config: NepenthesConfig, sizes: dict[str, int]
) -> None:
    project_count = max(1, int(sizes.get("projects", LARGE_DEFAULTS["projects"])))
    wp_count = max(0, int(sizes.get("work_packages", LARGE_DEFAULTS["work_packages"])))
    file_count = max(0, int(sizes.get("files", LARGE_DEFAULTS["files"])))
    with store.transaction():
        _insert_users(store, fixed=False)
        _insert_lookups(store)
        # A tree: every tenth project is a root, the others are children of the root before them.
        store.db.executemany(
            "INSERT INTO projects (id, identifier, name, description, parent_id, created_at, updated_at)"
            " VALUES (?, ?, ?, '', ?, ?, ?)",
            [
                (
                    pid,
                    f"project-{pid}",
                    f"Project {pid:04d}",
                    None if pid % 10 == 1 else pid - (pid - 1) % 10,
                    stamp(pid % 80),
                    stamp(pid % 80),
                )
                for pid in range(1, project_count + 1)
            ],
        )
        store.db.executemany(
            "INSERT INTO memberships (user_id, project_id, role, created_at) VALUES (?, ?, ?, ?)",
            [
                (user_id, pid, role, stamp(0))
                for pid in range(1, project_count + 1)
                for user_id, role in (
                    (ADMIN, "project_admin"),
                    (MEMBER, "member"),
                    (NEWCOMER, "member"),
                )
            ],
        )
        _enable_all_types(store)
        store.db.executemany(
            "INSERT INTO work_packages (id, project_id, type_id, status_id, priority_id, author_id, assignee_id,"
            " subject, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    wid,
                    1 + wid % project_count,
                    1 + wid % 3,
                    1 + wid % 4,
                    1 + wid % 4,
                    ADMIN,
                    (None, MEMBER, NEWCOMER)[wid % 3],
                    f"{LARGE_WORDS[wid % 10]} {LARGE_WORDS[10 + (wid // 10) % 10]} #{wid}",
                    stamp(wid % 85),
                    stamp(wid % 85, 12),
                )
                for wid in range(1, wp_count + 1)
            ),
        )
        _initial_journals(store)
        seed = _StorageSeed(store, nextcloud, config)
        seed.users()
        seed.storage()
        folder_paths = [
            seed.project_folder(pid, f"Project {pid:04d}")[0] for pid in range(1, project_count + 1)
        ]
        for index in range(file_count):
            folder = folder_paths[index % len(folder_paths)]
            nextcloud.put_file(
                "admin",
                f"{folder}/file-{index:05d}.txt",
                f"file {index}\n".encode(),
                mtime=SEED_TIME,
            )
        seed.connect(ADMIN, "admin")
        seed.connect(MEMBER, "member")


# --- empty -----------------------------------------------------------------------------------


def seed_empty(
    store: NepenthesStore, nextcloud: Any, config: NepenthesConfig, sizes: dict[str, int]
) -> None:
    with store.transaction():
        _insert_users(store, fixed=False)
        _insert_lookups(store)
        _StorageSeed(store, nextcloud, config).users()


# --- bare ------------------------------------------------------------------------------------


def seed_bare(
    store: NepenthesStore, nextcloud: Any, config: NepenthesConfig, sizes: dict[str, int]
) -> None:
    """The demo's users and projects on both servers, without the storage between them: the
    starting point of an administrator's setup."""
    with store.transaction():
        _seed_demo_nepenthes(store)
        _StorageSeed(store, nextcloud, config).users()


SEEDS: dict[str, Callable[[NepenthesStore, Any, NepenthesConfig, dict[str, int]], None]] = {
    "demo": seed_demo,
    "bare": seed_bare,
    "large": seed_large,
    "empty": seed_empty,
}


def seed(
    name: str,
    store: NepenthesStore,
    nextcloud: Any,
    *,
    config: NepenthesConfig,
    sizes: dict[str, int],
) -> None:
    if name not in SEEDS:
        raise ValueError(f"Unknown seed {name!r}: choose one of {', '.join(SEEDS)}")
    # Both sides in one transaction each: fast, and no half-seeded store after a failure.
    with nextcloud.bulk():
        SEEDS[name](store, nextcloud, config, sizes)
