"""The one place for turning values into text: server text, sizes, dates, durations, file names.

Server text is data. `plain()` removes everything a terminal would act on (ANSI/OSC escape
sequences, C0/C1 control characters) and keeps the printable text; callers then wrap it in
`rich.text.Text` / Textual `Content` (never markup), or use `escape_markup()` when they must
build a markup string around it.

Sizes use SI units (1 kB = 1000 bytes), the convention of Nextcloud's web interface and of
most file managers: `format_size(1_234_567) == "1.2 MB"`.

Dates are shown in the local time zone (the `TZ` environment variable applies); a naive
datetime is taken to be UTC, which is what the servers send.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from rich.cells import cell_len

if TYPE_CHECKING:
    from rich.text import Text

__all__ = [
    "plain",
    "plain_text",
    "escape_markup",
    "WORD_JOINER",
    "format_size",
    "format_datetime",
    "format_date",
    "format_relative",
    "format_duration",
    "safe_file_name",
    "truncate",
]

# ESC-introduced sequences, in order: OSC/DCS/SOS/PM/APC strings (terminated by BEL or ST, or
# running to the end of the text when unterminated), CSI sequences, and two-byte escapes.
_ESCAPE_SEQUENCE = re.compile(
    r"""
    \x1b[\]PX^_] .*? (?:\x07|\x1b\\|$)      # OSC, DCS, SOS, PM, APC
    | \x1b\[ [0-?]* [ -/]* [@-~]?          # CSI (7-bit)
    | \x9b [0-?]* [ -/]* [@-~]?            # CSI (8-bit)
    | [\x90\x9d\x98\x9e\x9f] .*? (?:\x07|\x9c|$)   # 8-bit string introducers
    | \x1b [ -/]* [0-~]?                   # other escapes (charset selection, RIS, ...)
    """,
    re.VERBOSE | re.DOTALL,
)
# Control characters a terminal acts on; newline and tab are kept as text layout.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidirectional overrides/isolates can make text display differently from what it is.
_BIDI_CONTROL = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
WORD_JOINER = "\u2060"


def plain(text: object) -> str:
    """Server text made safe for a terminal: escape sequences and control characters removed.

    Newlines and tabs are kept; `\\r\\n` becomes `\\n`. `None` becomes an empty string.
    """
    if text is None:
        return ""
    value = str(text).replace("\r\n", "\n")
    value = _ESCAPE_SEQUENCE.sub("", value)
    value = _CONTROL.sub("", value)
    return _BIDI_CONTROL.sub("", value)


def plain_text(text: object, style: str = "") -> Text:
    """Server text as a Rich `Text`, so markup in it is never interpreted."""
    from rich.text import Text  # the CLI prints no Rich text: not loaded for a command line

    return Text(plain(text), style=style)


def escape_markup(text: object) -> str:
    """Server text for insertion into a Textual (or Rich) markup string.

    Every `[` is escaped, not only those that look like a tag. The two markup dialects read a
    backslash before `[` differently, so an invisible WORD JOINER (U+2060) is put between a
    backslash and a following `[` or the end of the text: the backslash stays literal in both.
    """
    value = re.sub(r"\\(?=\[|\Z)", lambda _: "\\" + WORD_JOINER, plain(text))
    return value.replace("[", "\\[")


_SIZE_UNITS = ("kB", "MB", "GB", "TB", "PB")


def format_size(size: int | None) -> str:
    """Bytes in SI units with one decimal: `999 B`, `1.2 kB`, `3.4 GB`; `None` is empty."""
    if size is None:
        return ""
    if abs(size) < 1000:
        return f"{size} B"
    value = float(size)
    for unit in _SIZE_UNITS:
        value /= 1000
        if abs(value) < 999.95 or unit == _SIZE_UNITS[-1]:
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def format_datetime(moment: datetime | date | None) -> str:
    """An absolute time in local time, `2026-01-15 10:30`; a date alone is `2026-01-15`."""
    if moment is None:
        return ""
    if not isinstance(moment, datetime):
        return moment.isoformat()
    return _aware(moment).astimezone().strftime("%Y-%m-%d %H:%M")


def format_date(moment: datetime | date | None) -> str:
    """Just the (local) calendar day, `2026-01-15`."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        return _aware(moment).astimezone().date().isoformat()
    return moment.isoformat()


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def unreadable(count: int, one: str, many: str) -> str:
    """How many elements of a server's list could not be read: "2 work packages could not be
    read and are not shown" ("" when none), the same words in the CLI and the TUI."""
    if count == 1:
        return f"1 {one} could not be read and is not shown"
    return f"{count} {many} could not be read and are not shown" if count else ""


def format_relative(moment: datetime | None, now: datetime | None = None) -> str:
    """How long ago (or ahead) `moment` is: `just now`, `5 minutes ago`, `in 2 days`.

    Beyond 30 days the absolute date is clearer than a count: `on 2026-01-15`.
    `now` is injectable so tests and snapshots do not drift.
    """
    if moment is None:
        return ""
    reference = _aware(now) if now is not None else datetime.now(UTC)
    seconds = (reference - _aware(moment)).total_seconds()
    distance = abs(seconds)
    if distance < 45:
        return "just now"
    for limit, unit_seconds, unit in (
        (3600, 60, "minute"),
        (86400, 3600, "hour"),
        (30 * 86400, 86400, "day"),
    ):
        if distance < limit:
            count = max(1, round(distance / unit_seconds))
            if count * unit_seconds >= limit:
                continue
            span = _plural(count, unit)
            return f"{span} ago" if seconds > 0 else f"in {span}"
    return f"on {format_date(moment)}"


def format_duration(seconds: float | None) -> str:
    """A duration for progress and ETAs: `45s`, `3m 05s`, `1h 02m`; `None` is empty."""
    if seconds is None:
        return ""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


# Characters no common file system accepts in a name (Windows is the strictest).
_UNSAFE_IN_NAME = re.compile(r'[/\\:*?"<>|]')
_RESERVED_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{n}" for n in range(1, 10)}
    | {f"LPT{n}" for n in range(1, 10)}
)
_MAX_NAME_BYTES = 255
FALLBACK_FILE_NAME = "download"


