"""The sandbox's storage side against the demo seed, over real HTTP; read-only on the shared
sandbox (upload tokens aside), changes are in test_sandbox_storage_changes.py."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

URN = "urn:openproject-org:api:v3:"
DEMO_FOLDER = "/OpenProject/Nepenthes Demo (1)"


def api(sandbox, login: str) -> httpx.Client:
    token = sandbox.user(login).api_token
    return httpx.Client(
        base_url=sandbox.nepenthes_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def links_by_name(client: httpx.Client, wp_id: int = 1) -> dict[str, dict]:
    answer = client.get(f"/api/v3/work_packages/{wp_id}/file_links")
    assert answer.status_code == 200, answer.text
    return {
        element["originData"]["name"]: element for element in answer.json()["_embedded"]["elements"]
    }


def error_id(answer: httpx.Response) -> str:
    return answer.json()["errorIdentifier"].removeprefix(URN + "errors:")


# --- storages ---------------------------------------------------------------------------------


def test_member_sees_the_storage_connected_with_upload_links_for_their_projects(sandbox):
    storage = api(sandbox, "member").get("/api/v3/storages/1").json()
    links = storage["_links"]
    assert links["authorizationState"] == {
        "href": URN + "storages:authorization:Connected",
        "title": "Connected",
    }
    assert "authorize" not in links
    assert links["type"]["href"] == URN + "storages:Nextcloud"
    assert links["origin"]["href"] == sandbox.nextcloud_url
    assert (
        links["authenticationMethod"]["href"] == URN + "storages:authenticationMethod:TwoWayOAuth2"
    )
    assert [entry["payload"]["projectId"] for entry in links["prepareUpload"]] == [1, 2, 3, 4]
    assert links["projectStorages"]["href"].startswith("/api/v3/project_storages?filters=")


def test_newcomer_is_not_connected_and_gets_an_authorize_link_with_a_state(sandbox):
    links = api(sandbox, "newcomer").get("/api/v3/storages/1").json()["_links"]
    assert links["authorizationState"]["href"] == URN + "storages:authorization:NotConnected"
    authorize = urlsplit(links["authorize"]["href"])
    assert f"{authorize.scheme}://{authorize.netloc}" == sandbox.nextcloud_url
    assert authorize.path == "/index.php/apps/oauth2/authorize"
    query = parse_qs(authorize.query)
    assert query["redirect_uri"] == [
        f"{sandbox.nepenthes_url}/oauth_clients/{query['client_id'][0]}/callback"
    ]
    assert query["response_type"] == ["code"]
    assert query["state"][0]


def test_storage_list_and_open(sandbox):
    client = api(sandbox, "member")
    collection = client.get("/api/v3/storages").json()
    assert [element["id"] for element in collection["_embedded"]["elements"]] == [1]
    answer = client.get("/api/v3/storages/1/open")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{sandbox.nextcloud_url}/index.php/apps/files"


@pytest.mark.parametrize(
    "path", ["/api/v3/storages/99", "/api/v3/storages/abc", "/api/v3/storages/99/files"]
)
def test_unknown_storage_is_404(sandbox, path):
    answer = api(sandbox, "member").get(path)
    assert answer.status_code == 404
    assert error_id(answer) == "NotFound"


# --- project storages -------------------------------------------------------------------------


def test_project_storages_with_automatic_folders(sandbox):
    client = api(sandbox, "member")
    elements = client.get("/api/v3/project_storages").json()["_embedded"]["elements"]
    assert {element["projectFolderMode"] for element in elements} == {"automatic"}
    projects = [element["_links"]["project"]["href"] for element in elements]
    assert "/api/v3/projects/5" not in projects  # member is not in Research Lab
    demo = next(
        element
        for element in elements
        if element["_links"]["project"]["href"] == "/api/v3/projects/1"
    )
    assert demo["_links"]["projectFolder"]["href"].startswith("/api/v3/storages/1/files/")


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("project_id", "1", 1),
        ("projectId", "2", 1),
        ("storage_id", "1", 4),
        ("storageUrl", "{nc}/", 4),
        ("storage_url", "https://elsewhere.example", 0),
    ],
)
def test_project_storage_filters(sandbox, name, value, expected):
    filters = json.dumps(
        [{name: {"operator": "=", "values": [value.format(nc=sandbox.nextcloud_url)]}}]
    )
    collection = (
        api(sandbox, "member").get("/api/v3/project_storages", params={"filters": filters}).json()
    )
    assert collection["total"] == expected


def test_bad_project_storage_filter_is_invalid_query(sandbox):
    filters = json.dumps([{"colour": {"operator": "=", "values": ["1"]}}])
    answer = api(sandbox, "member").get("/api/v3/project_storages", params={"filters": filters})
    assert answer.status_code == 400
    assert error_id(answer) == "InvalidQuery"


def test_project_storage_open_goes_to_the_project_folder(sandbox):
    client = api(sandbox, "member")
    element = client.get("/api/v3/project_storages/1").json()
    folder_id = element["_links"]["projectFolder"]["href"].rsplit("/", 1)[-1]
    answer = client.get("/api/v3/project_storages/1/open")
    assert answer.status_code == 303
    assert (
        answer.headers["location"] == f"{sandbox.nextcloud_url}/index.php/f/{folder_id}?openfile=1"
    )


# --- storage files ----------------------------------------------------------------------------


def test_listing_a_project_folder(sandbox):
    listing = (
        api(sandbox, "member")
        .get("/api/v3/storages/1/files", params={"parent": DEMO_FOLDER})
        .json()
    )
    assert listing["_type"] == "StorageFiles"
    assert listing["parent"]["location"] == DEMO_FOLDER
    assert listing["parent"]["mimeType"] == "application/x-op-directory"
    names = {file["name"]: file for file in listing["files"]}
    assert {"Kickoff presentation.pdf", "Slides drafts"} <= set(names)
    assert "Old agenda.txt" not in names  # in the trash
    assert "Salaries.ods" not in names  # hidden from member
    pdf = names["Kickoff presentation.pdf"]
    assert pdf["mimeType"] == "application/pdf"
    assert pdf["location"] == f"{DEMO_FOLDER}/Kickoff presentation.pdf"
    assert "readable" in pdf["permissions"]
    assert [(a["name"], a["location"]) for a in listing["ancestors"]] == [
        ("Root", "/"),
        ("OpenProject", "/OpenProject"),
    ]
    assert listing["ancestors"][1]["id"] == hashlib.sha256(b"OpenProject").hexdigest()


def test_root_listing_has_no_ancestors(sandbox):
    listing = api(sandbox, "member").get("/api/v3/storages/1/files").json()
    assert listing["parent"]["name"] == "Root"
    assert listing["parent"]["location"] == "/"
    assert listing["ancestors"] == []


def test_listing_errors_follow_the_real_server(sandbox):
    client = api(sandbox, "member")
    missing = client.get("/api/v3/storages/1/files", params={"parent": "/No such folder"})
    assert missing.status_code == 500
    assert error_id(missing) == "OutboundRequest:NotFound"
    a_file = client.get(
        "/api/v3/storages/1/files", params={"parent": f"{DEMO_FOLDER}/Kickoff presentation.pdf"}
    )
    assert a_file.status_code == 400
    not_connected = api(sandbox, "newcomer").get("/api/v3/storages/1/files")
    assert not_connected.status_code == 401
    assert error_id(not_connected) == "Unauthenticated"


def test_one_storage_file_by_id(sandbox):
    client = api(sandbox, "member")
    listing = client.get("/api/v3/storages/1/files", params={"parent": DEMO_FOLDER}).json()
    pdf = next(file for file in listing["files"] if file["name"] == "Kickoff presentation.pdf")
    one = client.get(f"/api/v3/storages/1/files/{pdf['id']}").json()
    assert (one["id"], one["name"], one["location"]) == (pdf["id"], pdf["name"], pdf["location"])
    missing = client.get("/api/v3/storages/1/files/999999")
    assert (missing.status_code, error_id(missing)) == (500, "OutboundRequest:NotFound")


def _demo_folder_id(client: httpx.Client) -> str:
    return client.get("/api/v3/storages/1/files", params={"parent": DEMO_FOLDER}).json()["parent"][
        "id"
    ]


def test_prepare_upload_answers_a_nextcloud_direct_upload_link(sandbox):
    client = api(sandbox, "member")
    body = {"projectId": 1, "fileName": "report.pdf", "parent": _demo_folder_id(client)}
    answer = client.post("/api/v3/storages/1/files/prepare_upload", json=body)
    assert answer.status_code == 201, answer.text
    destination = answer.json()["_links"]["destination"]
    assert destination["method"] == "post"
    prefix = f"{sandbox.nextcloud_url}/index.php/apps/integration_openproject/direct-upload/"
    assert destination["href"].startswith(prefix)
    assert len(destination["href"].removeprefix(prefix)) == 64


def test_prepare_upload_accepts_slash_for_the_root(sandbox):
    body = {"projectId": 1, "fileName": "root.txt", "parent": "/"}
    answer = api(sandbox, "member").post("/api/v3/storages/1/files/prepare_upload", json=body)
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"projectId": 1, "fileName": "a.txt"},
        {"projectId": "x", "fileName": "a", "parent": "/"},
        [1],
    ],
)
def test_prepare_upload_with_a_malformed_body_is_400(sandbox, body):
    answer = api(sandbox, "member").post("/api/v3/storages/1/files/prepare_upload", json=body)
    assert answer.status_code == 400
    assert answer.json()["message"] == "Request body malformed!"


def test_prepare_upload_needs_manage_file_links_in_the_project(sandbox):
    body = {"projectId": 5, "fileName": "a.txt", "parent": "/"}
    answer = api(sandbox, "member").post("/api/v3/storages/1/files/prepare_upload", json=body)
    assert (answer.status_code, error_id(answer)) == (403, "MissingPermission")


def test_prepare_upload_into_a_file_is_an_outbound_not_found(sandbox):
    client = api(sandbox, "member")
    listing = client.get("/api/v3/storages/1/files", params={"parent": DEMO_FOLDER}).json()
    pdf = next(file for file in listing["files"] if file["name"] == "Kickoff presentation.pdf")
    answer = client.post(
        "/api/v3/storages/1/files/prepare_upload",
        json={"projectId": 1, "fileName": "a.txt", "parent": pdf["id"]},
    )
    assert (answer.status_code, error_id(answer)) == (500, "OutboundRequest:NotFound")


def test_body_without_content_type_is_406_and_wrong_type_415(sandbox):
    client = api(sandbox, "member")
    missing = client.post("/api/v3/storages/1/files/prepare_upload", content=b"{}")
    assert (missing.status_code, missing.text) == (406, "Missing content-type header")
    wrong = client.post(
        "/api/v3/storages/1/files/prepare_upload",
        content=b"{}",
        headers={"Content-Type": "text/plain"},
    )
    assert (wrong.status_code, error_id(wrong)) == (415, "TypeNotSupported")


# --- file links -------------------------------------------------------------------------------


def _status(element: dict) -> str:
    return element["_links"]["status"]["href"].removeprefix(URN + "file-links:")


def test_member_sees_every_link_state_of_the_demo(sandbox):
    links = links_by_name(api(sandbox, "member"))
    assert {name: _status(element) for name, element in links.items()} == {
        "Kickoff presentation.pdf": "permission:ViewAllowed",
        "Team photo.png": "permission:ViewAllowed",
        "Budget 2026.xlsx": "permission:ViewAllowed",
        "Slides drafts": "permission:ViewAllowed",
        "Old agenda.txt": "NotFound",
        "Salaries.ods": "permission:ViewNotAllowed",
    }
    assert links["Old agenda.txt"]["_links"]["status"]["title"] == "Not found"
    assert links["Salaries.ods"]["_links"]["status"]["title"] == "View not allowed"
    assert links["Slides drafts"]["originData"]["mimeType"] == "application/x-op-directory"
    # Deleted or forbidden files keep their last known data.
    assert links["Old agenda.txt"]["originData"]["name"] == "Old agenda.txt"


def test_admin_may_see_the_hidden_file(sandbox):
    links = links_by_name(api(sandbox, "admin"))
    assert _status(links["Salaries.ods"]) == "permission:ViewAllowed"
    assert _status(links["Old agenda.txt"]) == "NotFound"


def test_a_user_without_a_nextcloud_token_sees_errors(sandbox):
    links = links_by_name(api(sandbox, "newcomer"))
    assert {_status(element) for element in links.values()} == {"Error"}
    assert {element["_links"]["status"]["title"] for element in links.values()} == {"Error"}


def test_link_shape(sandbox):
    link = links_by_name(api(sandbox, "member"))["Kickoff presentation.pdf"]
    link_id = link["id"]
    assert link["_links"]["staticOriginOpen"]["href"] == f"/api/v3/file_links/{link_id}/open"
    assert (
        link["_links"]["staticOriginOpenLocation"]["href"]
        == f"/api/v3/file_links/{link_id}/open?location=true"
    )
    assert (
        link["_links"]["staticOriginDownload"]["href"] == f"/api/v3/file_links/{link_id}/download"
    )
    assert link["_links"]["delete"]["method"] == "delete"
    assert link["_links"]["container"]["href"] == "/api/v3/work_packages/1"
    assert link["_embedded"]["storage"]["id"] == 1
    assert "size" not in link["originData"]


def test_page_size_zero_skips_the_sync(sandbox):
    collection = (
        api(sandbox, "member")
        .get("/api/v3/work_packages/1/file_links", params={"pageSize": 0})
        .json()
    )
    assert (collection["total"], collection["count"]) == (6, 0)


def test_storage_filter_on_links(sandbox):
    client = api(sandbox, "member")
    for storage_id, expected in (("1", 6), ("2", 0)):
        filters = json.dumps([{"storage": {"operator": "=", "values": [storage_id]}}])
        collection = client.get(
            "/api/v3/work_packages/1/file_links", params={"filters": filters}
        ).json()
        assert collection["total"] == expected


def test_open_redirects_to_the_nextcloud_permalink(sandbox):
    client = api(sandbox, "member")
    link = links_by_name(client)["Kickoff presentation.pdf"]
    file_id = link["originData"]["id"]
    answer = client.get(f"/api/v3/file_links/{link['id']}/open")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{sandbox.nextcloud_url}/index.php/f/{file_id}?openfile=1"
    location = client.get(f"/api/v3/file_links/{link['id']}/open", params={"location": "true"})
    assert (
        location.headers["location"] == f"{sandbox.nextcloud_url}/index.php/f/{file_id}?openfile=0"
    )


def test_download_redirects_to_a_working_nextcloud_direct_link(sandbox):
    client = api(sandbox, "member")
    link = links_by_name(client)["Kickoff presentation.pdf"]
    answer = client.get(f"/api/v3/file_links/{link['id']}/download")
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith(
        f"{sandbox.nextcloud_url}/index.php/apps/integration_openproject/direct/"
    )
    assert location.endswith("/Kickoff%20presentation.pdf")
    content = httpx.get(location, timeout=30)
    assert content.status_code == 200
    assert content.content.startswith(b"%PDF")


def test_download_of_a_deleted_file_is_an_outbound_not_found(sandbox):
    client = api(sandbox, "member")
    link = links_by_name(client)["Old agenda.txt"]
    answer = client.get(f"/api/v3/file_links/{link['id']}/download")
    assert (answer.status_code, error_id(answer)) == (500, "OutboundRequest:NotFound")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v3/file_links/9999",
        "/api/v3/file_links/9999/open",
        "/api/v3/work_packages/9999/file_links",
    ],
)
def test_unknown_links_and_work_packages_are_404(sandbox, path):
    answer = api(sandbox, "member").get(path)
    assert (answer.status_code, error_id(answer)) == (404, "NotFound")


def test_links_of_a_project_the_user_is_not_in_are_hidden(sandbox):
    admin = api(sandbox, "admin")
    research_wp = admin.get(
        "/api/v3/work_packages",
        params={"filters": json.dumps([{"project": {"operator": "=", "values": ["5"]}}])},
    ).json()["_embedded"]["elements"][0]["id"]
    answer = api(sandbox, "member").get(f"/api/v3/work_packages/{research_wp}/file_links")
    assert answer.status_code == 404
