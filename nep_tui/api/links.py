"""Understand a pasted Nepenthes link: which work package does it point at?"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# `/work_packages/12`, `/projects/demo/work_packages/12`, `/wp/12`, `.../details/12`, each
# optionally followed by a tab such as `/activity` or `/files`.
_WORK_PACKAGE_PATH = re.compile(
    r"^(?:/projects/[^/]+)?/(?:work_packages|wp)/(?:details/)?(\d+)(?:/[A-Za-z_-]+)*/?$"
    r"|^(?:/[^/]+)*/details/(\d+)(?:/[A-Za-z_-]+)*/?$"
)


def work_package_id_from_url(url: str, server_url: str | None = None) -> int | None:
    """The work package id a link points at, or None if it is no work package link (or a link
    to another server). Accepts `#12` and bare ids too."""
    text = url.strip()
    if re.fullmatch(r"#?\d+", text):
        return int(text.lstrip("#"))
    parts = urlsplit(text)
    path = parts.path
    if server_url:
        base = urlsplit(server_url.rstrip("/"))
        if parts.netloc and parts.netloc.lower() != base.netloc.lower():
            return None
        base_path = base.path.rstrip("/")
        if base_path and path.startswith(base_path + "/"):
            path = path[len(base_path) :]
    match = _WORK_PACKAGE_PATH.match(path) or _match_below_prefix(path)
    return int(match.group(1) or match.group(2)) if match else None


def _match_below_prefix(path: str) -> re.Match[str] | None:
    """Without knowing the server's base path, try each `/x/...` suffix of the path."""
    segments = path.split("/")
    for start in range(2, len(segments)):
        match = _WORK_PACKAGE_PATH.match("/" + "/".join(segments[start:]))
        if match:
            return match
    return None