def safe_file_name(name: object) -> str:
    """A server-provided name made safe to create in a local directory.

    No path separators, control characters, leading/trailing dots or spaces, `.`/`..`, or
    Windows reserved device names; at most 255 bytes (the extension is kept); never empty.
    """
    value = unicodedata.normalize("NFC", plain(name)).replace("\n", " ").replace("\t", " ")
    value = _UNSAFE_IN_NAME.sub("_", value).strip(" .")
    if not value:
        return FALLBACK_FILE_NAME
    if value.split(".", 1)[0].upper().rstrip(" ") in _RESERVED_NAMES:
        value = "_" + value
    return _limit_bytes(value, _MAX_NAME_BYTES)


def _limit_bytes(name: str, limit: int) -> str:
    if len(name.encode()) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension.encode()) > 16 or not stem:
        stem, extension = name, ""
    suffix = f".{extension}" if extension else ""
    budget = limit - len(suffix.encode())
    shortened = stem.encode()[:budget].decode(errors="ignore").rstrip(" .")
    return (shortened or FALLBACK_FILE_NAME) + suffix


def truncate(text: str, width: int, ellipsis: str = "…") -> str:
    """`text` cut to at most `width` terminal cells, ending in `…` when it was cut."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    room = width - cell_len(ellipsis)
    if room <= 0:
        return ellipsis[:width]
    kept: list[str] = []
    used = 0
    for char in text:
        char_width = cell_len(char)
        if used + char_width > room:
            break
        kept.append(char)
        used += char_width
    return "".join(kept) + ellipsis
