"""What integration_openproject's administration keeps in Nextcloud: the app's settings, the
instance admins, groups and team folders (for the automatically managed project folders), and
Terms-of-Service signatures.

A mixin of `NextcloudStore`, on its one SQLite connection."""

from __future__ import annotations

from dataclasses import dataclass

from .db import SqliteDatabase

ADMIN_SCHEMA = """
CREATE TABLE IF NOT EXISTS app_config (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS admins (login TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS user_groups (gid TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS group_members (
    gid TEXT NOT NULL, login TEXT NOT NULL, subadmin INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (gid, login));
CREATE TABLE IF NOT EXISTS team_folders (
    id INTEGER PRIMARY KEY, mount_point TEXT NOT NULL UNIQUE, gid TEXT NOT NULL,
    permissions INTEGER NOT NULL, acl INTEGER NOT NULL, acl_manager TEXT, node_id INTEGER);
CREATE TABLE IF NOT EXISTS tos_signatures (login TEXT PRIMARY KEY);
"""


@dataclass(frozen=True)
class TeamFolder:
    id: int
    mount_point: str
    gid: str
    permissions: int
    acl: bool
    acl_manager: str | None
    node_id: int | None


class AdminTables(SqliteDatabase):
    # -- app settings ---------------------------------------------------------------------

    def app_value(self, key: str) -> str:
        """Nextcloud's getAppValue: "" when unset."""
        rows = self._query("SELECT value FROM app_config WHERE key = ?", (key,))
        return str(rows[0]["value"]) if rows else ""

    def set_app_values(self, values: dict[str, str]) -> None:
        with self._tx() as db:
            db.executemany(
                "INSERT INTO app_config VALUES (?, ?) ON CONFLICT(key) DO UPDATE"
                " SET value = excluded.value",
                list(values.items()),
            )

    # -- admins, groups ---------------------------------------------------------------------

    def make_admin(self, login: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO admins VALUES (?)", (login,))

    def is_admin(self, login: str) -> bool:
        return bool(self._query("SELECT 1 FROM admins WHERE login = ?", (login,)))

    def admin_credentials(self) -> dict[str, str] | None:
        """The first admin's login and password, for the sandbox's credentials.json."""
        rows = self._query(
            "SELECT users.login, users.password FROM admins JOIN users USING (login)"
            " ORDER BY login LIMIT 1"
        )
        return {"login": rows[0]["login"], "password": rows[0]["password"]} if rows else None

    def group_exists(self, gid: str) -> bool:
        return bool(self._query("SELECT 1 FROM user_groups WHERE gid = ?", (gid,)))

    def create_group(self, gid: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO user_groups VALUES (?)", (gid,))

    def add_to_group(self, gid: str, login: str, *, subadmin: bool = False) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO group_members VALUES (?, ?, ?)", (gid, login, int(subadmin))
            )

    def group_member(self, gid: str, login: str) -> tuple[bool, bool]:
        """(member, sub-admin)."""
        rows = self._query(
            "SELECT subadmin FROM group_members WHERE gid = ? AND login = ?", (gid, login)
        )
        return (bool(rows), bool(rows and rows[0]["subadmin"]))

    def groups_of(self, login: str) -> list[str]:
        rows = self._query("SELECT gid FROM group_members WHERE login = ? ORDER BY gid", (login,))
        return [str(row["gid"]) for row in rows]

    def delete_user(self, login: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM users WHERE login = ?", (login,))
            db.execute("DELETE FROM group_members WHERE login = ?", (login,))
            db.execute("DELETE FROM app_passwords WHERE login = ?", (login,))

    # -- team folders -----------------------------------------------------------------------

    def create_team_folder(
        self, mount_point: str, gid: str, *, acl_manager: str, node_id: int
    ) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO team_folders (mount_point, gid, permissions, acl, acl_manager,"
                " node_id) VALUES (?, ?, 31, 1, ?, ?)",
                (mount_point, gid, acl_manager, node_id),
            )

    def team_folder(self, mount_point: str) -> TeamFolder | None:
        rows = self._query("SELECT * FROM team_folders WHERE mount_point = ?", (mount_point,))
        if not rows:
            return None
        row = rows[0]
        return TeamFolder(
            row["id"],
            row["mount_point"],
            row["gid"],
            row["permissions"],
            bool(row["acl"]),
            row["acl_manager"],
            row["node_id"],
        )

    def acl_manager_of(self, path: str) -> str | None:
        """The ACL manager of the team folder a path lies in (its first part is the mount)."""
        mount = path.strip("/").split("/", 1)[0]
        folder = self.team_folder(mount) if mount else None
        return folder.acl_manager if folder else None

    def logins(self) -> list[str]:
        return [str(row["login"]) for row in self._query("SELECT login FROM users ORDER BY login")]

    def clear_restrictions(self, file_id: int, login: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM restrictions WHERE file_id = ? AND login = ?", (file_id, login))

    # -- app passwords of a named client (the "OpenProject" one) ---------------------------

    def named_app_password_exists(self, login: str, name: str) -> bool:
        return bool(
            self._query("SELECT 1 FROM app_passwords WHERE login = ? AND name = ?", (login, name))
        )

    def replace_named_app_password(self, login: str, name: str, password: str | None) -> None:
        """Drop the user's app passwords of that name; store `password` if one is given."""
        with self._tx() as db:
            db.execute("DELETE FROM app_passwords WHERE login = ? AND name = ?", (login, name))
            if password is not None:
                db.execute("INSERT INTO app_passwords VALUES (?, ?, ?)", (password, login, name))

    # -- Terms of Service -------------------------------------------------------------------

    def tos_signed(self, login: str) -> bool:
        return bool(self._query("SELECT 1 FROM tos_signatures WHERE login = ?", (login,)))

    def sign_tos(self, login: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO tos_signatures VALUES (?)", (login,))

    # -- the OAuth tokens users hold for OpenProject (revoked on OAuth changes) ---------

    def drop_oauth_client(self, client_id: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM oauth_clients WHERE client_id = ?", (client_id,))
            db.execute("DELETE FROM oauth_tokens WHERE client_id = ?", (client_id,))
