"""`storage get` and `files download` of a linked folder, end to end on the sandbox."""

from __future__ import annotations

from support.cli import as_user, nep, nep_json
from support.tui import put_files

PROJECT_FOLDER = "/OpenProject/Nepenthes Demo (1)"
FOLDER = f"{PROJECT_FOLDER}/Handover"


def make_folder(sandbox) -> None:
    put_files(sandbox, "member", FOLDER, ["a.txt", "b.txt"])
    put_files(sandbox, "member", f"{FOLDER}/inner", ["c.txt"])


def test_storage_get_downloads_a_folder_and_keeps_what_is_there(fresh_sandbox, tmp_path):
    make_folder(fresh_sandbox)
    first = nep_json(fresh_sandbox, "storage", "get", "1", FOLDER, "-o", str(tmp_path))
    assert set(first) == {"path", "downloaded", "skipped", "failed"}
    assert first["path"] == str((tmp_path / "Handover").resolve())
    assert sorted(entry["path"] for entry in first["downloaded"]) == [
        "a.txt",
        "b.txt",
        "inner/c.txt",
    ]
    assert (tmp_path / "Handover" / "inner" / "c.txt").read_text() == "c.txt\n"
    again = nep(*as_user(fresh_sandbox), "storage", "get", "1", FOLDER, "-o", str(tmp_path))
    assert again.exit_code == 0, again.stderr
    assert "Saved 0 files" in again.stdout and "kept 3 already there" in again.stdout


def test_storage_get_of_a_missing_path_is_not_found(fresh_sandbox, tmp_path):
    run = nep(*as_user(fresh_sandbox), "storage", "get", "1", f"{PROJECT_FOLDER}/nope")
    assert run.exit_code == 5
    assert "nope" in run.stderr


def test_files_download_of_a_folder_link_downloads_the_folder(fresh_sandbox, tmp_path):
    make_folder(fresh_sandbox)
    linked = nep_json(fresh_sandbox, "files", "link", "1", "--path", FOLDER)["linked"]
    [link] = linked
    result = nep_json(
        fresh_sandbox, "files", "download", str(link["id"]), "-o", str(tmp_path), "--jobs", "2"
    )
    assert result["failed"] == [] and len(result["downloaded"]) == 3
    assert (tmp_path / "Handover" / "a.txt").read_text() == "a.txt\n"


def test_files_download_of_a_file_link_is_unchanged(sandbox, tmp_path):
    links = nep_json(sandbox, "files", "list", "1")
    pdf = next(link for link in links if not link["is_folder"] and link["status"] == "ViewAllowed")
    result = nep_json(sandbox, "files", "download", str(pdf["id"]), "-o", str(tmp_path))
    assert set(result) == {"link_id", "path", "size"}
