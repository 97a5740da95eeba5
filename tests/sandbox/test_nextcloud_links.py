"""Direct download links, the /f/<id> permalink page, the OAuth2 app, delay and error answers."""

from __future__ import annotations

import base64
import hashlib
import re
import time
from urllib.parse import parse_qs, urlsplit

import yaml
from support.nextcloud import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI

JSON = {"OCS-APIRequest": "true", "Accept": "application/json"}
DIRECT = "/ocs/v2.php/apps/dav/api/v1/direct"


def direct_url(live, file_id: int, login: str = "member") -> str:
    with live.client(login) as client:
        answer = client.post(DIRECT, headers=JSON, json={"fileId": str(file_id)})
    assert answer.status_code == 200, answer.text
    return answer.json()["ocs"]["data"]["url"]


def test_direct_link_shape_matches_the_recording(live_nextcloud, recordings):
    recorded = yaml.safe_load(
        (recordings / "nextcloud/download_link_query_success.yml").read_text()
    )
    reference = yaml.safe_load(recorded["http_interactions"][1]["response"]["body"]["string"])
    with live_nextcloud.client("member") as client:
        answer = client.post(DIRECT, headers=JSON, json={"fileId": str(live_nextcloud.file_id)})
        form = client.post(DIRECT, headers=JSON, data={"fileId": str(live_nextcloud.file_id)})
    assert answer.json()["ocs"]["meta"] == reference["ocs"]["meta"]
    url = answer.json()["ocs"]["data"]["url"]
    assert re.fullmatch(re.escape(live_nextcloud.url) + r"/remote\.php/direct/[A-Za-z0-9]{60}", url)
    assert form.status_code == 200


def test_direct_link_errors(live_nextcloud):
    store = live_nextcloud.store
    hidden = store.put_file("admin", "/Shared/secret.txt", b"x")
    store.restrict(hidden, "member")
    with live_nextcloud.client("member") as client:
        unknown = client.post(DIRECT, headers=JSON, json={"fileId": "99999"})
        garbage = client.post(DIRECT, headers=JSON, json={"fileId": "abc"})
        secret = client.post(DIRECT, headers=JSON, json={"fileId": hidden})
        folder = client.post(DIRECT, headers=JSON, json={"fileId": live_nextcloud.folder_id})
        expiry = client.post(
            DIRECT,
            headers=JSON,
            json={"fileId": live_nextcloud.file_id, "expirationTime": 99999999},
        )
    with live_nextcloud.client(None) as client:
        stale = client.post(
            DIRECT, headers={**JSON, "Authorization": "Bearer stale"}, json={"fileId": "1"}
        )
    assert [a.status_code for a in (unknown, garbage, secret, folder, expiry)] == [
        404,
        404,
        404,
        400,
        400,
    ]
    assert folder.json()["ocs"]["meta"]["statuscode"] == 400
    # recorded: a stale Bearer token gets an empty 200 text/html
    assert (stale.status_code, stale.content) == (200, b"")


def test_download_streams_with_range(live_nextcloud):
    live_nextcloud.store.put_file("member", "/Shared/digits.txt", b"0123456789")
    node = live_nextcloud.store.node_at("/Shared/digits.txt")
    url = direct_url(live_nextcloud, node.id)
    token = url.rsplit("/", 1)[1]
    with live_nextcloud.client(None) as client:
        whole = client.get(url)
        part = client.get(url, headers={"Range": "bytes=3-"})
        named = client.get(
            f"/index.php/apps/integration_openproject/direct/{token}/Zahlen%20%C3%BC.txt"
        )
        named_part = client.get(
            f"/index.php/apps/integration_openproject/direct/{token}/digits.txt",
            headers={"Range": "bytes=0-1"},
        )
        unsatisfiable = client.get(url, headers={"Range": "bytes=50-60"})
    assert whole.content == b"0123456789" and whole.headers["content-type"].startswith("text/plain")
    assert (part.status_code, part.content, part.headers["content-range"]) == (
        206,
        b"3456789",
        "bytes 3-9/10",
    )
    assert named.content == b"0123456789"
    assert "filename*=utf-8''Zahlen%20%C3%BC.txt" in named.headers["content-disposition"]
    assert (named_part.status_code, named_part.content) == (206, b"01")
    assert unsatisfiable.status_code == 416


