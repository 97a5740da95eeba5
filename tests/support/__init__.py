"""Helpers shared by the tests (no tests here): where the repository and shared/ are."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DIR = REPO_ROOT.parent / "shared"
"""Reference material beside the checkout; tests that need it skip when it is absent."""
