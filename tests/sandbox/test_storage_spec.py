"""The storage side's answers validated against the official OpenAPI spec's response schemas.

Where the sandbox follows the real server instead of the spec, the place is listed in
REAL_SERVER_DEVIATIONS with the reason; nothing else may differ."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

pytestmark = pytest.mark.spec

SPEC_URI = "urn:openproject-apiv3"

REAL_SERVER_DEVIATIONS = {
    "ProjectStorageModel.projectFolderMode=automatic": (
        "The real server has a third mode, `automatic` (automatically managed project folders); "
        "the spec's enum lists only inactive and manual."
    ),
    "DELETE /api/v3/file_links/{id} 204": (
        "API::Utilities::Endpoints::Delete answers 204 No Content; the spec says 200."
    ),
    "GET /api/v3/storages/{id}/files 500": (
        "The storage query's raise_error maps Nextcloud's 404 to 500 OutboundRequest:NotFound and a "
        "failed connection to 500 InternalServerError; the spec only knows a 404."
    ),
    "GET /api/v3/storages/{id}/files 401": (
        "A user without a working Nextcloud token gets 401 Unauthenticated (re-authorize the storage)."
    ),
    "GET /api/v3/storages/{id}/files/{file_id} 200": (
        "Not in the spec; the real server has it (fileinfo) and answers a StorageFile."
    ),
    "GET /api/v3/file_links/{id}/download 500": (
        "A linked file missing in Nextcloud gives 500 OutboundRequest:NotFound, as the real server does."
    ),
    "POST /api/v3/storages/{id}/oauth_client_credentials 201": (
        "The real server answers OAuthClientCredentials (OAuthClients::CreateService's result),"
        " not the Storage the spec names (notes/admin-setup.md §9)."
    ),
    "PATCH /api/v3/storages/{id} 422": (
        "The real update contract rejects a bad name, host or application password with 422,"
        " as on create; the spec lists no 422 for PATCH."
    ),
    "POST /api/v3/storages/{id}/oauth_client_credentials 422": (
        "A blank clientId or clientSecret is a contract error (422) on the real server."
    ),
    "POST /api/v3/file_links 201": (
        "Not in the spec; the real server creates links without a container there (for work "
        "packages not saved yet), visible to their creator only, with a null container; answered "
        "as a FileLinkCollection. nep-tui downloads unlinked storage files through such links."
    ),
    "POST /api/v3/file_links 403": (
        "Not in the spec; without manage_file_links in a project of the storage."
    ),
    "forbiddenFileNameCharacters": (
        "A fixed value, the one a live Nextcloud storage answered (recorded GET"
        " /api/v3/storages/1); the sandbox does not derive it from its Nextcloud."
    ),
    "project storage filter values": (
        "projectId/storageId values are only checked to be integers (InvalidQuery otherwise);"
        " whether the real filters also require existing projects/storages is not verified."
    ),
    "POST /api/v3/storages/{id}/folders body parent_id": (
        "The real endpoint's params are `parent_id` and `name`; the spec's `parentId` is accepted too."
    ),
}


@pytest.fixture(scope="module")
def spec(openapi_spec_path) -> dict[str, Any]:
    loaded = json.loads(openapi_spec_path.read_text())
    patched = copy.deepcopy(loaded)
    mode = patched["components"]["schemas"]["ProjectStorageModel"]["properties"][
        "projectFolderMode"
    ]
    assert "automatic" not in mode["enum"], "the spec learned `automatic`: drop the deviation"
    mode["enum"].append("automatic")
    # InvalidQuery carries the query's full_messages, a list (test_core_spec's deviation).
    patched["components"]["schemas"]["ErrorResponse"]["properties"]["message"] = {
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
    }
    return patched


def _validator(spec: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    registry = Registry().with_resource(
        SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    rebased = json.loads(json.dumps(schema).replace('"#/components/', f'"{SPEC_URI}#/components/'))
    return Draft202012Validator(
        rebased, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def check(spec: dict[str, Any], method: str, template: str, answer: httpx.Response) -> None:
    """The answer's status is documented for the operation (or a listed deviation) and its
    body validates against the documented schema (ErrorResponse for undocumented errors)."""
    key = f"{method} {template} {answer.status_code}"
    operation = spec["paths"].get(template, {}).get(method.lower())
    documented = (operation or {}).get("responses", {}).get(str(answer.status_code))
    if documented is None:
        assert key in REAL_SERVER_DEVIATIONS, f"{key} is neither in the spec nor a listed deviation"
    if "$ref" in (documented or {}):
        documented = spec["components"]["responses"][documented["$ref"].rsplit("/", 1)[-1]]
    content = (documented or {}).get("content", {})
    if "text/plain" in content:
        assert answer.headers["content-type"].startswith("text/plain")
        return
    schema = (content.get("application/hal+json") or {}).get("schema")
    if schema is None and answer.status_code >= 400:
        schema = {"$ref": "#/components/schemas/ErrorResponse"}
    if schema is None and key == "GET /api/v3/storages/{id}/files/{file_id} 200":
        schema = {"$ref": "#/components/schemas/StorageFileModel"}
    if schema is None and key == "POST /api/v3/file_links 201":
        schema = {"$ref": "#/components/schemas/FileLinkCollectionReadModel"}
    if answer.status_code == 303:
        assert answer.headers["location"].startswith("http")
    if schema is not None:
        errors = sorted(_validator(spec, schema).iter_errors(answer.json()), key=str)
        assert not errors, f"{key}: " + "; ".join(
            f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]
        )


def api(sandbox, login: str) -> httpx.Client:
    token = sandbox.user(login).api_token
    return httpx.Client(
        base_url=sandbox.nepenthes_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


DEMO_FOLDER = "/OpenProject/Nepenthes Demo (1)"


@pytest.mark.parametrize("login", ["member", "newcomer", "admin"])
def test_storages(spec, sandbox, login):
    client = api(sandbox, login)
    check(spec, "GET", "/api/v3/storages", client.get("/api/v3/storages"))
    check(spec, "GET", "/api/v3/storages/{id}", client.get("/api/v3/storages/1"))
    check(spec, "GET", "/api/v3/storages/{id}", client.get("/api/v3/storages/42"))
    check(spec, "GET", "/api/v3/storages/{id}/open", client.get("/api/v3/storages/1/open"))


def test_project_storages(spec, sandbox):
    client = api(sandbox, "member")
    check(spec, "GET", "/api/v3/project_storages", client.get("/api/v3/project_storages"))
    bad = client.get("/api/v3/project_storages", params={"filters": "[{"})
    check(spec, "GET", "/api/v3/project_storages", bad)
    check(spec, "GET", "/api/v3/project_storages/{id}", client.get("/api/v3/project_storages/1"))
    check(spec, "GET", "/api/v3/project_storages/{id}", client.get("/api/v3/project_storages/999"))
    check(
        spec,
        "GET",
        "/api/v3/project_storages/{id}/open",
        client.get("/api/v3/project_storages/1/open"),
    )


def test_storage_files(spec, sandbox):
    client = api(sandbox, "member")
    listing = client.get("/api/v3/storages/1/files", params={"parent": DEMO_FOLDER})
    check(spec, "GET", "/api/v3/storages/{id}/files", listing)
    check(spec, "GET", "/api/v3/storages/{id}/files", client.get("/api/v3/storages/1/files"))
    check(
        spec,
        "GET",
        "/api/v3/storages/{id}/files",
        client.get("/api/v3/storages/1/files", params={"parent": "/nope"}),
    )
    pdf = next(
        file for file in listing.json()["files"] if file["name"] == "Kickoff presentation.pdf"
    )
    check(
        spec,
        "GET",
        "/api/v3/storages/{id}/files",
        client.get("/api/v3/storages/1/files", params={"parent": pdf["location"]}),
    )
    check(
        spec,
        "GET",
        "/api/v3/storages/{id}/files",
        api(sandbox, "newcomer").get("/api/v3/storages/1/files"),
    )
    check(
        spec,
        "GET",
        "/api/v3/storages/{id}/files/{file_id}",
        client.get(f"/api/v3/storages/1/files/{pdf['id']}"),
    )

    upload = "/api/v3/storages/{id}/files/prepare_upload"
    folder_id = listing.json()["parent"]["id"]
    good = {"projectId": 1, "fileName": "spec.txt", "parent": folder_id}
    check(spec, "POST", upload, client.post("/api/v3/storages/1/files/prepare_upload", json=good))
    check(
        spec,
        "POST",
        upload,
        client.post("/api/v3/storages/1/files/prepare_upload", json={"fileName": "x"}),
    )
    check(
        spec,
        "POST",
        upload,
        client.post("/api/v3/storages/1/files/prepare_upload", json={**good, "projectId": 5}),
    )
    check(
        spec,
        "POST",
        upload,
        client.post("/api/v3/storages/1/files/prepare_upload", json={**good, "parent": pdf["id"]}),
    )


def test_links_without_a_work_package(spec, fresh_sandbox):
    member = api(fresh_sandbox, "member")
    listing = member.get("/api/v3/storages/1/files", params={"parent": DEMO_FOLDER}).json()
    file = next(
        item for item in listing["files"] if item["mimeType"] != "application/x-op-directory"
    )
    body = {
        "_type": "Collection",
        "_embedded": {
            "elements": [
                {
                    "originData": {"id": file["id"], "name": file["name"]},
                    "_links": {"storage": {"href": "/api/v3/storages/1"}},
                }
            ]
        },
    }
    created = member.post("/api/v3/file_links", json=body)
    check(spec, "POST", "/api/v3/file_links", created)
    [link] = created.json()["_embedded"]["elements"]
    assert link["_links"]["container"] == {"href": None}
    check(spec, "GET", "/api/v3/file_links/{id}", member.get(f"/api/v3/file_links/{link['id']}"))
    check(
        spec,
        "GET",
        "/api/v3/file_links/{id}/download",
        member.get(f"/api/v3/file_links/{link['id']}/download"),
    )
    newcomer = api(fresh_sandbox, "newcomer")
    check(spec, "POST", "/api/v3/file_links", newcomer.post("/api/v3/file_links", json=body))
    check(spec, "GET", "/api/v3/file_links/{id}", newcomer.get(f"/api/v3/file_links/{link['id']}"))
    check(
        spec,
        "DELETE",
        "/api/v3/file_links/{id}",
        member.delete(f"/api/v3/file_links/{link['id']}"),
    )


def test_created_folders_and_links(spec, fresh_sandbox):
    """Answers that change data, on a sandbox of the test's own."""
    client = api(fresh_sandbox, "member")
    folder_id = client.get("/api/v3/storages/1/files", params={"parent": DEMO_FOLDER}).json()[
        "parent"
    ]["id"]
    folder = {"parent_id": folder_id, "name": "Spec folder"}
    check(
        spec,
        "POST",
        "/api/v3/storages/{id}/folders",
        client.post("/api/v3/storages/1/folders", json=folder),
    )
    collection = "/api/v3/work_packages/{id}/file_links"
    check(spec, "GET", collection, client.get("/api/v3/work_packages/1/file_links"))
    check(
        spec,
        "GET",
        collection,
        api(fresh_sandbox, "newcomer").get("/api/v3/work_packages/1/file_links"),
    )
    check(
        spec,
        "GET",
        collection,
        client.get("/api/v3/work_packages/1/file_links", params={"pageSize": 0}),
    )

    wp_id = client.post("/api/v3/projects/1/work_packages", json={"subject": "Spec links"}).json()[
        "id"
    ]

    def body(count: int) -> dict:
        elements = [
            {
                "originData": {"id": f"55{n}", "name": f"s{n}.txt"},
                "_links": {"storage": {"href": "/api/v3/storages/1"}},
            }
            for n in range(count)
        ]
        return {"_type": "Collection", "_embedded": {"elements": elements}}

    created = client.post(f"/api/v3/work_packages/{wp_id}/file_links", json=body(2))
    check(spec, "POST", collection, created)
    check(
        spec,
        "POST",
        collection,
        client.post(f"/api/v3/work_packages/{wp_id}/file_links", json=body(21)),
    )
    check(
        spec,
        "POST",
        collection,
        client.post(f"/api/v3/work_packages/{wp_id}/file_links", content=b"{}"),
    )

    link_id = created.json()["_embedded"]["elements"][0]["id"]
    check(spec, "GET", "/api/v3/file_links/{id}", client.get(f"/api/v3/file_links/{link_id}"))
    check(
        spec,
        "GET",
        "/api/v3/file_links/{id}/open",
        client.get(f"/api/v3/file_links/{link_id}/open"),
    )
    demo_links = client.get("/api/v3/work_packages/1/file_links").json()["_embedded"]["elements"]
    pdf = next(
        link for link in demo_links if link["originData"]["name"] == "Kickoff presentation.pdf"
    )
    check(
        spec,
        "GET",
        "/api/v3/file_links/{id}/download",
        client.get(f"/api/v3/file_links/{pdf['id']}/download"),
    )
    gone = next(link for link in demo_links if link["originData"]["name"] == "Old agenda.txt")
    check(
        spec,
        "GET",
        "/api/v3/file_links/{id}/download",
        client.get(f"/api/v3/file_links/{gone['id']}/download"),
    )
    check(spec, "DELETE", "/api/v3/file_links/{id}", client.delete(f"/api/v3/file_links/{link_id}"))
    check(spec, "GET", "/api/v3/file_links/{id}", client.get(f"/api/v3/file_links/{link_id}"))


