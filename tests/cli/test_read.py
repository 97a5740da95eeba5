"""Read-only CLI commands against the shared demo sandbox, each with --json, plus human tables."""

from __future__ import annotations

import pytest
from support.cli import as_user, nep, nep_json


def test_projects_list_json_has_the_documented_fields(sandbox):
    projects = nep_json(sandbox, "projects", "list")
    by_identifier = {project["identifier"]: project for project in projects}
    assert {"demo", "website", "mobile", "mobile-backend"} <= set(by_identifier)
    assert "research" not in by_identifier  # member is not a member there
    assert set(by_identifier["website"]) >= {
        "id",
        "identifier",
        "name",
        "description",
        "parent_id",
        "active",
        "public",
    }
    assert by_identifier["website"]["parent_id"] == by_identifier["demo"]["id"]


def test_projects_list_human_is_an_aligned_table(sandbox):
    run = nep(*as_user(sandbox), "projects", "list")
    assert run.exit_code == 0, run.stderr
    header, *rows = run.stdout.splitlines()
    assert header.split() == ["ID", "IDENTIFIER", "NAME", "PARENT"]
    name_column = header.index("NAME")
    website = next(row for row in rows if "website" in row)
    assert website[name_column:].startswith("Website Relaunch")


def test_wp_list_filters(sandbox):
    open_only = nep_json(sandbox, "wp", "list", "--project", "demo")
    everything = nep_json(sandbox, "wp", "list", "--project", "demo", "--all")
    assert open_only and all(wp["status_closed"] is not True for wp in open_only)
    assert any(wp["status_closed"] for wp in everything)
    assert {wp["id"] for wp in open_only} < {wp["id"] for wp in everything}
    assert {
        "id",
        "subject",
        "type_name",
        "status_name",
        "assignee_name",
        "project_id",
        "lock_version",
        "updated_at",
    } <= set(open_only[0])

    mine = nep_json(sandbox, "wp", "list", "--mine", "--all")
    assert mine and {wp["assignee_name"] for wp in mine} == {"Max Member"}

    found = nep_json(sandbox, "wp", "list", "--search", "kickoff presentation")
    assert [wp["id"] for wp in found] == [1]

    assert len(nep_json(sandbox, "wp", "list", "--limit", "2")) == 2


@pytest.mark.parametrize(
    "reference",
    ["1", "#1", "{url}/work_packages/1", "{url}/projects/demo/work_packages/1/activity"],
)
def test_wp_show_by_number_or_link(sandbox, reference):
    shown = nep_json(sandbox, "wp", "show", reference.format(url=sandbox.nepenthes_url))
    assert shown["id"] == 1
    assert shown["subject"] == "Prepare kickoff presentation"


def test_wp_show_human(sandbox):
    run = nep(*as_user(sandbox), "wp", "show", "1")
    assert run.exit_code == 0, run.stderr
    assert "Subject:      Prepare kickoff presentation" in run.stdout
    assert "Description:" in run.stdout


def test_files_list_shows_each_permission_state(sandbox):
    links = nep_json(sandbox, "files", "list", "1")
    by_name = {link["name"]: link for link in links}
    assert by_name["Kickoff presentation.pdf"]["status"] == "ViewAllowed"
    assert by_name["Old agenda.txt"]["status"] == "NotFound"
    assert by_name["Salaries.ods"]["status"] == "ViewNotAllowed"
    assert by_name["Slides drafts"]["is_folder"] is True
    assert {"id", "origin_id", "mime_type", "storage_id", "can_delete"} <= set(
        by_name["Kickoff presentation.pdf"]
    )


def test_attachments_list(sandbox):
    attachments = nep_json(sandbox, "attachments", "list", "1")
    assert isinstance(attachments, list)
    for attachment in attachments:
        assert {"id", "file_name", "file_size", "content_type", "created_at"} <= set(attachment)


def test_storage_list_and_ls(sandbox):
    storages = nep_json(sandbox, "storage", "list")
    assert [(s["id"], s["name"], s["authorization_state"]) for s in storages] == [
        (1, "Nextcloud", "Connected")
    ]
    root = nep_json(sandbox, "storage", "ls", "1")
    assert set(root) == {"files", "parent", "ancestors"}
    assert any(item["name"] == "OpenProject" and item["is_folder"] for item in root["files"])
    folder = nep_json(sandbox, "storage", "ls", "1", "/OpenProject")
    assert folder["parent"]["location"].rstrip("/") == "/OpenProject"


