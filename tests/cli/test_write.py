"""CLI commands that change data, each against a sandbox of its own (`fresh_sandbox`)."""

from __future__ import annotations

from support.cli import as_user, nep, nep_json

DEMO_FOLDER = "/OpenProject/Nepenthes Demo (1)"


def test_wp_create_by_type_name_or_id(fresh_sandbox):
    created = nep_json(
        fresh_sandbox,
        "wp",
        "create",
        "--project",
        "demo",
        "--type",
        "bug",
        "--subject",
        "Printer on fire",
        "--description",
        "Smoke *everywhere*",
    )
    assert created["subject"] == "Printer on fire"
    assert created["type_name"] == "Bug"
    assert created["description"] == "Smoke *everywhere*"
    assert nep_json(fresh_sandbox, "wp", "show", str(created["id"]))["id"] == created["id"]

    by_id = nep_json(
        fresh_sandbox,
        "wp",
        "create",
        "--project",
        "demo",
        "--type",
        str(created["type_id"]),
        "--subject",
        "Second",
    )
    assert by_id["type_name"] == "Bug"


def test_wp_create_with_invalid_data_exits_2_naming_the_field(fresh_sandbox):
    run = nep(
        *as_user(fresh_sandbox),
        "wp",
        "create",
        "--project",
        "demo",
        "--type",
        "Task",
        "--subject",
        "",
    )
    assert run.exit_code == 2
    assert "Subject" in run.stderr and "command line" in run.stderr


def test_wp_create_with_an_unknown_type_names_the_known_ones(fresh_sandbox):
    run = nep(
        *as_user(fresh_sandbox),
        "wp",
        "create",
        "--project",
        "demo",
        "--type",
        "Epic",
        "--subject",
        "x",
    )
    assert run.exit_code == 5
    assert "Task" in run.stderr and "Bug" in run.stderr


def test_markup_and_escape_sequences_in_server_text_print_as_plain_text(fresh_sandbox):
    subject = "[bold red]alarm[/] \x1b[31mred\x1b[0m \x1b]0;pwned\x07end"
    created = nep_json(
        fresh_sandbox, "wp", "create", "--project", "demo", "--type", "Task", "--subject", subject
    )
    for args in (["wp", "show", str(created["id"])], ["wp", "list", "--search", "alarm"]):
        run = nep(*as_user(fresh_sandbox), *args)
        assert run.exit_code == 0, run.stderr
        assert "[bold red]alarm[/] red end" in run.stdout
        assert "\x1b" not in run.stdout and "\x07" not in run.stdout
    shown = nep(*as_user(fresh_sandbox), "--json", "wp", "show", str(created["id"]))
    assert "\x1b" not in shown.stdout  # JSON escapes it as \u001b
    assert shown.json["subject"].startswith("[bold red]alarm[/]")


def test_files_upload_links_the_files_and_asks_about_existing_names(fresh_sandbox, tmp_path):
    first, second = tmp_path / "minutes.txt", tmp_path / "plan.md"
    first.write_text("minutes")
    second.write_text("# plan")

    result = nep_json(
        fresh_sandbox, "files", "upload", "2", str(first), str(second), "--folder", DEMO_FOLDER
    )
    assert [item["file_name"] for item in result["uploaded"]] == ["minutes.txt", "plan.md"]
    assert [link["name"] for link in result["linked"]] == ["minutes.txt", "plan.md"]
    assert result["failed"] == []
    linked = {link["name"] for link in nep_json(fresh_sandbox, "files", "list", "2")}
    assert {"minutes.txt", "plan.md"} <= linked

    again = nep(
        *as_user(fresh_sandbox), "files", "upload", "2", str(first), "--folder", DEMO_FOLDER
    )
    assert again.exit_code == 6
    assert "--overwrite" in again.stderr and "--keep-both" in again.stderr

    # Files before the one that stopped the run are uploaded and linked all the same.
    fresh = tmp_path / "agenda.txt"
    fresh.write_text("agenda")
    partial = nep(
        *as_user(fresh_sandbox),
        "--json",
        "files",
        "upload",
        "2",
        str(fresh),
        str(first),
        "--folder",
        DEMO_FOLDER,
    )
    assert partial.exit_code == 6
    assert [link["name"] for link in partial.json["linked"]] == ["agenda.txt"]

    both = nep_json(
        fresh_sandbox, "files", "upload", "2", str(first), "--folder", DEMO_FOLDER, "--keep-both"
    )
    assert both["uploaded"][0]["file_name"] != "minutes.txt"
    assert both["uploaded"][0]["replaced"] is False

    first.write_text("minutes, corrected")
    replaced = nep_json(
        fresh_sandbox, "files", "upload", "2", str(first), "--folder", DEMO_FOLDER, "--overwrite"
    )
    assert replaced["uploaded"][0]["replaced"] is True


