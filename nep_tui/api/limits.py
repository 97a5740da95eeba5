"""How long nep-tui waits for a server and how much of an answer it takes.

Defaults suit a slow but working network; each can be changed in the environment (the CLI and
the TUI both read it): a server that stops talking ends in an error instead of a hang, and a
transfer that keeps moving is never cut off however long it takes."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from nep_tui.api import errors as err

MIB = 1024 * 1024
ENVIRONMENT = {
    "connect_seconds": "NEP_TUI_CONNECT_TIMEOUT",
    "read_seconds": "NEP_TUI_READ_TIMEOUT",
    "answer_seconds": "NEP_TUI_ANSWER_TIMEOUT",
    "stall_seconds": "NEP_TUI_STALL_TIMEOUT",
    "answer_mib": "NEP_TUI_MAX_ANSWER_MB",
}


@dataclass(frozen=True)
class Limits:
    connect_seconds: float = 10.0
    # Silence allowed before an answer's headers, or between two pieces of it.
    read_seconds: float = 30.0
    # A whole API answer (JSON); a body that drips a byte at a time ends here.
    answer_seconds: float = 120.0
    # A transfer must move at least `stall_bytes` in every window of this many seconds.
    stall_seconds: float = 30.0
    stall_bytes: int = 1024
    # Unpacked size of one API answer (a compression bomb, a runaway listing).
    answer_mib: float = 64.0
    # Longest Retry-After waited out on its own; longer waits are reported.
    retry_after_seconds: float = 10.0

    @property
    def answer_bytes(self) -> int:
        return int(self.answer_mib * MIB)

    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(
            self.read_seconds, connect=self.connect_seconds, write=self.stall_seconds
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Limits:
        values: dict[str, float] = {}
        for field, variable in ENVIRONMENT.items():
            raw = environ.get(variable, "").strip()
            if not raw:
                continue
            try:
                value = float(raw)
            except ValueError:
                value = -1.0
            if not value > 0:
                raise err.BadSetting(
                    f"{variable}={raw!r} is not a positive number.",
                    hint=f"Set {variable} to a number of "
                    + ("MiB" if field == "answer_mib" else "seconds")
                    + ", or unset it for the default.",
                )
            values[field] = value
        return cls(**values)  # type: ignore[arg-type]  # ENVIRONMENT names float fields only