def test_invalid_direct_links(live_nextcloud):
    with live_nextcloud.client(None) as client:
        named = client.get("/index.php/apps/integration_openproject/direct/nope/file.txt")
        core_browser = client.get("/remote.php/direct/nope", headers={"Accept": "text/html"})
        core_api = client.get("/remote.php/direct/nope")
    assert named.status_code == 200 and named.headers["content-type"].startswith("text/html")
    assert "This direct download link is invalid or has expired" in named.text
    assert "This direct download link is invalid or has expired" in core_browser.text
    assert core_api.status_code == 404 and "Sabre\\DAV\\Exception\\NotFound" in core_api.text


def test_direct_link_dies_with_the_file(live_nextcloud):
    url = direct_url(live_nextcloud, live_nextcloud.file_id)
    live_nextcloud.store.trash(live_nextcloud.file_id)
    with live_nextcloud.client(None) as client:
        assert client.get(url).status_code == 404


def test_permalink_page_names_file_and_folder_escaped(live_nextcloud):
    evil = live_nextcloud.store.put_file("admin", "/Shared/<img src=x onerror=alert(1)>.txt", b"x")
    with live_nextcloud.client(None) as client:
        page = client.get(f"/index.php/f/{evil}")
        folder = client.get(f"/index.php/f/{live_nextcloud.folder_id}")
        missing = client.get("/index.php/f/424242")
        garbage = client.get("/index.php/f/abc")
    assert page.status_code == 200
    assert "<img" not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;.txt" in page.text
    assert "/Shared" in page.text
    assert "Shared" in folder.text
    assert missing.status_code == 404 and garbage.status_code == 404


def test_oauth_code_flow_and_rotating_refresh(live_nextcloud):
    with live_nextcloud.client(None) as client:
        page = client.get(
            "/index.php/apps/oauth2/authorize",
            params={
                "client_id": CLIENT_ID,
                "redirect_uri": REDIRECT_URI,
                "response_type": "code",
                "state": "s<1>",
            },
        )
        wrong = client.post(
            "/index.php/apps/oauth2/authorize",
            data={"client_id": CLIENT_ID, "state": "s<1>", "login": "member", "password": "bad"},
        )
        granted = client.post(
            "/index.php/apps/oauth2/authorize",
            data={
                "client_id": CLIENT_ID,
                "state": "s<1>",
                "login": "member",
                "password": "member-password",
            },
        )
        assert granted.status_code == 302
        location = urlsplit(granted.headers["location"])
        query = parse_qs(location.query)
        tokens = client.post(
            "/index.php/apps/oauth2/api/v1/token",
            data={
                "grant_type": "authorization_code",
                "code": query["code"][0],
                "redirect_uri": REDIRECT_URI,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            },
        )
        reused = client.post(
            "/index.php/apps/oauth2/api/v1/token",
            data={
                "grant_type": "authorization_code",
                "code": query["code"][0],
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            },
        )
        basic = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        refreshed = client.post(
            "/index.php/apps/oauth2/api/v1/token",
            data={
                "grant_type": "refresh_token",
                "scope": "",
                "refresh_token": tokens.json()["refresh_token"],
            },
            headers={"Authorization": basic},
        )
        old_refresh = client.post(
            "/index.php/apps/oauth2/api/v1/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": tokens.json()["refresh_token"],
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            },
        )
        bad_secret = client.post(
            "/index.php/apps/oauth2/api/v1/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": refreshed.json()["refresh_token"],
                "client_id": CLIENT_ID,
                "client_secret": "no",
            },
        )
        user = client.get(
            "/ocs/v1.php/cloud/user",
            headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"},
        )
    assert page.status_code == 200
    assert "Grant access" in page.text and 'value="s&lt;1&gt;"' in page.text
    assert wrong.status_code == 403 and "Wrong login or password." in wrong.text
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    assert query["state"] == ["s<1>"]
    body = tokens.json()
    assert list(body) == ["access_token", "token_type", "expires_in", "refresh_token", "user_id"]
    assert (body["token_type"], body["expires_in"], body["user_id"]) == ("Bearer", 3600, "member")
    assert (reused.status_code, reused.json()) == (400, {"error": "invalid_request"})
    assert (
        refreshed.status_code == 200 and refreshed.json()["refresh_token"] != body["refresh_token"]
    )
    assert (old_refresh.status_code, old_refresh.json()) == (400, {"error": "invalid_request"})
    assert (bad_secret.status_code, bad_secret.json()) == (400, {"error": "invalid_client"})
    assert user.status_code == 200


def test_oauth_unknown_client_and_grant_type(live_nextcloud):
    with live_nextcloud.client(None) as client:
        page = client.get(
            "/index.php/apps/oauth2/authorize",
            params={"client_id": "<nobody>", "response_type": "code"},
        )
        grant = client.post("/index.php/apps/oauth2/api/v1/token", data={"grant_type": "password"})
    assert page.status_code == 400 and "<nobody>" not in page.text
    assert grant.json() == {"error": "invalid_grant"}


