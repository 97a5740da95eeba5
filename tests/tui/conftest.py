"""What every TUI test gets: no blinking cursors and no animations, so snapshots hold steady."""

from __future__ import annotations

import pytest
from textual.widgets import Input, TextArea


@pytest.fixture(autouse=True)
def steady_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    # Textual has no switch for every cursor at once: `cursor_blink` is per widget and reset on
    # mount. The blink timers' callbacks are private, but only the tests touch them.
    monkeypatch.setattr(Input, "_toggle_cursor", lambda _self: None)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda _self: None)
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.delenv("NEP_TUI_THEME", raising=False)
