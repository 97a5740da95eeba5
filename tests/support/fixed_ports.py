"""A sandbox on exact ports, for snapshots: every URL on screen is part of the picture, so a
snapshot taken against any other port would differ."""

from __future__ import annotations

import socket
from pathlib import Path


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def start_on_fixed_ports(folder: Path, ports: tuple[int, int], **options):
    """The sandbox (server and Nextcloud) on `ports`; fails the test at once if one is taken,
    since a second run of the same snapshots is then going on."""
    import pytest

    from nep_tui.sandbox.server import start_in_thread

    if not all(port_is_free(port) for port in ports):
        pytest.fail(f"ports {ports} are taken: the snapshots need these exact ports")
    return start_in_thread(folder, port=ports[0], nextcloud_port=ports[1], **options)
