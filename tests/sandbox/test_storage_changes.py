"""Storage-side behaviour that changes data or needs faults: creating file links and folders
(in a sandbox of this module's own, so the shared demo data that snapshots see stays as seeded),
the fault switches, and connecting a user to Nextcloud through the real consent page."""

from __future__ import annotations

import re
import sqlite3
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin

import httpx
import pytest

URN = "urn:openproject-org:api:v3:"
DEMO_FOLDER = "/OpenProject/Nepenthes Demo (1)"


@pytest.fixture(scope="module")
def own_sandbox(tmp_path_factory):
    from nep_tui.sandbox.server import start_in_thread

    running = start_in_thread(tmp_path_factory.mktemp("storage-changes"), seed="demo")
    yield running
    running.stop()


def api(sandbox, login: str) -> httpx.Client:
    token = sandbox.user(login).api_token
    return httpx.Client(
        base_url=sandbox.nepenthes_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def error_id(answer: httpx.Response) -> str:
    return answer.json()["errorIdentifier"].removeprefix(URN + "errors:")


def own_work_package(client: httpx.Client) -> int:
    answer = client.post(
        "/api/v3/projects/1/work_packages", json={"subject": f"Links {uuid.uuid4().hex[:8]}"}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def element(origin_id: str, storage: dict | None = None, **origin) -> dict:
    return {
        "originData": {
            "id": origin_id,
            "name": f"file-{origin_id}.txt",
            "mimeType": "text/plain",
            **origin,
        },
        "_links": storage or {"storage": {"href": "/api/v3/storages/1"}},
    }


def post_links(client: httpx.Client, wp_id: int, elements: list[dict]) -> httpx.Response:
    body = {"_type": "Collection", "_embedded": {"elements": elements}}
    return client.post(f"/api/v3/work_packages/{wp_id}/file_links", json=body)


def status_of(client: httpx.Client, link_id: int, wp_id: int = 1) -> str:
    elements = client.get(f"/api/v3/work_packages/{wp_id}/file_links").json()["_embedded"][
        "elements"
    ]
    return next(e for e in elements if e["id"] == link_id)["_links"]["status"]["href"].removeprefix(
        URN + "file-links:"
    )


# --- creating and deleting links --------------------------------------------------------------


def test_twenty_links_at_once_are_created_twenty_one_refused(own_sandbox):
    client = api(own_sandbox, "member")
    wp_id = own_work_package(client)
    created = post_links(client, wp_id, [element(f"7{n:03}") for n in range(20)])
    assert created.status_code == 201, created.text
    collection = created.json()
    assert collection["count"] == 20
    assert {e["_links"]["status"]["href"] for e in collection["_embedded"]["elements"]} == {
        URN + "file-links:permission:ViewAllowed"
    }
    refused = post_links(client, wp_id, [element(f"8{n:03}") for n in range(21)])
    assert (refused.status_code, error_id(refused)) == (422, "PropertyConstraintViolation")
    total = client.get(f"/api/v3/work_packages/{wp_id}/file_links", params={"pageSize": 0}).json()[
        "total"
    ]
    assert total == 20


def test_an_existing_link_is_returned_as_it_is(own_sandbox):
    client = api(own_sandbox, "member")
    wp_id = own_work_package(client)
    first = post_links(client, wp_id, [element("9001")]).json()["_embedded"]["elements"][0]
    again = post_links(client, wp_id, [element("9001", name="renamed.txt")]).json()["_embedded"][
        "elements"
    ][0]
    assert again["id"] == first["id"]
    assert again["originData"]["name"] == "file-9001.txt"


def test_storage_url_with_or_without_trailing_slash(own_sandbox):
    client = api(own_sandbox, "member")
    wp_id = own_work_package(client)
    with_slash = {"storageUrl": {"href": own_sandbox.nextcloud_url + "/"}}
    without = {"storageUrl": {"href": own_sandbox.nextcloud_url}}
    answer = post_links(client, wp_id, [element("9101", with_slash), element("9102", without)])
    assert answer.status_code == 201, answer.text
    assert {e["_links"]["storage"]["href"] for e in answer.json()["_embedded"]["elements"]} == {
        "/api/v3/storages/1"
    }


def test_creation_is_all_or_nothing(own_sandbox):
    client = api(own_sandbox, "member")
    wp_id = own_work_package(client)
    bad_storage = {"storageUrl": {"href": "https://elsewhere.example"}}
    answer = post_links(client, wp_id, [element("9201"), element("9202", bad_storage)])
    assert answer.status_code == 422
    assert "Storage was invalid" in answer.json()["message"]
    assert client.get(f"/api/v3/work_packages/{wp_id}/file_links").json()["total"] == 0


def test_origin_id_and_name_are_required(own_sandbox):
    client = api(own_sandbox, "member")
    wp_id = own_work_package(client)
    answer = post_links(
        client,
        wp_id,
        [{"originData": {"id": "1"}, "_links": {"storage": {"href": "/api/v3/storages/1"}}}],
    )
    assert (answer.status_code, error_id(answer)) == (422, "PropertyConstraintViolation")


def test_several_invalid_elements_are_reported_together(own_sandbox):
    client = api(own_sandbox, "member")
    wp_id = own_work_package(client)
    nameless = {"originData": {"id": "9501"}, "_links": {"storage": {"href": "/api/v3/storages/1"}}}
    answer = post_links(
        client, wp_id, [nameless, element("9502", {"storage": {"href": "/api/v3/storages/42"}})]
    )
    assert (answer.status_code, error_id(answer)) == (422, "MultipleErrors")
    assert len(answer.json()["_embedded"]["errors"]) == 2


def test_delete_a_link(own_sandbox):
    client = api(own_sandbox, "member")
    wp_id = own_work_package(client)
    link_id = post_links(client, wp_id, [element("9301")]).json()["_embedded"]["elements"][0]["id"]
    assert client.get(f"/api/v3/file_links/{link_id}").status_code == 200
    assert client.delete(f"/api/v3/file_links/{link_id}").status_code == 204
    assert client.get(f"/api/v3/file_links/{link_id}").status_code == 404


def test_creating_links_needs_manage_file_links(own_sandbox):
    admin = api(own_sandbox, "admin")
    research_wp = admin.post(
        "/api/v3/projects/5/work_packages", json={"subject": "Research links"}
    ).json()["id"]
    answer = post_links(api(own_sandbox, "member"), research_wp, [element("9401")])
    assert answer.status_code == 404  # member cannot even see the work package


def test_create_folder(own_sandbox):
    client = api(own_sandbox, "member")
    parent_id = client.get("/api/v3/storages/1/files", params={"parent": DEMO_FOLDER}).json()[
        "parent"
    ]["id"]
    name = f"Folder {uuid.uuid4().hex[:8]}"
    answer = client.post("/api/v3/storages/1/folders", json={"parent_id": parent_id, "name": name})
    assert answer.status_code == 201, answer.text
    folder = answer.json()
    assert (folder["name"], folder["location"]) == (name, f"{DEMO_FOLDER}/{name}")
    assert folder["mimeType"] == "application/x-op-directory"
    listing = client.get("/api/v3/storages/1/files", params={"parent": DEMO_FOLDER}).json()
    assert name in {file["name"] for file in listing["files"]}


# --- faults -----------------------------------------------------------------------------------


def test_faults_api_is_for_admins_only(own_sandbox):
    assert api(own_sandbox, "member").get("/sandbox/faults").status_code == 403
    answer = api(own_sandbox, "member").post("/sandbox/faults", json={"delay_ms": 5})
    assert (answer.status_code, error_id(answer)) == (403, "MissingPermission")
    assert httpx.get(f"{own_sandbox.nepenthes_url}/sandbox/faults").status_code == 403
    current = api(own_sandbox, "admin").get("/sandbox/faults").json()
    assert current["nextcloud_unreachable"] is False


def test_unknown_fault_keys_are_refused(own_sandbox):
    answer = api(own_sandbox, "admin").post("/sandbox/faults", json={"explode": True})
    assert answer.status_code == 422


def test_unreachable_nextcloud(fresh_sandbox):
    admin = api(fresh_sandbox, "admin")
    assert admin.post("/sandbox/faults", json={"nextcloud_unreachable": True}).status_code == 200
    member = api(fresh_sandbox, "member")
    state = member.get("/api/v3/storages/1").json()["_links"]["authorizationState"]
    assert state["href"] == URN + "storages:authorization:Error"
    listing = member.get("/api/v3/storages/1/files")
    assert (listing.status_code, error_id(listing)) == (500, "InternalServerError")
    links = member.get("/api/v3/work_packages/1/file_links").json()["_embedded"]["elements"]
    assert {e["_links"]["status"]["href"] for e in links} == {URN + "file-links:Error"}
    admin.post("/sandbox/faults", json={"reset": True})
    state = member.get("/api/v3/storages/1").json()["_links"]["authorizationState"]
    assert state["href"] == URN + "storages:authorization:Connected"


def test_disconnect_and_connect_a_user(fresh_sandbox):
    member = api(fresh_sandbox, "member")
    fresh_sandbox.set_faults(disconnect_user="member")
    links = member.get("/api/v3/storages/1").json()["_links"]
    assert links["authorizationState"]["href"] == URN + "storages:authorization:NotConnected"
    assert "authorize" in links
    fresh_sandbox.set_faults(connect_user="member")
    links = member.get("/api/v3/storages/1").json()["_links"]
    assert links["authorizationState"]["href"] == URN + "storages:authorization:Connected"
    assert "authorize" not in links


def test_connect_through_the_consent_page(fresh_sandbox):
    """The browser's way: open `_links.authorize`, log in and grant on Nextcloud's page, follow
    the redirect to Nepenthes' callback; the newcomer is connected afterwards."""
    newcomer = api(fresh_sandbox, "newcomer")
    authorize = newcomer.get("/api/v3/storages/1").json()["_links"]["authorize"]["href"]
    browser = httpx.Client(timeout=30, follow_redirects=True)
    page = browser.get(authorize)
    assert page.status_code == 200
    form_action = re.search(r'<form[^>]*action="([^"]*)"', page.text)
    action = (
        urljoin(str(page.url), form_action.group(1).replace("&amp;", "&"))
        if form_action
        else str(page.url)
    )
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page.text))
    user = fresh_sandbox.user("newcomer")
    fields.update({"login": user.login, "user": user.login, "password": user.password})
    done = browser.post(action, data=fields)
    assert done.status_code == 200, done.text
    assert str(done.url).startswith(f"{fresh_sandbox.nepenthes_url}/oauth_clients/")
    assert "Connected" in done.text
    state = newcomer.get("/api/v3/storages/1").json()["_links"]["authorizationState"]
    assert state["href"] == URN + "storages:authorization:Connected"
    listing = newcomer.get("/api/v3/storages/1/files")
    assert listing.status_code == 200


