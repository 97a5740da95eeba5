"""The one place that turns any error into the sentences the interface shows, and logs bugs.

A typed `NepError` already says what happened and what to do. Anything else is a bug in
nep-tui: the user gets a sentence saying so and where the details are, and the traceback goes
to a log file (never to the screen, which Textual owns).
"""

from __future__ import annotations

import logging
import os
import traceback
from datetime import datetime
from pathlib import Path

import platformdirs

from nep_tui.api.errors import NepError
from nep_tui.formatting import plain

LOG_FILE = "nep-tui.log"


def log_dir() -> Path:
    override = os.environ.get("NEP_TUI_LOG_DIR")
    return Path(override) if override else Path(platformdirs.user_log_dir("nep-tui"))


def describe(error: BaseException) -> tuple[str, str]:
    """One sentence saying what happened and one saying what to do, for any error."""
    if isinstance(error, NepError):
        return plain(error.message), plain(error.hint)
    return (
        f"Something unexpected went wrong ({type(error).__name__}).",
        "Try again; if it keeps happening, please report it.",
    )


def sentence(error: BaseException) -> str:
    """`describe` as one line, for status lines, toasts and progress rows."""
    return " ".join(part for part in describe(error) if part)


def log_unexpected(error: BaseException, during: str) -> Path | None:
    """Append the traceback of a bug to the log file; its path, or None if it cannot be written."""
    path = log_dir() / LOG_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(f"--- {datetime.now().astimezone().isoformat()} during {during}\n")
            log.write("".join(traceback.format_exception(error)))
    except OSError:
        logging.getLogger("nep_tui").exception("could not write the log file %s", path)
        return None
    return path


def unexpected_failure_text(error: BaseException, during: str, log_path: Path | None) -> str:
    """What the user reads after a bug: what failed, where the details are, how to report it."""
    where = f"The details are in {log_path}." if log_path else "The details could not be saved."
    return (
        f"nep-tui hit an internal error while {during} ({type(error).__name__}). {where} "
        "Please report it to the nep-tui developers, with that file; the screen stays usable."
    )
