"""An input for local paths that keeps a whole multi-line paste (several dragged files)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.message import Message
from textual.widgets import Input


class LocalPathInput(Input):
    """Typed paths are submitted with Enter; a paste is handed over whole, newlines included.

    A plain Input keeps only the first line of a paste, which would drop every file but the
    first when several files are dragged into the terminal at once.
    """

    @dataclass
    class Pasted(Message):
        input: LocalPathInput
        text: str

        @property
        def control(self) -> LocalPathInput:
            return self.input

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        if event.text.strip():
            self.post_message(self.Pasted(self, event.text))
