"""The project hierarchy as a tree, narrowed by a filter that keeps the ancestors of matches."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rich.text import Text
from textual import events, on
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from nep_tui.api.models import Project
from nep_tui.formatting import plain_text


def matches(project: Project, needle: str) -> bool:
    folded = needle.casefold()
    return folded in project.name.casefold() or folded in project.identifier.casefold()


def visible_projects(projects: Iterable[Project], needle: str) -> list[Project]:
    """The projects matching `needle`, plus every ancestor so each match keeps its place."""
    by_id = {project.id: project for project in projects}
    if not needle.strip():
        return list(by_id.values())
    keep: dict[int, Project] = {}
    for project in by_id.values():
        if not matches(project, needle.strip()):
            continue
        current: Project | None = project
        while current is not None and current.id not in keep:
            keep[current.id] = current
            current = by_id.get(current.parent_id) if current.parent_id is not None else None
    return [project for project in by_id.values() if project.id in keep]


def project_label(project: Project) -> Text:
    # Tree labels are Rich Text; built from parts so server text is never read as markup.
    return Text.assemble(plain_text(project.name), plain_text(f"  {project.identifier}", "dim"))


class ProjectTree(Tree[Project]):
    """Enter on a project posts `ProjectChosen`; printable keys go to the filter via `TypedAhead`."""

    BINDINGS = [
        Binding(
            "enter",
            "select_cursor",
            "Open",
            id="project-open",
            tooltip="Show the work packages of the highlighted project.",
        ),
    ]

    @dataclass
    class ProjectChosen(Message):
        project: Project

    @dataclass
    class TypedAhead(Message):
        """A printable key was typed on the tree: the screen moves it into the filter."""

        character: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Projects", id=id)
        self.show_root = False
        self.auto_expand = False
        self.guide_depth = 3

    def show_projects(self, projects: list[Project], needle: str = "") -> int:
        """Rebuild the tree from `projects` filtered by `needle`; returns how many matched."""
        shown = visible_projects(projects, needle)
        shown_ids = {project.id for project in shown}
        children: dict[int | None, list[Project]] = {}
        for project in shown:
            parent = project.parent_id if project.parent_id in shown_ids else None
            children.setdefault(parent, []).append(project)
        self.clear()
        self._add_project_nodes(self.root, None, children)
        self.root.expand_all()
        matched = [
            project for project in shown if not needle.strip() or matches(project, needle.strip())
        ]
        if matched:
            self._move_cursor_to_first(matched)
        return len(matched)

    def _move_cursor_to_first(self, projects: list[Project]) -> None:
        """The cursor goes to the first match in tree order, not to an ancestor kept for context."""
        wanted = {project.id for project in projects}
        line = 0
        while (node := self.get_node_at_line(line)) is not None:
            if node.data is not None and node.data.id in wanted:
                self.move_cursor(node)
                return
            line += 1

    def _add_project_nodes(
        self,
        node: TreeNode[Project],
        parent_id: int | None,
        children: dict[int | None, list[Project]],
    ) -> None:
        for project in sorted(children.get(parent_id, []), key=lambda p: p.name.casefold()):
            has_children = project.id in children
            child = node.add(project_label(project), data=project, allow_expand=has_children)
            if has_children:
                self._add_project_nodes(child, project.id, children)

    @property
    def highlighted_project(self) -> Project | None:
        node = self.cursor_node
        return node.data if node is not None else None

    @on(Tree.NodeSelected)
    def _node_selected(self, event: Tree.NodeSelected[Project]) -> None:
        event.stop()
        if event.node.data is not None:
            self.post_message(self.ProjectChosen(event.node.data))

    def on_key(self, event: events.Key) -> None:
        # Letters and digits start filtering; other keys (?, space, arrows) keep their bindings.
        if event.character and (event.character.isalnum() or event.character in "-_."):
            event.stop()
            event.prevent_default()
            self.post_message(self.TypedAhead(event.character))
