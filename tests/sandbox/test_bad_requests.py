"""Every sandbox route, sent every kind of bad request: never a 500, never a traceback, always
the real error shape.

The routes are read from the Starlette routers of both servers (throwaway apps built at
collection time), so a route added later is checked without anyone listing it here. API v3
routes must answer `_type: Error` with an `urn:openproject-org:api:v3:errors:` identifier;
Nextcloud routes answer in their own shapes (OCS envelope, `{"error": ..}`, Sabre XML, HTML).

Requests that could change data go to a sandbox of this module's own, read-only ones to the
shared session sandbox.
"""

from __future__ import annotations

import base64
import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.routing import Route

API_ERROR_PREFIX = "urn:openproject-org:api:v3:errors:"
OUTBOUND_REQUEST = API_ERROR_PREFIX + "OutboundRequest"
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+")
SAFE_METHODS = ("GET", "OPTIONS")
# Valid values for path parameters (demo seed), so that only the bad part of a request is bad.
PATH_VALUES = {
    "ref": "demo",
    "id": "1",
    "identifier": "1-1",
    "storage_id": "1",
    "file_id": "1",
    "project_storage_id": "1",
    "work_package_id": "1",
    "user_id": "2",
    "file_link_id": "1",
    "index": "0",
    "client_id": "nepenthes-storage-client",
    "token": "a" * 64,
    "name": "a.txt",
    "uid": "member",
    "rest": "/",
}
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


# --- the routes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    server: str  # "nepenthes" | "nextcloud"
    method: str
    template: str

    @property
    def id(self) -> str:
        return f"{self.server}:{self.method} {self.template}"

    @property
    def params(self) -> list[str]:
        return PARAM.findall(self.template)

    def path(self, **overrides: str) -> str:
        values = {**PATH_VALUES, **overrides}
        return PARAM.sub(lambda match: values[match.group(1)], self.template)

    @property
    def changes_data(self) -> bool:
        return self.method not in SAFE_METHODS or "callback" in self.template


def _routes_of_both_servers() -> list[Endpoint]:
    from nep_tui.sandbox.faults import FaultState
    from nep_tui.sandbox.nepenthes.app import NepenthesConfig
    from nep_tui.sandbox.nepenthes.app import create_app as nepenthes_app
    from nep_tui.sandbox.nepenthes.store import NepenthesStore
    from nep_tui.sandbox.nextcloud.app import create_app as nextcloud_app
    from nep_tui.sandbox.nextcloud.store import NextcloudStore

    def nowhere() -> str:
        return "http://127.0.0.1:9"

    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch)
        nepenthes_store = NepenthesStore(data / "nepenthes.sqlite3")
        nextcloud_store = NextcloudStore(data / "nextcloud.sqlite3", data / "files")
        apps = {
            "nepenthes": nepenthes_app(
                nepenthes_store,
                FaultState(),
                config=NepenthesConfig(public_url=nowhere, nextcloud_url=nowhere, data_dir=data),
            ),
            "nextcloud": nextcloud_app(nextcloud_store, FaultState(), public_url=nowhere),
        }
        endpoints = [
            Endpoint(server, method, route.path)
            for server, app in apps.items()
            for route in app.routes
            if isinstance(route, Route)
            for method in sorted(route.methods or ())
            if method != "HEAD"
        ]
        for store in (nepenthes_store, nextcloud_store):
            getattr(store, "close", lambda: None)()
    return endpoints


ENDPOINTS = _routes_of_both_servers()
FIRST_ROUTES = frozenset(
    {next(e for e in ENDPOINTS if e.server == server) for server in ("nepenthes", "nextcloud")}
)


# --- the bad requests -------------------------------------------------------------------------


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@dataclass(frozen=True)
class Bad:
    name: str
    applies: Callable[[Endpoint], bool]
    # (endpoint) -> request options; `auth` is filled in with valid credentials unless given.
    build: Callable[[Endpoint], dict[str, Any]]
    checks_shape: bool = True  # False where the HTTP server itself answers (before any app code)


