"""Understand local file paths pasted into the terminal.

A file dragged into most terminals arrives as pasted text: quoted ('/a b.pdf'), backslash
escaped (/a\\ b.pdf), as a file:// URL (file:///a%20b.pdf), or raw with its spaces. Several
files arrive separated by spaces or newlines. No UI here: the upload screen shows the result.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class PathProblem:
    """One pasted piece that is not an uploadable file, with a sentence saying why."""

    text: str
    message: str


@dataclass(frozen=True)
class PastedPaths:
    files: tuple[Path, ...] = field(default_factory=tuple)
    problems: tuple[PathProblem, ...] = field(default_factory=tuple)


class UnclosedQuote(ValueError):
    pass


def parse_pasted_paths(text: str, *, cwd: Path | None = None) -> PastedPaths:
    """Split pasted text into existing files and problems (missing paths, folders, bad URLs)."""
    base = cwd or Path.cwd()
    files: list[Path] = []
    problems: list[PathProblem] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        for piece in _pieces(line, base, problems):
            _classify(piece, base, files, problems)
    return PastedPaths(tuple(dict.fromkeys(files)), tuple(problems))


def _pieces(line: str, base: Path, problems: list[PathProblem]) -> list[str]:
    # A raw line that already names something on disk wins: it may hold spaces or quotes.
    if _resolve(line, base).exists():
        return [line]
    try:
        words = _shell_words(line)
    except UnclosedQuote:
        problems.append(
            PathProblem(line, "This text has a quote that is never closed; paste the path again.")
        )
        return []
    return _join_missing_tails(_join_unquoted_spaces(words, base), base)


def _join_unquoted_spaces(words: list[str], base: Path) -> list[str]:
    """Rejoin words that only make an existing path together (a raw 'My File.pdf')."""
    pieces: list[str] = []
    start = 0
    while start < len(words):
        end = len(words)
        while end > start + 1 and not _resolve(" ".join(words[start:end]), base).exists():
            end -= 1
        pieces.append(" ".join(words[start:end]))
        start = end
    return pieces


def _join_missing_tails(pieces: list[str], base: Path) -> list[str]:
    """A missing absolute path followed by missing words that are no paths of their own is one
    path with raw spaces (`/x/no such file.txt`, `file:///x/a b.txt`): it is one problem to
    report (or one file URL to decode), not one per word."""
    joined: list[str] = []
    for piece in pieces:
        if (
            joined
            and _looks_absolute(joined[-1])
            and not _looks_absolute(piece)
            and not _exists(joined[-1], base)
            and not _exists(piece, base)
        ):
            joined[-1] += " " + piece
        else:
            joined.append(piece)
    return joined


def _looks_absolute(piece: str) -> bool:
    return piece.startswith(("/", "~")) or piece.lower().startswith("file:")


def _exists(piece: str, base: Path) -> bool:
    path = _piece_path(piece, base)
    return path is not None and path.exists()


def _piece_path(piece: str, base: Path) -> Path | None:
    """The local path a piece names; None for a file URL of another computer."""
    if piece.lower().startswith("file:"):
        return _file_url_path(piece)
    return _resolve(piece, base)


def _shell_words(line: str) -> list[str]:
    """Split like a POSIX shell does for quotes and backslashes (no variables, no globs)."""
    words: list[str] = []
    current: list[str] = []
    in_word = False
    quote: str | None = None
    index = 0
    while index < len(line):
        char = line[index]
        if quote == "'":
            if char == "'":
                quote = None
            else:
                current.append(char)
        elif quote == '"':
            if char == '"':
                quote = None
            elif char == "\\" and index + 1 < len(line) and line[index + 1] in '"\\$`':
                index += 1
                current.append(line[index])
            else:
                current.append(char)
        elif char in "'\"":
            quote = char
            in_word = True
        elif char == "\\" and index + 1 < len(line):
            index += 1
            current.append(line[index])
            in_word = True
        elif char.isspace():
            if in_word:
                words.append("".join(current))
                current = []
                in_word = False
        else:
            current.append(char)
            in_word = True
        index += 1
    if quote:
        raise UnclosedQuote(line)
    if in_word:
        words.append("".join(current))
    return words


def _classify(piece: str, base: Path, files: list[Path], problems: list[PathProblem]) -> None:
    path = _piece_path(piece, base)
    if path is None:
        problems.append(PathProblem(piece, f"{piece} is not a file on this computer."))
    elif (problem := local_file_problem(path)) is not None:
        problems.append(PathProblem(piece, problem))
    else:
        files.append(path)


def file_size(path: Path) -> int:
    """The size to show and to count in a batch. A file that can no longer be read counts 0:
    it was there when chosen, and its upload will fail and say why."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def local_file_problem(path: Path) -> str | None:
    """Why `path` cannot be uploaded, in a sentence; None when it can."""
    if not path.exists():  # also a link whose target is gone
        return f"{path} does not exist."
    if path.is_dir():
        return f"{path} is a folder; choose the files inside it."
    if not os.access(path, os.R_OK):
        return f"{path} cannot be read (no permission)."
    return None


def _file_url_path(url: str) -> Path | None:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost") or not parts.path:
        return None
    return Path(unquote(parts.path))


def _resolve(text: str, base: Path) -> Path:
    path = Path(text).expanduser()
    return path if path.is_absolute() else base / path
