"""What every Nextcloud route needs: the store, the fault switches and the public base URL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..faults import FaultState
from .store import ROOT_ID, Access, NextcloudStore, Node

INSTANCE_ID = "ocsandbox001"
DEFAULT_UPLOAD_LIMIT = 512 * 1024 * 1024  # the Nextcloud docker image's PHP_UPLOAD_LIMIT


@dataclass
class NextcloudContext:
    store: NextcloudStore
    faults: FaultState
    public_url: Callable[[], str]

    def base_url(self) -> str:
        return self.public_url().rstrip("/")

    def free_bytes(self, login: str) -> int | None:
        """None = unlimited (Nextcloud reports -3)."""
        quota = self.faults.quota_bytes.get(login)
        if quota is None:
            return None
        return max(quota - self.store.used_bytes(login), 0)

    def upload_limit(self) -> int:
        limit = self.faults.upload_limit_bytes
        return DEFAULT_UPLOAD_LIMIT if limit is None else limit


def dav_permissions(node: Node, login: str, access: Access) -> str:
    """DavUtil letters: own items `RGDNV..`, team-folder items carry `M` for the mount."""
    own = node.owner == login or node.id == ROOT_ID
    letters = "R" + ("" if own else "M") + "G"
    if access is Access.WRITE:
        letters += "DNV" + ("CK" if node.is_dir else "W")
    return letters


def padded_file_id(file_id: int) -> str:
    """The `OC-FileId` / `oc:id` form: 8-digit id followed by the instance id."""
    return f"{file_id:08d}{INSTANCE_ID}"