def _any(_endpoint: Endpoint) -> bool:
    return True


def _with_body(endpoint: Endpoint) -> bool:
    return endpoint.method in ("POST", "PUT", "PATCH", "PROPFIND", "PROPPATCH", "REPORT", "SEARCH")


def _reads(endpoint: Endpoint) -> bool:
    return endpoint.method == "GET"


def _api_collection(endpoint: Endpoint) -> bool:
    """API v3 reads that may take filters, sortBy and paging (the others ignore them)."""
    last = endpoint.template.rsplit("/", 1)[-1]
    return (
        _reads(endpoint)
        and endpoint.template.startswith("/api/v3/")
        and "{" not in last
        and last not in ("open", "download", "content", "configuration")
    )


def _with_ids(endpoint: Endpoint) -> bool:
    return any(name not in ("rest", "uid", "name") for name in endpoint.params)


def _query(**params: str) -> Callable[[Endpoint], dict[str, Any]]:
    return lambda endpoint: {"params": params}


def _filters(value: Any) -> Callable[[Endpoint], dict[str, Any]]:
    text = value if isinstance(value, str) else json.dumps(value)
    return _query(filters=text)


def _ids(value: str) -> Callable[[Endpoint], dict[str, Any]]:
    return lambda endpoint: {
        "path": endpoint.path(
            **{name: value for name in endpoint.params if name not in ("rest", "uid", "name")}
        )
    }


def _body(content: bytes, content_type: str | None) -> Callable[[Endpoint], dict[str, Any]]:
    headers = {"Content-Type": content_type} if content_type else {}
    return lambda endpoint: {"content": content, "headers": headers}


BAD_REQUESTS = [
    Bad("no-auth", _any, lambda e: {"auth": None}),
    Bad("wrong-bearer", _any, lambda e: {"auth": "Bearer opapi-" + "0" * 64}),
    Bad("wrong-basic-apikey", _any, lambda e: {"auth": _basic("apikey", "opapi-" + "0" * 64)}),
    Bad("wrong-basic-password", _any, lambda e: {"auth": _basic("member", "not-the-password")}),
    Bad("garbled-basic", _any, lambda e: {"auth": "Basic !!!not base64!!!"}),
    Bad("unknown-scheme", _any, lambda e: {"auth": 'Digest username="member"'}),
    Bad("bad-json", _with_body, _body(b'{"subject": "unterminated', "application/json")),
    Bad("json-array", _with_body, _body(b"[1, 2, 3]", "application/json")),
    Bad("json-string", _with_body, _body(b'"just a string"', "application/json")),
    Bad(
        "json-wrong-types",
        _with_body,
        _body(
            b'{"subject": 5, "_links": "x", "fileName": [], "projectId": "one", "parent": {},'
            b' "_embedded": {"elements": "none"}, "folder_id": "x", "fileIds": "x"}',
            "application/json",
        ),
    ),
    Bad("wrong-content-type", _with_body, _body(b"subject=hello", "text/plain")),
    Bad("missing-content-type", _with_body, _body(b'{"subject": "hello"}', None)),
    Bad("binary-body", _with_body, _body(bytes(range(256)) * 4, "application/json")),
    Bad("filters-malformed", _api_collection, _filters('[{"status": {"operator": "o"')),
    Bad(
        "filters-not-a-list", _api_collection, _filters({"status": {"operator": "o", "values": []}})
    ),
    Bad(
        "filters-unknown-name",
        _api_collection,
        _filters([{"nonsense": {"operator": "=", "values": ["1"]}}]),
    ),
    Bad(
        "filters-unknown-operator",
        _api_collection,
        _filters([{"status": {"operator": "<>?", "values": ["1"]}}]),
    ),
    Bad(
        "filters-values-not-a-list",
        _api_collection,
        _filters([{"id": {"operator": "=", "values": "1"}}]),
    ),
    Bad("filters-element-not-an-object", _api_collection, _filters([["id", "=", "1"]])),
    Bad("sortBy-malformed", _api_collection, _query(sortBy='[["id", "asc"')),
    Bad("sortBy-unknown-field", _api_collection, _query(sortBy='[["nonsense", "asc"]]')),
    Bad("sortBy-bad-direction", _api_collection, _query(sortBy='[["id", "sideways"]]')),
    Bad("sortBy-not-pairs", _api_collection, _query(sortBy='["id"]')),
    Bad("pageSize-huge", _api_collection, _query(pageSize="100000")),
    Bad("pageSize-negative", _api_collection, _query(pageSize="-5")),
    Bad("pageSize-text", _api_collection, _query(pageSize="abc")),
    Bad("offset-zero", _api_collection, _query(offset="0")),
    Bad("offset-negative", _api_collection, _query(offset="-1")),
    Bad("offset-text", _api_collection, _query(offset="abc")),
    Bad("id-non-numeric", _with_ids, _ids("abc")),
    Bad("id-unknown", _with_ids, _ids("999999")),
    Bad("id-huge", _with_ids, _ids("9" * 40)),
    # Under h11's 16 KiB limit for a request head still arriving: beyond it, whether uvicorn
    # answers or resets the connection depends on how the head is split into packets.
    Bad("big-headers", _reads, lambda e: {"headers": {f"X-H{i}": "x" * 90 for i in range(120)}}),
    # Beyond what the HTTP server parses, so it answers before any route (as Puma/nginx do on a
    # real server): one route per server is enough, and only status and traceback are checked.
    Bad(
        "huge-header",
        lambda e: e in FIRST_ROUTES,
        lambda e: {"headers": {"X-Padding": "x" * 200_000}},
        checks_shape=False,
    ),
]


