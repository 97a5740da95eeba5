"""The app versions this Nextcloud reports, which the `nextcloud_integration_app` and
`nextcloud_team_folders_app` fault switches change ("missing" or a version string)."""

from __future__ import annotations

from typing import Any

from ..faults import FaultState

INTEGRATION_APP_VERSION = "2.11.2"
TEAM_FOLDERS_VERSION = "20.1.7"
MISSING = "missing"


def parse_version(text: str) -> tuple[int, ...]:
    """ "3.2.0-dev" -> (3, 2, 0); what is not a number counts as 0."""
    parts = text.split("-", 1)[0].split(".")
    return tuple(int(part) if part.isdigit() else 0 for part in parts)


def version_at_least(version: tuple[int, ...], minimum: tuple[int, ...]) -> bool:
    return version >= minimum


def integration_installed(faults: FaultState) -> bool:
    return faults.nextcloud_integration_app != MISSING


def integration_version(faults: FaultState) -> tuple[int, ...]:
    return parse_version(faults.nextcloud_integration_app or INTEGRATION_APP_VERSION)


def team_folders_enabled(faults: FaultState) -> bool:
    return faults.nextcloud_team_folders_app != MISSING


def integration_capability(faults: FaultState) -> dict[str, Any] | None:
    """`capabilities.integration_openproject`; a disabled app has no key at all (recorded),
    missing team folders report version "0" and enabled false (recorded)."""
    if not integration_installed(faults):
        return None
    folders = faults.nextcloud_team_folders_app
    return {
        "app_version": faults.nextcloud_integration_app or INTEGRATION_APP_VERSION,
        "groupfolder_version": "0" if folders == MISSING else folders or TEAM_FOLDERS_VERSION,
        "groupfolders_enabled": folders != MISSING,
    }
