"""Takes secrets out of text meant for people: one-time link tokens, API tokens, credentials.

Every `NepError` passes its sentences through `redact`, so no error shown by the CLI or the TUI
can carry one, whichever URL or server message it was built from."""

from __future__ import annotations

import re

HIDDEN = "***"

_PATTERNS = (
    # Nextcloud's one-time upload and download links: the path segment is the secret.
    (re.compile(r"(/(?:direct-upload|direct)/)[^/\s?#\"')]+"), rf"\g<1>{HIDDEN}"),
    (re.compile(r"opapi-[0-9a-fA-F]{8,}"), HIDDEN),
    (re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}"), rf"\g<1> {HIDDEN}"),
    (re.compile(r"(://)[^/\s@:]+:[^/\s@]+@"), rf"\g<1>{HIDDEN}@"),
    (
        re.compile(
            r"([?&][^=&\s#]*(?:token|sig|signature|secret|key|code|password|credential)"
            r"[^=&\s#]*=)[^&\s#]+",
            re.IGNORECASE,
        ),
        rf"\g<1>{HIDDEN}",
    ),
)


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