def _cases() -> list[Any]:
    cases = []
    for endpoint in ENDPOINTS:
        for bad in BAD_REQUESTS:
            if not bad.applies(endpoint):
                continue
            cases.append(pytest.param(endpoint, bad, id=f"{bad.name}-{endpoint.id}"))
    return cases


# --- checking an answer -------------------------------------------------------------------------


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


def _is_api_v3(path: str) -> bool:
    return path.startswith(("/api/v3", "/sandbox/"))


OAUTH_JSON_ENDPOINTS = (
    "/oauth/token",
    "/oauth/revoke",
    "/oauth/introspect",
    "/oauth/device_authorization",
    "/apps/oauth2/api/v1/token",
)


def _real_server_answer(endpoint: Endpoint, response: httpx.Response, body: Any) -> bool:
    """Answers the real servers give that break the general rule, each for a known reason."""
    status, text = response.status_code, response.text
    if endpoint.server == "nepenthes":
        # A storage's Nextcloud errors come back as 500 OutboundRequest (the real storage query).
        if status == 500 and isinstance(body, dict):
            return str(body.get("errorIdentifier", "")).startswith(OUTBOUND_REQUEST)
        # A body without Content-Type: 406 with a plain-text body (notes/openproject-api.md).
        return status == 406 and text == "Missing content-type header"
    # Sabre answers 501 NotImplemented for methods without a plugin and GET on a collection.
    return (
        status == 501
        and endpoint.template.startswith("/remote.php/dav/")
        and "Sabre\\DAV\\Exception\\NotImplemented" in text
    )


def problems_with(
    endpoint: Endpoint, response: httpx.Response, *, check_shape: bool = True
) -> list[str]:
    """What is wrong with an answer to a bad request (empty when it is right)."""
    problems = []
    body = _json(response)
    text = response.text
    api_v3 = endpoint.server == "nepenthes" and _is_api_v3(endpoint.template)
    if TRACEBACK.search(text):
        problems.append("a Python traceback in the body")
    if _real_server_answer(endpoint, response, body):
        return problems
    if response.status_code >= 500:
        problems.append(f"HTTP {response.status_code}")
    if not check_shape or response.status_code < 400:
        return problems
    shape_problem = _shape_problem(endpoint, api_v3, body, text)
    return problems + ([shape_problem] if shape_problem else [])


