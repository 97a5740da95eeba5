"""The shared formatting helpers: server text made safe, sizes, dates, durations, file names."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from rich.text import Text
from textual.content import Content

from nep_tui.formatting import (
    WORD_JOINER,
    escape_markup,
    format_date,
    format_datetime,
    format_duration,
    format_relative,
    format_size,
    plain,
    plain_text,
    safe_file_name,
    truncate,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b]0;owned title\x07after", "after"),
        ("\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("\x1b]52;c;ZXZpbA==\x07x", "x"),
        ("unterminated \x1b]0;title", "unterminated "),
        ("bell\x07 back\x08space", "bell backspace"),
        ("c1\x9b31mcsi\x85", "c1csi"),
        ("clear\x1bcscreen", "clearscreen"),
        ("line1\r\nline2\ttab", "line1\nline2\ttab"),
        ("\u202eevil.pdf\u202c", "evil.pdf"),
        ("[bold]markup[/bold] stays", "[bold]markup[/bold] stays"),
        ("Ünïcödé ✓ 日本", "Ünïcödé ✓ 日本"),
        (None, ""),
    ],
)
def test_plain_removes_what_a_terminal_would_act_on(raw, expected):
    assert plain(raw) == expected


def test_plain_text_never_interprets_markup():
    text = plain_text("[red]not red[/red] \x1b[1mbold?")
    assert isinstance(text, Text)
    assert text.plain == "[red]not red[/red] bold?"
    assert not text.spans


@pytest.mark.parametrize(
    "raw",
    [
        "[bold]x[/bold]",
        "[B]upper[/B]",
        "[@click=app.quit]quit[/]",
        "[$error]var[/]",
        "a\\[b]c",
        "ends with backslash\\",
        "two\\\\[link=http://x]y[/link]",
        "[[double]]",
    ],
)
def test_escape_markup_round_trips_through_rich_and_textual(raw):
    escaped = escape_markup(raw)
    wrapped = f"[bold]{escaped}[/bold]"
    for markup in (escaped, wrapped):
        # The word joiner is invisible: it only keeps a backslash from escaping a bracket.
        assert Text.from_markup(markup).plain.replace(WORD_JOINER, "") == raw
        assert Content.from_markup(markup).plain.replace(WORD_JOINER, "") == raw


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (0, "0 B"),
        (999, "999 B"),
        (1000, "1.0 kB"),
        (1234, "1.2 kB"),
        (1_234_567, "1.2 MB"),
        (999_999, "1.0 MB"),
        (1024**3, "1.1 GB"),
        (5 * 10**15, "5.0 PB"),
        (None, ""),
    ],
)
def test_format_size_uses_si_units(size, expected):
    assert format_size(size) == expected


def test_format_datetime_is_local_time(monkeypatch):
    moment = datetime(2026, 1, 15, 10, 30, 59, tzinfo=UTC)
    assert format_datetime(moment) == "2026-01-15 10:30"  # conftest sets TZ=UTC
    assert format_datetime(moment.replace(tzinfo=None)) == "2026-01-15 10:30"
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        assert format_datetime(moment) == "2026-01-15 11:30"
        assert format_date(datetime(2026, 1, 15, 23, 30, tzinfo=UTC)) == "2026-01-16"
    finally:
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()
    assert format_datetime(date(2026, 3, 1)) == "2026-03-01"
    assert format_datetime(None) == ""


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(seconds=10), "just now"),
        (timedelta(minutes=1), "1 minute ago"),
        (timedelta(minutes=5, seconds=10), "5 minutes ago"),
        (timedelta(minutes=59, seconds=50), "1 hour ago"),
        (timedelta(hours=3), "3 hours ago"),
        (timedelta(days=1), "1 day ago"),
        (timedelta(days=12), "12 days ago"),
        (-timedelta(days=2), "in 2 days"),
        (timedelta(days=45), "on 2026-01-01"),
    ],
)
def test_format_relative(delta, expected):
    now = datetime(2026, 2, 15, 12, 0, tzinfo=UTC)
    assert format_relative(now - delta, now) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(0, "0s"), (45.4, "45s"), (185, "3m 05s"), (3720, "1h 02m"), (None, "")],
)
def test_format_duration(seconds, expected):
    assert format_duration(seconds) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("..", "download"),
        (".", "download"),
        ("", "download"),
        (None, "download"),
        ('a/b\\c:d*e?f"g<h>i|j', "a_b_c_d_e_f_g_h_i_j"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("com1.tar.gz", "_com1.tar.gz"),
        ("console.txt", "console.txt"),
        ("bad\x1b[31mname\x00.txt", "badname.txt"),
        (" .hidden. ", "hidden"),
        ("multi\nline", "multi line"),
        ("evil\u202etxt.exe", "eviltxt.exe"),
    ],
)
def test_safe_file_name(name, expected):
    assert safe_file_name(name) == expected


def test_safe_file_name_keeps_the_extension_when_shortening():
    name = "é" * 300 + ".pdf"
    safe = safe_file_name(name)
    assert safe.endswith(".pdf")
    assert len(safe.encode()) <= 255


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("short", 10, "short"),
        ("exactly10!", 10, "exactly10!"),
        ("a longer text", 8, "a longe…"),
        ("日本語テキスト", 7, "日本語…"),
        ("anything", 0, ""),
        ("anything", 1, "…"),
    ],
)
def test_truncate_counts_terminal_cells(text, width, expected):
    assert truncate(text, width) == expected
