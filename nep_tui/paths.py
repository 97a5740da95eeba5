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
        problems.append(PathProblem(line, "This text has a quote that is never closed; paste the path again."))
        return []
    return _join_unquoted_spaces(words, base)


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
    if piece.lower().startswith("file:"):
        local = _file_url_path(piece)
        if local is None:
            problems.append(PathProblem(piece, f"{piece} is not a file on this computer."))
            return
        path = local
    else:
        path = _resolve(piece, base)
    if not path.exists():
        problems.append(PathProblem(piece, f"{path} does not exist."))
    elif path.is_dir():
        problems.append(PathProblem(piece, f"{path} is a folder; choose the files inside it."))
    elif not os.access(path, os.R_OK):
        problems.append(PathProblem(piece, f"{path} cannot be read (no permission)."))
    else:
        files.append(path)


def _file_url_path(url: str) -> Path | None:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost") or not parts.path:
        return None
    return Path(unquote(parts.path))


def _resolve(text: str, base: Path) -> Path:
    path = Path(text).expanduser()
    return path if path.is_absolute() else base / path
