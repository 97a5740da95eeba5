"""Long text in the user's own editor ($VISUAL, else $EDITOR), as git does for commit messages."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from textual.app import App, SuspendNotSupported


class EditorUnavailable(Exception):
    """No editor is set, or this terminal cannot hand itself over to one; says which."""


def editor_command() -> list[str] | None:
    for name in ("VISUAL", "EDITOR"):
        value = os.environ.get(name, "").strip()
        if value:
            return shlex.split(value)
    return None


def edit_externally(app: App[object], text: str, *, suffix: str = ".md") -> str:
    """`text` after the user edited it in their editor, with the app suspended meanwhile."""
    command = editor_command()
    if command is None:
        raise EditorUnavailable("Set $VISUAL or $EDITOR to write long text in your own editor.")
    descriptor, name = tempfile.mkstemp(prefix="nep-tui-", suffix=suffix)
    path = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as draft:
            draft.write(text)
        try:
            with app.suspend():
                finished = subprocess.run([*command, str(path)], check=False)
        except SuspendNotSupported:
            if not app.is_headless:
                raise EditorUnavailable(
                    "This terminal cannot hand itself over to an editor; type the text here."
                ) from None
            finished = subprocess.run([*command, str(path)], check=False)  # tests: no terminal
        if finished.returncode != 0:
            raise EditorUnavailable(
                f"The editor exited with status {finished.returncode}; your text is unchanged."
            )
        return path.read_text(encoding="utf-8")
    finally:
        path.unlink(missing_ok=True)