def test_notifications_list_unread(sandbox):
    unread = nep_json(sandbox, "notifications", "list", "--unread")
    assert unread and not any(n["read"] for n in unread)
    assert {"mentioned", "assigned", "commented"} <= {n["reason"] for n in unread}
    everything = nep_json(sandbox, "notifications", "list")
    assert len(everything) > len(unread)


def test_wrong_token_exits_3_and_never_echoes_the_token(sandbox):
    wrong = "opapi-" + "0" * 64
    run = nep("--server", sandbox.nepenthes_url, "--token", wrong, "--json", "projects", "list")
    assert run.exit_code == 3
    assert run.stderr.startswith("error: ") and len(run.stderr.strip().splitlines()) == 1
    assert wrong not in run.stdout + run.stderr


def test_unknown_work_package_exits_5(sandbox):
    run = nep(*as_user(sandbox), "--json", "wp", "show", "99999")
    assert run.exit_code == 5
    assert run.stdout == ""
    assert run.stderr.startswith("error: ")


def test_usage_errors_exit_2(sandbox):
    assert nep(*as_user(sandbox), "wp", "show", "not-a-number").exit_code == 2
    assert nep(*as_user(sandbox), "nonsense").exit_code == 2
    assert nep(*as_user(sandbox), "notifications", "read").exit_code == 2


def test_not_logged_in_exits_3():
    run = nep("projects", "list")
    assert run.exit_code == 3
    assert "nep-tui login" in run.stderr


def test_unreachable_server_exits_9():
    run = nep("--server", "http://127.0.0.1:9", "--token", "opapi-" + "1" * 64, "projects", "list")
    assert run.exit_code == 9
    assert "1" * 64 not in run.stderr


def test_plain_http_to_a_remote_host_is_refused():
    run = nep(
        "--server",
        "http://nepenthes.example.org",
        "--token",
        "secret-token-value",
        "projects",
        "list",
    )
    assert run.exit_code == 9
    assert "--insecure-http" in run.stderr
    assert "secret-token-value" not in run.stderr


def test_unlink_without_yes_off_a_terminal_refuses(sandbox):
    before = nep_json(sandbox, "files", "list", "1")
    run = nep(*as_user(sandbox), "files", "unlink", str(before[0]["id"]), input="y\n")
    assert run.exit_code == 2
    assert "--yes" in run.stderr
    assert nep_json(sandbox, "files", "list", "1") == before


def test_files_download_never_clobbers(sandbox, tmp_path):
    links = {link["name"]: link for link in nep_json(sandbox, "files", "list", "1")}
    link_id = str(links["Kickoff presentation.pdf"]["id"])

    saved = nep_json(sandbox, "files", "download", link_id, "-o", str(tmp_path))
    target = tmp_path / "Kickoff presentation.pdf"
    assert saved == {"link_id": int(link_id), "path": str(target), "size": target.stat().st_size}
    assert target.stat().st_size > 0

    target.write_bytes(b"my own edits")
    again = nep(*as_user(sandbox), "files", "download", link_id, "-o", str(tmp_path))
    assert again.exit_code == 6
    assert "--overwrite" in again.stderr
    assert target.read_bytes() == b"my own edits"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["Kickoff presentation.pdf"]

    replaced = nep_json(sandbox, "files", "download", link_id, "-o", str(tmp_path), "--overwrite")
    assert replaced["size"] == saved["size"] and target.read_bytes() != b"my own edits"


def test_files_download_to_a_chosen_file_name(sandbox, tmp_path):
    link_id = str(nep_json(sandbox, "files", "list", "1")[0]["id"])
    target = tmp_path / "chosen.bin"
    run = nep(*as_user(sandbox), "files", "download", link_id, "-o", str(target))
    assert run.exit_code == 0, run.stderr
    assert run.stdout.startswith(f"Saved {target}")
    assert target.is_file()


def test_files_download_of_a_forbidden_file_fails_cleanly(sandbox, tmp_path):
    links = {link["name"]: link for link in nep_json(sandbox, "files", "list", "1")}
    run = nep(
        *as_user(sandbox),
        "files",
        "download",
        str(links["Salaries.ods"]["id"]),
        "-o",
        str(tmp_path),
    )
    # OpenProject passes Nextcloud's 403 on as a 500 OutboundRequest error (see the notes).
    assert run.exit_code in (4, 5, 8)
    assert run.stderr.startswith("error: ")
    assert list(tmp_path.iterdir()) == []


def test_not_connected_to_nextcloud_exits_8_with_the_authorize_link(sandbox):
    run = nep(*as_user(sandbox, "newcomer"), "storage", "ls", "1")
    assert run.exit_code == 8
    assert "not connected" in run.stderr
    assert sandbox.nextcloud_url in run.stderr  # the authorize URL to open