def test_files_upload_into_a_missing_folder_fails_without_uploading(fresh_sandbox, tmp_path):
    source = tmp_path / "a.txt"
    source.write_text("a")
    run = nep(*as_user(fresh_sandbox), "files", "upload", "2", str(source), "--folder", "/Nope")
    assert run.exit_code != 0
    assert run.stderr.startswith("error: ")
    assert "a.txt" not in {link["name"] for link in nep_json(fresh_sandbox, "files", "list", "2")}


def test_files_link_and_unlink(fresh_sandbox):
    listing = nep_json(fresh_sandbox, "storage", "ls", "1", DEMO_FOLDER)
    notes = next(item for item in listing["files"] if item["name"] == "Meeting notes.md")

    result = nep_json(fresh_sandbox, "files", "link", "2", "--file-id", notes["id"])
    assert [link["name"] for link in result["linked"]] == ["Meeting notes.md"]
    link_id = result["linked"][0]["id"]

    unlinked = nep_json(fresh_sandbox, "files", "unlink", str(link_id), "--yes")
    assert unlinked == {"unlinked": link_id}
    assert link_id not in {link["id"] for link in nep_json(fresh_sandbox, "files", "list", "2")}
    # The file itself stays in Nextcloud.
    again = nep_json(fresh_sandbox, "storage", "ls", "1", DEMO_FOLDER)
    assert notes["id"] in {item["id"] for item in again["files"]}


def test_files_link_by_path(fresh_sandbox):
    result = nep_json(
        fresh_sandbox,
        "files",
        "link",
        "2",
        "--path",
        f"{DEMO_FOLDER}/Budget 2026.xlsx",
        "--path",
        f"{DEMO_FOLDER.lstrip('/')}/Slides drafts/",
        "--path",
        f"{DEMO_FOLDER}/Team photo.png",
    )
    assert [link["name"] for link in result["linked"]] == [
        "Budget 2026.xlsx",
        "Slides drafts",
        "Team photo.png",
    ]
    assert result["failed"] == []
    linked = {link["name"] for link in nep_json(fresh_sandbox, "files", "list", "2")}
    assert {"Budget 2026.xlsx", "Slides drafts", "Team photo.png"} <= linked


def test_files_link_by_a_path_that_does_not_exist_links_nothing(fresh_sandbox):
    before = nep_json(fresh_sandbox, "files", "list", "2")
    run = nep(
        *as_user(fresh_sandbox),
        "files",
        "link",
        "2",
        "--path",
        f"{DEMO_FOLDER}/Budget 2026.xlsx",
        "--path",
        f"{DEMO_FOLDER}/nope.txt",
    )
    assert run.exit_code == 5
    assert "nope.txt" in run.stderr and DEMO_FOLDER in run.stderr
    assert nep_json(fresh_sandbox, "files", "list", "2") == before

    nothing = nep(*as_user(fresh_sandbox), "files", "link", "2")
    assert nothing.exit_code == 2 and "--file-id or --path" in nothing.stderr


