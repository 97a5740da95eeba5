"""The Nepenthes side reads real Nextcloud answers the way OpenProject does: PROPFIND
multistatus, fileinfo and filesinfo bodies recorded from a real Nextcloud, and the status URNs
a file link gets from them."""

from __future__ import annotations

import json

import pytest
from support import SHARED_DIR

from nep_tui.sandbox.nepenthes.file_links import status_link
from nep_tui.sandbox.nepenthes.nextcloud_client import dav_permissions, parse_multistatus
from nep_tui.sandbox.nepenthes.storage_files import entry_from_file_info

RECORDINGS = SHARED_DIR / "reference" / "nextcloud-recordings" / "nextcloud"


def recorded_body(name: str) -> str:
    path = RECORDINGS / name
    if not path.is_file():
        pytest.skip(f"Nextcloud recordings not found at {RECORDINGS}")
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load(path.read_text())["http_interactions"][0]["response"]["body"]["string"]


def test_propfind_of_a_folder_with_umlauts():
    entries = parse_multistatus(
        recorded_body("files_query_umlauts.yml").encode(), "/remote.php/dav/files/m.jade@death.star"
    )
    folder, document, data = entries
    assert (folder.id, folder.name, folder.location, folder.is_folder) == (
        "562",
        "Ümlæûts",
        "/Ümlæûts",
        True,
    )
    assert folder.mime_type == "application/x-op-directory"
    assert folder.permissions == ["readable", "writeable"]
    assert document.location == "/Ümlæûts/Anrüchiges deutsches Dokument.docx"
    assert (
        document.mime_type
        == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert (document.size, document.owner_name) == (19720, "Mara Jade")
    assert document.last_modified_at == "2024-08-09T11:51:40.000Z"
    assert (data.name, data.is_folder) == ("data", True)


def test_propfind_of_the_root():
    entries = parse_multistatus(
        recorded_body("files_query_root.yml").encode(), "/remote.php/dav/files/m.jade@death.star"
    )
    root = entries[0]
    assert (root.name, root.location, root.is_folder) == ("Root", "/", True)
    assert "/Folder with spaces" in {entry.location for entry in entries}


def test_fileinfo_of_a_folder_and_a_file():
    folder = entry_from_file_info(
        json.loads(recorded_body("file_info_query_success_folder.yml"))["ocs"]["data"]
    )
    assert (folder.location, folder.is_folder, folder.permissions) == (
        "/Folder/Ümlæûts",
        True,
        ["readable", "writeable"],
    )
    pdf = entry_from_file_info(
        json.loads(recorded_body("file_info_query_success_file.yml"))["ocs"]["data"]
    )
    assert (pdf.id, pdf.location, pdf.mime_type) == (
        "56",
        "/Reasons to use Nextcloud.pdf",
        "application/pdf",
    )
    assert pdf.last_modified_at == "2025-09-08T11:32:11.000Z"


def test_filesinfo_statuses_become_link_statuses():
    data = json.loads(recorded_body("files_info_query_success.yml"))["ocs"]["data"]
    titles = {file_id: status_link(entry["statuscode"])["title"] for file_id, entry in data.items()}
    assert titles == {"182": "View not allowed", "203": "View not allowed", "222": "View allowed"}
    assert status_link(404)["href"] == "urn:openproject-org:api:v3:file-links:NotFound"
    assert status_link(None)["href"] == "urn:openproject-org:api:v3:file-links:Error"


@pytest.mark.parametrize(
    "letters, is_folder, expected",
    [
        ("RGDNVW", False, ["readable", "writeable"]),
        ("RGDNVCK", True, ["readable", "writeable"]),
        ("SG", False, ["readable"]),
        ("RGDNVC", True, ["readable"]),
        ("", False, []),
    ],
)
def test_dav_permission_letters(letters, is_folder, expected):
    assert dav_permissions(letters, is_folder) == expected
