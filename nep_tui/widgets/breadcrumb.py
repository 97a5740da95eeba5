"""Where the folder picker is: Root › a › … › parent › here, with deep levels collapsed."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.content import Content
from textual.events import Click
from textual.message import Message
from textual.widgets import Label

from nep_tui.formatting import plain

ELLIPSIS = "…"


@dataclass(frozen=True)
class Crumb:
    """One level of the path; `location` is None for the collapsed "…"."""

    name: str
    location: str | None


def collapse(levels: list[Crumb], max_levels: int = 4) -> list[Crumb]:
    """Keep the root and the last levels; what is between becomes one "…".

    The root, the immediate parent and the current folder always stay visible, so going up
    one level or to the root is always one key (or click) away.
    """
    if len(levels) <= max_levels:
        return list(levels)
    tail = levels[-(max_levels - 1) :]
    return [levels[0], Crumb(ELLIPSIS, None), *tail]


class CrumbLabel(Label):
    """A clickable level of the breadcrumb."""

    def __init__(self, crumb: Crumb, *, current: bool) -> None:
        classes = "-current" if current else ("-ellipsis" if crumb.location is None else "-level")
        super().__init__(Content(plain(crumb.name)), classes=classes)
        self.crumb = crumb


class Breadcrumb(HorizontalGroup):
    """The current path; clicking a level (except "…") asks to go there."""

    DEFAULT_CSS = """
    Breadcrumb { height: 1; width: 1fr; }
    Breadcrumb > Label { width: auto; }
    Breadcrumb > .-separator { color: $text-muted; }
    Breadcrumb > .-current { text-style: bold; }
    Breadcrumb > .-ellipsis { color: $text-muted; }
    Breadcrumb > .-level:hover { text-style: underline; }
    """

    @dataclass
    class Navigate(Message):
        breadcrumb: Breadcrumb
        location: str

        @property
        def control(self) -> Breadcrumb:
            return self.breadcrumb

    def __init__(self, *, max_levels: int = 4, id: str | None = None) -> None:
        super().__init__(id=id)
        self.max_levels = max_levels
        self.levels: list[Crumb] = []

    def compose(self) -> ComposeResult:
        yield from self._labels()

    def show(self, levels: list[Crumb]) -> None:
        self.levels = list(levels)
        self.remove_children()
        self.mount_all(self._labels())

    def _labels(self) -> list[Label]:
        shown = collapse(self.levels, self.max_levels)
        labels: list[Label] = []
        for index, crumb in enumerate(shown):
            if index:
                labels.append(Label(" › ", classes="-separator"))
            labels.append(CrumbLabel(crumb, current=index == len(shown) - 1))
        return labels

    def on_click(self, event: Click) -> None:
        label = event.widget
        if isinstance(label, CrumbLabel) and label.crumb.location is not None:
            self.post_message(self.Navigate(self, label.crumb.location))
