"""Pasted local paths: quotes, escapes, file:// URLs, several at once, and clear problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from nep_tui.paths import local_file_problem, parse_pasted_paths


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    made = {}
    for name in ("plain.txt", "My Report 2026.pdf", "it's here.txt", "b.txt", "ümlaut #1.png"):
        path = tmp_path / name
        path.write_text(name)
        made[name] = path
    (tmp_path / "a folder").mkdir()
    return made


def test_plain_absolute_path(files):
    result = parse_pasted_paths(str(files["plain.txt"]))
    assert result.files == (files["plain.txt"],)
    assert result.problems == ()


def test_raw_path_with_spaces_and_apostrophe(files):
    assert parse_pasted_paths(f"  {files['My Report 2026.pdf']}  \n").files == (
        files["My Report 2026.pdf"],
    )
    assert parse_pasted_paths(str(files["it's here.txt"])).files == (files["it's here.txt"],)


def test_single_and_double_quotes(files):
    report = files["My Report 2026.pdf"]
    assert parse_pasted_paths(f"'{report}'").files == (report,)
    assert parse_pasted_paths(f'"{report}"').files == (report,)
    apostrophe = files["it's here.txt"]
    assert parse_pasted_paths(f'"{apostrophe}"').files == (apostrophe,)


def test_backslash_escapes(files):
    escaped = str(files["My Report 2026.pdf"]).replace(" ", "\\ ")
    assert parse_pasted_paths(escaped).files == (files["My Report 2026.pdf"],)


def test_file_urls(files):
    report = files["My Report 2026.pdf"]
    url = "file://" + str(report).replace(" ", "%20")
    assert parse_pasted_paths(url).files == (report,)
    umlaut = files["ümlaut #1.png"]
    encoded = str(umlaut).replace("ü", "%C3%BC").replace(" ", "%20").replace("#", "%23")
    assert parse_pasted_paths("file://localhost" + encoded).files == (umlaut,)


def test_remote_file_url_is_a_problem():
    result = parse_pasted_paths("file://otherhost/etc/passwd")
    assert result.files == ()
    assert "not a file on this computer" in result.problems[0].message


def test_several_paths_on_one_line_and_on_many(files):
    report, plain, b = files["My Report 2026.pdf"], files["plain.txt"], files["b.txt"]
    one_line = f"'{report}' {plain} {b}"
    assert parse_pasted_paths(one_line).files == (report, plain, b)
    many_lines = f"{plain}\n\n{report}\r\n{b}\n"
    assert parse_pasted_paths(many_lines).files == (plain, report, b)


def test_several_raw_paths_with_spaces_are_rejoined(files):
    report, b = files["My Report 2026.pdf"], files["b.txt"]
    assert parse_pasted_paths(f"{report} {b}").files == (report, b)


def test_duplicates_are_dropped(files):
    plain = files["plain.txt"]
    assert parse_pasted_paths(f"{plain} '{plain}'").files == (plain,)


def test_relative_paths_use_the_given_folder(files, tmp_path):
    assert parse_pasted_paths("b.txt", cwd=tmp_path).files == (files["b.txt"],)


def test_missing_path_and_folder_get_clear_messages(files, tmp_path):
    missing = tmp_path / "nope.txt"
    result = parse_pasted_paths(f"{missing} '{tmp_path / 'a folder'}' {files['b.txt']}")
    assert result.files == (files["b.txt"],)
    messages = [problem.message for problem in result.problems]
    assert messages == [
        f"{missing} does not exist.",
        f"{tmp_path / 'a folder'} is a folder; choose the files inside it.",
    ]


def test_a_missing_path_with_raw_spaces_is_one_problem(files, tmp_path):
    missing = tmp_path / "no such file.txt"
    result = parse_pasted_paths(f"{missing} {files['b.txt']} relative.txt")
    assert result.files == (files["b.txt"],)
    assert [problem.message for problem in result.problems] == [
        f"{missing} does not exist.",
        f"{Path.cwd() / 'relative.txt'} does not exist.",
    ]


def test_a_file_url_with_raw_spaces(files):
    url = "file://" + str(files["My Report 2026.pdf"])  # spaces not escaped as %20
    assert parse_pasted_paths(url).files == (files["My Report 2026.pdf"],)


def test_unclosed_quote(files):
    result = parse_pasted_paths("'/no/end")
    assert result.files == ()
    assert "never closed" in result.problems[0].message


def test_empty_paste_is_neither_file_nor_problem():
    assert parse_pasted_paths("  \n \n") == parse_pasted_paths("")
    assert parse_pasted_paths("").files == ()


def test_a_link_whose_target_is_gone_does_not_exist(tmp_path):
    link = tmp_path / "dangling.txt"
    link.symlink_to(tmp_path / "removed.txt")
    assert local_file_problem(link) == f"{link} does not exist."
    assert local_file_problem(tmp_path) == f"{tmp_path} is a folder; choose the files inside it."