def _shape_problem(endpoint: Endpoint, api_v3: bool, body: Any, text: str) -> str | None:
    """Each area answers errors in its own shape; None when the answer has it."""
    path = endpoint.template
    if api_v3:
        if not isinstance(body, dict) or body.get("_type") != "Error":
            return "not an API v3 error document (`_type: Error`)"
        if not str(body.get("errorIdentifier", "")).startswith(API_ERROR_PREFIX):
            return f"errorIdentifier {body.get('errorIdentifier')!r} is not an API v3 URN"
        message = body.get("message")
        # InvalidQuery carries the query's full_messages: a list of sentences.
        sentences = message if isinstance(message, list) else [message]
        if not sentences or not all(isinstance(s, str) and s.strip() for s in sentences):
            return "no message in the error document"
        return None
    if path.startswith("/ocs/"):
        is_ocs = (isinstance(body, dict) and "ocs" in body) or "<ocs>" in text
        return None if is_ocs else "not an OCS envelope"
    if path.startswith("/remote.php/dav/") and text:
        return None if "<d:error" in text and "Sabre" in text else "not a Sabre error document"
    if "/apps/integration_openproject/" in path and isinstance(body, (dict, list)):
        # The app's controllers answer `{"error": ..}`; the framework's own 401 `{"message": ..}`.
        return (
            None
            if isinstance(body, dict) and {"error", "message"} & set(body)
            else "not the integration app's error shape (`error` or `message`)"
        )
    if path.endswith(OAUTH_JSON_ENDPOINTS):
        return (
            None
            if isinstance(body, dict) and "error" in body
            else "not an OAuth error document (`error`)"
        )
    return None


# --- running them -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def own_sandbox(tmp_path_factory):
    """For requests that could change data: the shared sandbox stays as seeded."""
    from nep_tui.sandbox.server import start_in_thread

    running = start_in_thread(tmp_path_factory.mktemp("bad-requests") / "sandbox", seed="demo")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def http():
    # A new connection per request: on a kept-alive one each answer waits ~40 ms for a delayed
    # ACK (the sandbox's sockets have Nagle on), which made this matrix take minutes.
    with httpx.Client(
        timeout=30, follow_redirects=False, headers={"Connection": "close"}
    ) as client:
        yield client


def _valid_auth(running, endpoint: Endpoint) -> str:
    member = running.user("member")
    if endpoint.server == "nextcloud":
        return _basic(member.login, member.password)
    return _basic("apikey", member.api_token)


def send(
    http: httpx.Client, running, endpoint: Endpoint, options: dict[str, Any]
) -> httpx.Response:
    options = dict(options)
    base = running.nepenthes_url if endpoint.server == "nepenthes" else running.nextcloud_url
    path = options.pop("path", None) or endpoint.path()
    headers = {"Accept": "application/hal+json", **options.pop("headers", {})}
    auth = options.pop("auth", _valid_auth(running, endpoint))
    if auth is not None:
        headers["Authorization"] = auth
    if endpoint.template.startswith("/ocs/"):
        headers.setdefault("OCS-APIRequest", "true")
    if "content" in options and "Content-Type" not in headers:
        # httpx adds no Content-Type for raw content; make sure none slips in either.
        headers.pop("Content-Type", None)
    try:
        return http.request(endpoint.method, base + path, headers=headers, **options)
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as error:
        pytest.fail(f"the server dropped the connection instead of answering: {error}")


@pytest.mark.parametrize(("endpoint", "bad"), _cases())
def test_bad_request_gets_the_real_error_shape(request, http, endpoint: Endpoint, bad: Bad):
    running = request.getfixturevalue("own_sandbox" if endpoint.changes_data else "sandbox")
    response = send(http, running, endpoint, bad.build(endpoint))
    problems = problems_with(endpoint, response, check_shape=bad.checks_shape)
    assert not problems, (
        f"{endpoint.method} {endpoint.template} with {bad.name} -> "
        f"HTTP {response.status_code} {response.text[:300]!r}: {problems}"
    )


