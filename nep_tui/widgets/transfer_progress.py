"""A labelled progress bar for one transfer (or a whole batch): name, bytes, bar, outcome."""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Label, ProgressBar

from nep_tui.api.folder_download import TreeProgress
from nep_tui.formatting import format_size, plain

# Progress callbacks arrive once per chunk; repainting more often than this only costs CPU.
REPAINT_INTERVAL = 0.1


class TransferProgress(Vertical):
    """Shows `title`, `done / total` and a bar; `finish()` replaces the numbers with an outcome."""

    DEFAULT_CSS = """
    TransferProgress { height: auto; margin: 0 0 1 0; }
    TransferProgress > .transfer-title { width: 1fr; }
    TransferProgress > .transfer-detail { width: 1fr; color: $text-muted; }
    TransferProgress.-failed > .transfer-detail { color: $text-error; }
    TransferProgress.-done > .transfer-detail { color: $text-success; }
    /* The bar of a failed transfer may already stand at 100 % (the server refuses a file only
       once it has read all of it, as on 413 and 507): shown, it would read as complete. */
    TransferProgress.-failed > ProgressBar { display: none; }
    """

    def __init__(
        self,
        title: str,
        *,
        total: int | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.title = title
        self.total = total
        self._last_paint = 0.0

    def compose(self) -> ComposeResult:
        yield Label(Content(plain(self.title)), classes="transfer-title")
        yield ProgressBar(total=self.total, show_eta=False)
        yield Label("waiting…", classes="transfer-detail")

    def update_bytes(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if total is not None and done < total and now - self._last_paint < REPAINT_INTERVAL:
            return
        self._last_paint = now
        self._clear_outcome()
        self.query_one(ProgressBar).update(total=total, progress=done)
        suffix = f" of {format_size(total)}" if total is not None else ""
        self.query_one(".transfer-detail", Label).update(f"{format_size(done)}{suffix}")

    def update_count(self, done: int, total: int, detail: str = "") -> None:
        self._clear_outcome()
        self.query_one(ProgressBar).update(total=total, progress=done)
        text = f"{done} of {total}" + (f" · {detail}" if detail else "")
        self.query_one(".transfer-detail", Label).update(Content(text))

    def update_tree(self, state: TreeProgress) -> None:
        """A folder download: the bar over the tree's bytes, the files and the current one."""
        now = time.monotonic()
        if state.done_files < state.total_files and now - self._last_paint < REPAINT_INTERVAL:
            return
        self._last_paint = now
        self._clear_outcome()
        self.query_one(ProgressBar).update(
            total=state.total_bytes or None, progress=state.done_bytes
        )
        text = (
            f"{state.done_files} of {state.total_files} files · "
            f"{format_size(state.done_bytes)} of {format_size(state.total_bytes)}"
        )
        if state.current:
            text += f" · {plain(state.current)}"
        self.query_one(".transfer-detail", Label).update(Content(text))

    def show_step(self, text: str) -> None:
        """Say what the transfer is doing once its bytes are through (it is not finished yet)."""
        self.query_one(".transfer-detail", Label).update(Content(plain(text)))

    def _clear_outcome(self) -> None:
        # A finished transfer can start again (a retry): it no longer shows the old outcome.
        self.remove_class("-failed", "-done")

    def finish(self, outcome: str, *, failed: bool = False) -> None:
        """`outcome` is a sentence (it may quote server text, so it is never markup). A failed
        transfer hides its bar and leaves the sentence alone to say what happened."""
        bar = self.query_one(ProgressBar)
        if not failed and bar.total is not None:
            bar.update(progress=bar.total)
        self.set_class(failed, "-failed")
        self.set_class(not failed, "-done")
        self.query_one(".transfer-detail", Label).update(Content(plain(outcome)))
