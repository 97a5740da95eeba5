"""Choose local files to upload: browse with a directory tree, or paste/type paths."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import DirectoryTree, Label, OptionList
from textual.widgets.option_list import Option

from nep_tui.formatting import format_size
from nep_tui.paths import file_size, local_file_problem, parse_pasted_paths
from nep_tui.widgets.local_path_input import LocalPathInput


class ChosenFiles(OptionList):
    BINDINGS = [
        Binding(
            "x,delete",
            "remove",
            "Remove",
            id="chosen-remove",
            tooltip="Take the highlighted file off the list.",
        ),
    ]

    def __init__(self) -> None:
        super().__init__(id="chosen-files")
        self.paths: list[Path] = []

    def add(self, paths: tuple[Path, ...] | list[Path]) -> int:
        new = [path for path in paths if path not in self.paths]
        self.paths.extend(new)
        self.add_options(
            Option(Content(f"{path}  ({format_size(file_size(path))})")) for path in new
        )
        return len(new)

    def action_remove(self) -> None:
        if self.highlighted is not None:
            index = self.highlighted
            del self.paths[index]
            self.remove_option_at_index(index)


class LocalFileChooser(Vertical):
    """The files chosen so far are `chosen` (existing, readable, no folders)."""

    DEFAULT_CSS = """
    LocalFileChooser { height: 1fr; }
    LocalFileChooser > Horizontal { height: 1fr; }
    LocalFileChooser DirectoryTree { width: 1fr; border: round $panel; }
    LocalFileChooser #chosen-side { width: 1fr; }
    LocalFileChooser #chosen-title { text-style: bold; }
    LocalFileChooser #chosen-files { height: 1fr; border: round $panel; }
    LocalFileChooser #path-problems { color: $text-error; width: 1fr; height: auto; }
    """

    def __init__(self, start: Path, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.start = start

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield DirectoryTree(self.start, id="local-tree")
            with Vertical(id="chosen-side"):
                yield Label("To upload (Enter in the tree adds)", id="chosen-title")
                yield ChosenFiles()
        yield LocalPathInput(
            placeholder="Paste or type paths (several at once work), then Enter", id="path-input"
        )
        yield Label("", id="path-problems")

    @property
    def chosen(self) -> list[Path]:
        return list(self.query_one(ChosenFiles).paths)

    def add_text(self, text: str) -> bool:
        """Add what a paste or typed line names; say clearly what could not be added.
        True when everything in it could be added."""
        result = parse_pasted_paths(text)
        self.query_one(ChosenFiles).add(result.files)
        problems = " ".join(problem.message for problem in result.problems)
        self.query_one("#path-problems", Label).update(Content(problems))
        return not result.problems

    def take_typed(self) -> bool:
        """Add the paths typed but not yet entered (going on should not drop them). False
        when one could not be added: the text stays to be corrected, and the user sees why
        before going on."""
        typed = self.query_one(LocalPathInput)
        if not typed.value.strip():
            return True
        added = self.add_text(typed.value)
        if added:
            typed.value = ""
        return added

    @on(DirectoryTree.FileSelected)
    def _file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        path = Path(event.path)
        problem = local_file_problem(path)
        self.query_one("#path-problems", Label).update(Content(problem or ""))
        if problem is None:
            self.query_one(ChosenFiles).add([path])

    @on(LocalPathInput.Pasted)
    def _pasted(self, event: LocalPathInput.Pasted) -> None:
        event.stop()
        self.add_text(event.text)

    @on(LocalPathInput.Submitted)
    def _typed(self, event: LocalPathInput.Submitted) -> None:
        event.stop()
        self.take_typed()
