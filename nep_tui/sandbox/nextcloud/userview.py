"""The shared file tree as one user sees it over WebDAV: hidden nodes simply are not there."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from .context import NextcloudContext
from .sabre import DavError
from .store import ROOT_ID, Access, Node, narrowed


@dataclass(frozen=True)
class Located:
    node: Node
    access: Access
    path: str  # '/a/b', '/' for the root


class UserView:
    def __init__(self, context: NextcloudContext, login: str) -> None:
        self.context, self.store, self.login = context, context.store, login
        self.marks = self.store.restrictions_for(login)
        self._display_names: dict[str, str] = {}

    def display_name(self, login: str) -> str:
        if login not in self._display_names:
            self._display_names[login] = self.store.display_name(login)
        return self._display_names[login]

    @cached_property
    def free_bytes(self) -> int | None:
        return self.context.free_bytes(self.login)

    def root(self) -> Located:
        root = self.store.node(ROOT_ID)
        assert root is not None
        return Located(root, narrowed(Access.WRITE, self.marks.get(ROOT_ID, set())), "/")

    def child(self, parent: Located, name: str) -> Located | None:
        node = self.store.child(parent.node.id, name)
        if node is None:
            return None
        access = narrowed(parent.access, self.marks.get(node.id, set()))
        if access is Access.NONE:
            return None
        return Located(node, access, _join(parent.path, name))

    def children(self, parent: Located) -> list[Located]:
        found = []
        for node in self.store.children(parent.node.id):
            access = narrowed(parent.access, self.marks.get(node.id, set()))
            if access is not Access.NONE:
                found.append(Located(node, access, _join(parent.path, node.name)))
        return found

    def locate(self, names: list[str]) -> Located:
        """Walks the path; the message names the first missing part as Sabre does."""
        here = self.root()
        for name in names:
            found = self.child(here, name) if here.node.is_dir else None
            if found is None:
                raise DavError(
                    404,
                    "Sabre\\DAV\\Exception\\NotFound",
                    f"File with name {_join(here.path, name, sep_always=True)} could not be located",
                )
            here = found
        return here

    def walk(self, top: Located, depth: str) -> Iterator[Located]:
        yield top
        if not top.node.is_dir or depth == "0":
            return
        for child in self.children(top):
            if depth == "1":
                yield child
            else:
                yield from self.walk(child, depth)


def _join(parent: str, name: str, *, sep_always: bool = False) -> str:
    if parent == "/" and not sep_always:
        return "/" + name
    return f"{parent}/{name}"


def path_names(raw: str) -> list[str]:
    return [part for part in raw.split("/") if part]