# --- storage administration (admin only) ---------------------------------------------------

ADMIN_SCHEMAS = {
    "POST /api/v3/storages/{id}/oauth_client_credentials 201": "OAuthClientCredentialsReadModel",
}


def check_admin(spec: dict[str, Any], method: str, template: str, answer: httpx.Response) -> None:
    """`check`, with the schema the real server's answer follows where it is a deviation."""
    key = f"{method} {template} {answer.status_code}"
    if key not in ADMIN_SCHEMAS:
        check(spec, method, template, answer)
        return
    assert key in REAL_SERVER_DEVIATIONS
    schema = {"$ref": f"#/components/schemas/{ADMIN_SCHEMAS[key]}"}
    errors = sorted(_validator(spec, schema).iter_errors(answer.json()), key=str)
    assert not errors, f"{key}: " + "; ".join(e.message for e in errors[:5])


@pytest.fixture
def bare(tmp_path):
    from nep_tui.sandbox.server import start_in_thread

    running = start_in_thread(tmp_path / "bare", seed="bare")
    yield running
    running.stop()


def test_storage_administration(spec, bare):
    admin, member = api(bare, "admin"), api(bare, "member")
    host = {"href": bare.nextcloud_url}
    nextcloud_type = {"href": "urn:openproject-org:api:v3:storages:Nextcloud"}
    body = {"name": "Cloud", "_links": {"origin": host, "type": nextcloud_type}}
    check_admin(spec, "POST", "/api/v3/storages", member.post("/api/v3/storages", json=body))
    created = admin.post("/api/v3/storages", json=body)
    check_admin(spec, "POST", "/api/v3/storages", created)
    assert created.json()["_embedded"]["oauthApplication"]["clientSecret"]
    taken = admin.post("/api/v3/storages", json=body)
    check_admin(spec, "POST", "/api/v3/storages", taken)
    assert taken.json()["message"] == "Multiple field constraints have been violated."
    storage_id = created.json()["id"]
    application = created.json()["_links"]["oauthApplication"]["href"]
    shown = admin.get(application)
    check_admin(spec, "GET", "/api/v3/oauth_applications/{id}", shown)
    assert "clientSecret" not in shown.json()
    check_admin(spec, "GET", "/api/v3/oauth_applications/{id}", member.get(application))
    path = f"/api/v3/storages/{storage_id}"
    check_admin(spec, "PATCH", "/api/v3/storages/{id}", admin.patch(path, json={"name": "C2"}))
    refused = admin.patch(path, json={"applicationPassword": "wrong"})
    check_admin(spec, "PATCH", "/api/v3/storages/{id}", refused)
    assert refused.json()["message"] == "Application password is not valid."
    credentials = admin.post(
        f"{path}/oauth_client_credentials", json={"clientId": "id", "clientSecret": "secret"}
    )
    check_admin(spec, "POST", "/api/v3/storages/{id}/oauth_client_credentials", credentials)
    assert "clientSecret" not in credentials.json()
    blank = admin.post(f"{path}/oauth_client_credentials", json={"clientId": ""})
    check_admin(spec, "POST", "/api/v3/storages/{id}/oauth_client_credentials", blank)
    credentials_path = credentials.json()["_links"]["self"]["href"]
    check_admin(spec, "GET", "/api/v3/oauth_client_credentials/{id}", admin.get(credentials_path))
    check_admin(spec, "GET", "/api/v3/storages/{id}", admin.get(path))
    check_admin(spec, "DELETE", "/api/v3/storages/{id}", member.delete(path))
    check_admin(spec, "DELETE", "/api/v3/storages/{id}", admin.delete(path))
    check_admin(spec, "DELETE", "/api/v3/storages/{id}", admin.delete(path))