def test_delay_fault_slows_every_answer(live_nextcloud):
    live_nextcloud.faults.delay_ms = 300
    with live_nextcloud.client(None) as client:
        started = time.monotonic()
        client.get("/index.php/apps/integration_openproject/check-config")
        assert time.monotonic() - started >= 0.3


def test_unknown_pages_and_methods_are_not_500(live_nextcloud):
    with live_nextcloud.client("member") as client:
        for method, path in (
            ("GET", "/nothing"),
            ("GET", "/index.php/apps/integration_openproject/direct-upload-token"),
            ("DELETE", "/ocs/v1.php/cloud/user"),
            ("GET", "/remote.php/unknown"),
            ("PATCH", "/remote.php/dav/files/member/"),
        ):
            answer = client.request(method, path)
            assert 400 <= answer.status_code < 500 or answer.status_code == 501, (
                method,
                path,
                answer.status_code,
            )


def test_garbage_input_never_crashes_the_server(live_nextcloud):
    huge = "9" * 5000
    deep = "[" * 100_000
    json_headers = {**JSON, "Content-Type": "application/json"}
    requests = [
        ("GET", f"/ocs/v1.php/apps/integration_openproject/fileinfo/{huge}", {"headers": JSON}),
        ("GET", "/ocs/v1.php/apps/integration_openproject/fileinfo/-1", {"headers": JSON}),
        (
            "POST",
            "/ocs/v1.php/apps/integration_openproject/filesinfo",
            {"headers": json_headers, "content": deep},
        ),
        (
            "POST",
            "/ocs/v1.php/apps/integration_openproject/filesinfo",
            {"headers": JSON, "json": {"fileIds": [[1], {"a": 1}, None, huge, True]}},
        ),
        ("POST", DIRECT, {"headers": json_headers, "content": deep}),
        ("POST", DIRECT, {"headers": JSON, "json": {"fileId": [1], "expirationTime": "soon"}}),
        ("POST", DIRECT, {"headers": JSON, "data": {"fileId": huge}}),
        (
            "POST",
            "/index.php/apps/integration_openproject/direct-upload-token",
            {"json": {"folder_id": huge}},
        ),
        (
            "POST",
            "/index.php/apps/integration_openproject/direct-upload-token",
            {"json": {"folder_id": 2**70}},
        ),
        (
            "POST",
            "/index.php/apps/integration_openproject/direct-upload-token",
            {"content": deep, "headers": {"Content-Type": "application/json"}},
        ),
        (
            "POST",
            "/index.php/apps/integration_openproject/direct-upload-token",
            {
                "content": b"\xff\xfe",
                "headers": {"Content-Type": "multipart/form-data; boundary=x"},
            },
        ),
        ("POST", "/index.php/apps/integration_openproject/direct-upload/" + "é" * 64, {}),
        ("GET", f"/index.php/f/{huge}", {}),
        ("GET", "/remote.php/dav/files/member/a%00b", {}),
        ("PUT", "/remote.php/dav/files/member/a%00b", {"content": b"x"}),
        ("PUT", "/remote.php/dav/files/member/..", {"content": b"x"}),
        ("MKCOL", "/remote.php/dav/files/member/" + "x" * 300, {}),
        (
            "PUT",
            "/remote.php/dav/files/member/c.txt",
            {"content": b"x", "headers": {"Content-Length": "1", "OC-Total-Length": huge}},
        ),
        (
            "MOVE",
            "/remote.php/dav/files/member/Shared",
            {"headers": {"Destination": "http://[::1"}},
        ),
        (
            "MOVE",
            "/remote.php/dav/files/member/Shared",
            {"headers": {"Destination": "http://elsewhere/x"}},
        ),
        (
            "PROPFIND",
            "/remote.php/dav/files/member/",
            {"headers": {"Depth": "999999"}, "content": b"<x/>"},
        ),
        (
            "POST",
            "/index.php/apps/oauth2/api/v1/token",
            {"content": b"%%%", "headers": {"Authorization": "Basic !!!"}},
        ),
        ("GET", "/index.php/apps/oauth2/authorize", {"params": {"client_id": huge}}),
    ]
    with live_nextcloud.client("member") as client:
        for method, path, kwargs in requests:
            answer = client.request(method, path, **kwargs)
            assert answer.status_code < 500 or answer.status_code in (501, 502), (
                method,
                path,
                answer.text[:200],
            )
    with live_nextcloud.client(None) as client:
        for header in ("Basic ???", "Basic " + "A" * 10, "Bearer", "Bearer " + huge, "Digest x"):
            answer = client.get("/ocs/v1.php/cloud/user", headers={**JSON, "Authorization": header})
            assert answer.status_code == 401, header