def test_callback_with_an_unknown_state_is_refused(sandbox):
    answer = httpx.get(
        f"{sandbox.nepenthes_url}/oauth_clients/nepenthes-storage-client/callback",
        params={"code": "x", "state": "forged"},
    )
    assert answer.status_code == 400


def _upload_url(client: httpx.Client) -> str:
    answer = client.post(
        "/api/v3/storages/1/files/prepare_upload",
        json={"projectId": 1, "fileName": "big.bin", "parent": "/"},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["_links"]["destination"]["href"]


def test_quota_and_upload_limit_faults_reach_the_direct_upload(fresh_sandbox):
    member = api(fresh_sandbox, "member")
    fresh_sandbox.set_faults(quota_bytes={"member": 10})
    over_quota = httpx.post(_upload_url(member), files={"file": ("big.bin", b"x" * 1000)})
    assert over_quota.status_code == 507
    fresh_sandbox.set_faults(reset=True, upload_limit_bytes=100)
    too_large = httpx.post(_upload_url(member), files={"file": ("big.bin", b"x" * 1000)})
    assert too_large.status_code == 413
    assert too_large.json()["upload_limit"] == 100
    fresh_sandbox.set_faults(reset=True)
    fine = httpx.post(_upload_url(member), files={"file": ("big.bin", b"x" * 1000)})
    assert fine.status_code == 201


def test_file_link_failures_fail_that_many_creations_then_none(fresh_sandbox):
    admin, member = api(fresh_sandbox, "admin"), api(fresh_sandbox, "member")
    wp_id = own_work_package(member)
    assert (
        admin.post("/sandbox/faults", json={"file_link_failures": 2}).json()["file_link_failures"]
        == 2
    )
    assert (
        member.get(f"/api/v3/work_packages/{wp_id}/file_links").status_code == 200
    )  # only creations count
    for remaining in (1, 0):
        failed = post_links(member, wp_id, [element("9601"), element("9602")])
        assert (failed.status_code, error_id(failed)) == (500, "InternalServerError")
        assert failed.json()["message"] == "An internal error has occurred."
        assert admin.get("/sandbox/faults").json()["file_link_failures"] == remaining
    assert member.get(f"/api/v3/work_packages/{wp_id}/file_links").json()["total"] == 0
    created = post_links(member, wp_id, [element("9601"), element("9602")])
    assert (created.status_code, created.json()["count"]) == (201, 2)


def test_reset_clears_file_link_failures(fresh_sandbox):
    member = api(fresh_sandbox, "member")
    wp_id = own_work_package(member)
    fresh_sandbox.set_faults(file_link_failures=5)
    fresh_sandbox.set_faults(reset=True)
    assert post_links(member, wp_id, [element("9701")]).status_code == 201


@pytest.mark.parametrize("value", [True, -1, "2", 1.5, None])
def test_file_link_failures_must_be_a_count(own_sandbox, value):
    answer = api(own_sandbox, "admin").post("/sandbox/faults", json={"file_link_failures": value})
    assert (answer.status_code, error_id(answer)) == (422, "PropertyConstraintViolation")
    assert api(own_sandbox, "admin").get("/sandbox/faults").json()["file_link_failures"] == 0


def test_a_refused_token_that_cannot_be_refreshed_is_failed_authorization(fresh_sandbox):
    db = sqlite3.connect(fresh_sandbox.data_dir / "nepenthes.sqlite3")
    with db:
        db.execute(
            "UPDATE nextcloud_tokens SET access_token = 'revoked', refresh_token = 'revoked', expires_at = NULL"
        )
    db.close()
    links = api(fresh_sandbox, "member").get("/api/v3/storages/1").json()["_links"]
    assert links["authorizationState"] == {
        "href": URN + "storages:authorization:FailedAuthorization",
        "title": "Authorization failed",
    }
    assert links["authorize"]["href"].startswith(
        f"{fresh_sandbox.nextcloud_url}/index.php/apps/oauth2/authorize?"
    )


def test_refresh_when_the_nextcloud_token_expired(fresh_sandbox):
    """An expired stored token is refreshed at Nextcloud's token endpoint before the call; the
    refresh token rotates, so requests arriving together must not refresh it twice."""
    db = sqlite3.connect(fresh_sandbox.data_dir / "nepenthes.sqlite3")
    with db:
        db.execute("UPDATE nextcloud_tokens SET expires_at = 0")
    before = db.execute("SELECT access_token FROM nextcloud_tokens").fetchall()

    def state(_: int) -> str:
        return (
            api(fresh_sandbox, "member")
            .get("/api/v3/storages/1")
            .json()["_links"]["authorizationState"]["href"]
        )

    with ThreadPoolExecutor(max_workers=5) as pool:
        states = set(pool.map(state, range(5)))
    assert states == {URN + "storages:authorization:Connected"}
    after = db.execute("SELECT access_token FROM nextcloud_tokens").fetchall()
    assert before != after
    db.close()