def test_attachments_upload_download_delete(fresh_sandbox, tmp_path):
    source = tmp_path / "upload" / "report.csv"
    source.parent.mkdir()
    source.write_text("a,b\n1,2\n")

    created = nep_json(fresh_sandbox, "attachments", "upload", "3", str(source))
    assert created["file_name"] == "report.csv" and created["file_size"] == source.stat().st_size
    listed = nep_json(fresh_sandbox, "attachments", "list", "3")
    assert created["id"] in {attachment["id"] for attachment in listed}

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    saved = nep_json(
        fresh_sandbox, "attachments", "download", str(created["id"]), "-o", str(downloads)
    )
    assert (downloads / "report.csv").read_text() == "a,b\n1,2\n"
    assert saved["attachment_id"] == created["id"]
    clobber = nep(
        *as_user(fresh_sandbox), "attachments", "download", str(created["id"]), "-o", str(downloads)
    )
    assert clobber.exit_code == 6

    refused = nep(*as_user(fresh_sandbox), "attachments", "delete", str(created["id"]))
    assert refused.exit_code == 2
    deleted = nep_json(fresh_sandbox, "attachments", "delete", str(created["id"]), "--yes")
    assert deleted == {"deleted": created["id"]}
    remaining = nep_json(fresh_sandbox, "attachments", "list", "3")
    assert created["id"] not in {attachment["id"] for attachment in remaining}


def test_notifications_read_one_then_all(fresh_sandbox):
    unread = nep_json(fresh_sandbox, "notifications", "list", "--unread")
    first = unread[0]["id"]
    assert nep_json(fresh_sandbox, "notifications", "read", str(first)) == {"read": [first]}
    still_unread = {n["id"] for n in nep_json(fresh_sandbox, "notifications", "list", "--unread")}
    assert first not in still_unread and still_unread

    assert nep_json(fresh_sandbox, "notifications", "read", "--all") == {"read": "all"}
    assert nep_json(fresh_sandbox, "notifications", "list", "--unread") == []


def test_unlink_on_a_terminal_asks_first(fresh_sandbox, monkeypatch):
    monkeypatch.setattr("nep_tui.cli.confirm.stdin_is_terminal", lambda: True)
    link_id = str(nep_json(fresh_sandbox, "files", "list", "1")[0]["id"])

    declined = nep(*as_user(fresh_sandbox), "files", "unlink", link_id, input="n\n")
    assert declined.exit_code == 1
    assert "Unlink file link" in declined.stderr and "cancelled" in declined.stderr
    assert int(link_id) in {link["id"] for link in nep_json(fresh_sandbox, "files", "list", "1")}

    accepted = nep(*as_user(fresh_sandbox), "files", "unlink", link_id, input="y\n")
    assert accepted.exit_code == 0, accepted.stderr
    remaining = nep_json(fresh_sandbox, "files", "list", "1")
    assert int(link_id) not in {link["id"] for link in remaining}


def test_nextcloud_unreachable_exits_8(fresh_sandbox):
    fresh_sandbox.set_faults(nextcloud_unreachable=True)
    run = nep(*as_user(fresh_sandbox), "storage", "ls", "1")
    assert run.exit_code == 8
    assert run.stderr.startswith("error: ")
    # Linked files are still listed; their state says the server could not check them.
    links = nep_json(fresh_sandbox, "files", "list", "1")
    assert links and {link["status"] for link in links} == {"Error"}


def test_quota_and_upload_limit_exit_7(fresh_sandbox, tmp_path):
    source = tmp_path / "big.bin"
    source.write_bytes(b"x" * 4096)
    fresh_sandbox.set_faults(quota_bytes={"member": 100})
    over_quota = nep(
        *as_user(fresh_sandbox), "files", "upload", "2", str(source), "--folder", DEMO_FOLDER
    )
    assert over_quota.exit_code == 7, over_quota.stderr

    fresh_sandbox.set_faults(reset=True)
    fresh_sandbox.set_faults(upload_limit_bytes=1000)
    too_large = nep(
        *as_user(fresh_sandbox), "files", "upload", "2", str(source), "--folder", DEMO_FOLDER
    )
    assert too_large.exit_code == 7, too_large.stderr
    assert "big.bin" not in {link["name"] for link in nep_json(fresh_sandbox, "files", "list", "2")}