def test_login_flow_v2_gives_an_app_password_once(live_nextcloud):
    with live_nextcloud.client(None, headers={"User-Agent": "nep-tui <test>"}) as client:
        started = client.post("/index.php/login/v2").json()
        poll = started["poll"]
        assert poll["endpoint"] == f"{live_nextcloud.url}/login/v2/poll"
        assert re.fullmatch(
            re.escape(live_nextcloud.url) + r"/login/v2/flow/[A-Za-z0-9]{128}", started["login"]
        )
        waiting = client.post(poll["endpoint"], data={"token": poll["token"]})
        page = client.get(started["login"])
        wrong = client.post(started["login"], data={"login": "member", "password": "nope"})
        granted = client.post(
            started["login"], data={"login": "member", "password": "member-password"}
        )
        result = client.post(poll["endpoint"], data={"token": poll["token"]})
        again = client.post(poll["endpoint"], data={"token": poll["token"]})
        stale = client.get(started["login"])
        app_password = result.json()["appPassword"]
        user = client.get("/ocs/v1.php/cloud/user", headers=JSON, auth=("member", app_password))
        with_password = client.delete(
            "/ocs/v2.php/core/apppassword", headers=JSON, auth=("member", "member-password")
        )
        revoked = client.delete(
            "/ocs/v2.php/core/apppassword", headers=JSON, auth=("member", app_password)
        )
        after = client.get("/ocs/v1.php/cloud/user", headers=JSON, auth=("member", app_password))
    assert (waiting.status_code, waiting.json()) == (404, [])
    assert "Grant access" in page.text and "nep-tui &lt;test&gt;" in page.text
    assert wrong.status_code == 403
    assert granted.status_code == 200
    assert result.status_code == 200
    assert result.json()["server"] == live_nextcloud.url and result.json()["loginName"] == "member"
    assert re.fullmatch(r"[A-Za-z0-9]{72}", app_password)
    assert again.status_code == 404
    assert stale.status_code == 403
    assert user.status_code == 200
    assert with_password.status_code == 403
    assert revoked.status_code == 200
    assert after.status_code == 401


def test_oauth_pkce_is_checked_when_a_challenge_was_sent(live_nextcloud):
    verifier = "v" * 43 + "-._~"
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )

    def code_for(client) -> str:
        page = client.get(
            "/index.php/apps/oauth2/authorize",
            params={
                "client_id": CLIENT_ID,
                "response_type": "code",
                "state": "s",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
        assert f'value="{challenge}"' in page.text
        granted = client.post(
            "/index.php/apps/oauth2/authorize",
            data={
                "client_id": CLIENT_ID,
                "state": "s",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                "login": "member",
                "password": "member-password",
            },
        )
        return parse_qs(urlsplit(granted.headers["location"]).query)["code"][0]

    def exchange(client, code: str, verifier: str | None):
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }
        if verifier is not None:
            data["code_verifier"] = verifier
        return client.post("/index.php/apps/oauth2/api/v1/token", data=data)

    with live_nextcloud.client(None) as client:
        code = code_for(client)
        missing = exchange(client, code, None)
        wrong = exchange(client, code, "w" * 43)
        right = exchange(client, code, verifier)
    assert missing.json() == {"error": "invalid_request"}
    assert wrong.json() == {"error": "invalid_grant"}
    assert right.status_code == 200 and right.json()["user_id"] == "member"


def test_a_crash_answers_like_nextcloud_not_with_a_traceback(
    live_nextcloud, recordings, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(live_nextcloud.store, "node", broken)
    reference = yaml.safe_load(
        (recordings / "nextcloud/file_info_query_app_disabled.yml").read_text()
    )
    with live_nextcloud.client("member") as client:
        v1 = client.get(
            f"/ocs/v1.php/apps/integration_openproject/fileinfo/{live_nextcloud.file_id}",
            headers=JSON,
        )
        v2 = client.get(
            f"/ocs/v2.php/apps/integration_openproject/fileinfo/{live_nextcloud.file_id}",
            headers=JSON,
        )
        dav = client.request("PROPFIND", "/remote.php/dav/files/member/Shared")
    assert (v1.status_code, v1.text) == (
        200,
        reference["http_interactions"][0]["response"]["body"]["string"],
    )
    assert v2.status_code == 500 and v2.json()["ocs"]["meta"]["statuscode"] == 500
    assert dav.status_code == 500 and "disk on fire" not in dav.text and "Traceback" not in dav.text
