"""The client core must stay usable without Textual (CLI over SSH, scripts)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import nep_tui.api


def test_no_module_of_the_api_imports_textual():
    modules = sorted(
        f"nep_tui.api.{info.name}" for info in pkgutil.iter_modules(nep_tui.api.__path__)
    )
    assert {"nep_tui.api.client", "nep_tui.api.session", "nep_tui.api.http"} <= set(modules)
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning:authlib", "-c", script],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]", result.stdout