def test_every_route_is_covered():
    """The enumeration itself: both servers are there, and every route gets the auth matrix."""
    servers = {endpoint.server for endpoint in ENDPOINTS}
    assert servers == {"nepenthes", "nextcloud"}
    assert any(e.template == "/api/v3/work_packages" and e.method == "POST" for e in ENDPOINTS)
    assert any(e.template.startswith("/remote.php/dav/") for e in ENDPOINTS)
    covered = {case.values[0] for case in _cases()}
    assert covered == set(ENDPOINTS)


# --- path traversal in upload names -------------------------------------------------------------

TRAVERSAL_NAMES = [
    "../x.txt",
    "..\\x.txt",
    "%2e%2e/x.txt",
    "../../../../../../tmp/x.txt",
    "..",
    "./../x.txt",
    "sub/../../x.txt",
]


@dataclass
class Tree:
    """Every file under a directory, to see what an upload added and where."""

    root: Path
    before: set[Path] = field(default_factory=set)

    def snapshot(self) -> Tree:
        self.before = self._files()
        return self

    def _files(self) -> set[Path]:
        return {path for path in self.root.rglob("*") if path.is_file()}

    def added(self) -> set[Path]:
        return self._files() - self.before


def _outside(added: set[Path], allowed: Path) -> list[Path]:
    return [path for path in added if not path.resolve().is_relative_to(allowed.resolve())]


def _assert_no_escape(
    tree: Tree, data_dir: Path, endpoint: Endpoint, response: httpx.Response
) -> None:
    added = tree.added()
    assert not _outside(added, data_dir), f"files written outside the data dir: {added}"
    assert not [path for path in added if ".." in path.parts]
    problems = problems_with(endpoint, response)
    assert not problems, f"HTTP {response.status_code} {response.text[:300]!r}: {problems}"


PREPARE_UPLOAD = Endpoint("nepenthes", "POST", "/api/v3/storages/{storage_id}/files/prepare_upload")
DIRECT_UPLOAD = Endpoint(
    "nextcloud", "POST", "/index.php/apps/integration_openproject/direct-upload/{token}"
)
ATTACHMENT_UPLOAD = Endpoint("nepenthes", "POST", "/api/v3/work_packages/{id:int}/attachments")
CREATE_FOLDER = Endpoint("nepenthes", "POST", "/api/v3/storages/{storage_id}/folders")
DAV = "/remote.php/dav/files/{uid}{rest:path}"


def _json_headers(running) -> dict[str, str]:
    return {
        "Authorization": _valid_auth(running, PREPARE_UPLOAD),
        "Content-Type": "application/json",
    }


def _stays_a_plain_name(stored: str, *, separators: str = "/\\") -> None:
    assert not set(stored) & set(separators) and stored not in ("", ".", ".."), stored


def _nextcloud_root_folder_id(http: httpx.Client, running) -> str:
    response = http.get(
        f"{running.nepenthes_url}/api/v3/storages/1/files",
        params={"parent": "/"},
        headers=_json_headers(running),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["parent"]["id"])


@pytest.mark.parametrize("name", TRAVERSAL_NAMES)
def test_direct_upload_names_stay_in_the_folder(http, own_sandbox, name):
    prepared = http.post(
        own_sandbox.nepenthes_url + PREPARE_UPLOAD.path(),
        headers=_json_headers(own_sandbox),
        json={
            "projectId": 1,
            "fileName": name,
            "parent": _nextcloud_root_folder_id(http, own_sandbox),
        },
    )
    assert not problems_with(PREPARE_UPLOAD, prepared), prepared.text
    assert prepared.status_code == 201, prepared.text  # the real server leaves names to Nextcloud
    tree = Tree(own_sandbox.data_dir.parent).snapshot()
    upload_url = prepared.json()["_links"]["destination"]["href"]
    uploaded = http.post(upload_url, files={"file": (name, b"traversal probe")})
    _assert_no_escape(tree, own_sandbox.data_dir, DIRECT_UPLOAD, uploaded)
    if uploaded.status_code in (200, 201):
        _stays_a_plain_name(uploaded.json()["file_name"])


