"""The one path for workers that fail with a bug (anything but a typed API error).

Every screen and widget that runs workers mixes in `ReportsWorkerFailures`. Typed errors stay
with the node's own handling (each screen knows how to show "not found" or "not allowed");
anything else is posted up as `UnexpectedFailure`, which the app logs and reports in one
sentence, and the node gets `worker_failed` to put itself back into a usable state.
"""

from __future__ import annotations

from textual.dom import DOMNode
from textual.worker import Worker, WorkerState

from nep_tui.api.errors import NepError
from nep_tui.messages import UnexpectedFailure
from nep_tui.widgets.state_view import StateView


class ReportsWorkerFailures:
    """Mixed into a Screen or Widget, before it in the bases.

    A plain class, not a DOMNode: an extra DOMNode base would shift the order in which
    Textual applies the default styles of the classes it is mixed into.
    """

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        error = event.worker.error
        if event.state is not WorkerState.ERROR or error is None or isinstance(error, NepError):
            return
        if isinstance(self, DOMNode):
            during = event.worker.description or event.worker.name or "working"
            self.post_message(UnexpectedFailure(error, during))
        self.worker_failed(error)

    def worker_failed(self, error: BaseException) -> None:
        """Leave no "Loading…" behind; nodes with other progress states extend this."""
        if not isinstance(self, DOMNode):
            return
        for view in self.query(StateView):
            if view.state == "loading":
                view.show_error(error)
