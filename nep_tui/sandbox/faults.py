"""Fault switches shared by both sandbox servers (see docs/ARCHITECTURE.md, "Fault switches")."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class FaultState:
    nextcloud_unreachable: bool = False
    quota_bytes: dict[str, int | None] = field(default_factory=dict)
    upload_limit_bytes: int | None = None
    delay_ms: int = 0
    file_link_failures: int = 0
    # The admin guide's troubleshooting cases (see nextcloud/setup.py and storage_admin.py).
    nextcloud_maintenance: bool = False
    nextcloud_strips_authorization: bool = False
    nextcloud_integration_app: str | None = None  # "missing" or an app version
    nextcloud_team_folders_app: str | None = None  # "missing" or an app version
    nextcloud_openproject_user_exists: bool = False
    nextcloud_terms_unsigned: bool = False
    workers_down: bool = False
    app_password_invalid: bool = False

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def reset(self) -> None:
        for name, value in asdict(FaultState()).items():
            setattr(self, name, value)

    def take_file_link_failure(self) -> bool:
        """Whether this file-link creation fails; each failure uses up one."""
        if self.file_link_failures <= 0:
            return False
        self.file_link_failures -= 1
        return True

    def update(self, changes: dict[str, Any]) -> None:
        """Apply the persistent switches; one-shot actions (connect/disconnect a user) are the
        caller's, because they change stored tokens rather than this state."""
        if changes.get("reset"):
            self.reset()
        if "nextcloud_unreachable" in changes:
            self.nextcloud_unreachable = bool(changes["nextcloud_unreachable"])
        if "quota_bytes" in changes:
            self.quota_bytes.update(changes["quota_bytes"])
        if "upload_limit_bytes" in changes:
            self.upload_limit_bytes = changes["upload_limit_bytes"]
        if "delay_ms" in changes:
            self.delay_ms = int(changes["delay_ms"])
        if "file_link_failures" in changes:
            self.file_link_failures = int(changes["file_link_failures"])
        for name in ADMIN_SWITCHES:
            if name in changes:
                setattr(self, name, changes[name])


ADMIN_SWITCHES = (
    "nextcloud_maintenance",
    "nextcloud_strips_authorization",
    "nextcloud_integration_app",
    "nextcloud_team_folders_app",
    "nextcloud_openproject_user_exists",
    "nextcloud_terms_unsigned",
    "workers_down",
    "app_password_invalid",
)
APP_SWITCHES = ("nextcloud_integration_app", "nextcloud_team_folders_app")