@pytest.mark.parametrize("name", TRAVERSAL_NAMES)
def test_attachment_names_stay_in_the_store(http, own_sandbox, name):
    tree = Tree(own_sandbox.data_dir.parent).snapshot()
    response = http.post(
        own_sandbox.nepenthes_url + ATTACHMENT_UPLOAD.path(),
        headers={"Authorization": _valid_auth(own_sandbox, ATTACHMENT_UPLOAD)},
        files={
            "metadata": (None, json.dumps({"fileName": name}), "application/json"),
            "file": (name, b"traversal probe", "text/plain"),
        },
    )
    _assert_no_escape(tree, own_sandbox.data_dir, ATTACHMENT_UPLOAD, response)
    if response.status_code == 201:
        _stays_a_plain_name(response.json()["fileName"])


@pytest.mark.parametrize("name", TRAVERSAL_NAMES)
def test_folder_names_stay_in_the_parent(http, own_sandbox, name):
    tree = Tree(own_sandbox.data_dir.parent).snapshot()
    response = http.post(
        own_sandbox.nepenthes_url + CREATE_FOLDER.path(),
        headers=_json_headers(own_sandbox),
        json={"name": name, "parent_id": _nextcloud_root_folder_id(http, own_sandbox)},
    )
    _assert_no_escape(tree, own_sandbox.data_dir, CREATE_FOLDER, response)
    if response.status_code == 201:
        # A backslash is an ordinary character in a Nextcloud folder name (no separator there).
        _stays_a_plain_name(response.json()["name"], separators="/")


DAV_PROBE = "dav-probe.txt"  # a name no other test uses, so admin's home can be checked for it
DAV_TRAVERSALS = [
    f"/../admin/{DAV_PROBE}",
    f"/%2e%2e/admin/{DAV_PROBE}",
    f"/..%2fadmin%2f{DAV_PROBE}",
    f"/..%5c{DAV_PROBE}",
    f"/sub/../../{DAV_PROBE}",
    f"/%2e%2e%2f%2e%2e%2f%2e%2e%2f{DAV_PROBE}",
]


@pytest.mark.parametrize("method", ["PUT", "MKCOL", "GET", "PROPFIND"])
@pytest.mark.parametrize("raw", DAV_TRAVERSALS)
def test_webdav_paths_cannot_leave_the_users_home(own_sandbox, method, raw):
    member = own_sandbox.user("member")
    tree = Tree(own_sandbox.data_dir.parent).snapshot()
    # A raw path, sent as is: httpx would otherwise remove the dot segments itself.
    url = httpx.URL(own_sandbox.nextcloud_url).copy_with(
        raw_path=f"/remote.php/dav/files/member{raw}".encode()
    )
    with httpx.Client(timeout=30) as client:
        response = client.request(
            method,
            url,
            content=b"probe" if method == "PUT" else None,
            headers={"Authorization": _basic(member.login, member.password), "Depth": "1"},
        )
    _assert_no_escape(tree, own_sandbox.data_dir, Endpoint("nextcloud", method, DAV), response)
    if method == "PROPFIND" and response.status_code == 207:
        assert "/remote.php/dav/files/admin" not in response.text, "member listed admin's files"
    admin = own_sandbox.user("admin")
    in_admin_home = httpx.request(
        "PROPFIND",
        f"{own_sandbox.nextcloud_url}/remote.php/dav/files/admin/{DAV_PROBE}",
        headers={"Authorization": _basic(admin.login, admin.password), "Depth": "0"},
    )
    assert in_admin_home.status_code == 404, "member's request created a file in admin's home"
