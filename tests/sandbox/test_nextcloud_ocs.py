"""OCS core and integration_openproject routes: capabilities, cloud/user, check-config, fileinfo."""

from __future__ import annotations

import json

import yaml
from defusedxml.ElementTree import fromstring

OCS = {"OCS-APIRequest": "true"}
JSON = {"OCS-APIRequest": "true", "Accept": "application/json"}


def recorded_body(recordings, name: str, index: int = 0) -> str:
    data = yaml.safe_load((recordings / name).read_text())
    return data["http_interactions"][index]["response"]["body"]["string"]


def test_capabilities_need_the_ocs_header(live_nextcloud):
    with live_nextcloud.client(None) as client:
        refused = client.get("/ocs/v2.php/cloud/capabilities")
        assert refused.status_code == 412
        assert refused.json() == {"message": "CSRF check failed"}
        answer = client.get("/ocs/v2.php/cloud/capabilities", headers=JSON)
    assert answer.status_code == 200
    data = answer.json()["ocs"]["data"]
    assert answer.json()["ocs"]["meta"] == {"status": "ok", "statuscode": 200, "message": "OK"}
    assert data["version"]["major"] >= 22
    assert data["capabilities"]["integration_openproject"]["app_version"]


def test_capabilities_v1_default_to_xml(live_nextcloud):
    with live_nextcloud.client(None) as client:
        answer = client.get("/ocs/v1.php/cloud/capabilities", headers=OCS)
    assert answer.headers["content-type"].startswith("application/xml")
    root = fromstring(answer.content)
    assert root.findtext("meta/statuscode") == "100"
    assert root.findtext("data/capabilities/integration_openproject/groupfolders_enabled") == "1"


def test_cloud_user_answers_the_recorded_shapes(live_nextcloud, recordings):
    with live_nextcloud.client("member") as client:
        ok_xml = client.get("/ocs/v1.php/cloud/user", headers=OCS)
        ok_json = client.get("/ocs/v1.php/cloud/user?format=json", headers=OCS)
    with live_nextcloud.client(None) as client:
        wrong = client.get("/ocs/v1.php/cloud/user", headers=OCS, auth=("member", "nope"))
    assert ok_xml.status_code == 200
    assert fromstring(ok_xml.content).findtext("data/id") == "member"
    assert ok_json.json()["ocs"]["data"]["display-name"] == "Member Person"
    assert wrong.status_code == 401
    assert wrong.text == recorded_body(recordings, "nextcloud/user_query_unauthorized.yml")


def test_bearer_token_from_the_oauth_app_authenticates(live_nextcloud):
    token = live_nextcloud.store.issue_oauth_token("member")["access_token"]
    with live_nextcloud.client(None) as client:
        answer = client.get("/ocs/v1.php/cloud/user", headers={"Authorization": f"Bearer {token}"})
        live_nextcloud.store.revoke_tokens("member")
        revoked = client.get("/ocs/v1.php/cloud/user", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert revoked.status_code == 401


def test_check_config_echoes_the_authorization_header(live_nextcloud):
    with live_nextcloud.client(None) as client:
        anonymous = client.get(
            "/index.php/apps/integration_openproject/check-config",
            headers={"Authorization": "Bearer TESTBEARERTOKEN"},
        )
    with live_nextcloud.client("member") as client:
        known = client.get("/index.php/apps/integration_openproject/check-config")
    assert anonymous.json() == {"user_id": "", "authorization_header": "Bearer TESTBEARERTOKEN"}
    assert known.json()["user_id"] == "member"
    assert known.json()["authorization_header"].startswith("Basic ")


def test_fileinfo_matches_the_recorded_keys_and_types(live_nextcloud, recordings):
    recorded = json.loads(recorded_body(recordings, "nextcloud/file_info_query_success_file.yml"))
    url = f"/ocs/v1.php/apps/integration_openproject/fileinfo/{live_nextcloud.file_id}"
    with live_nextcloud.client("member") as client:
        before_change = client.get(url, headers=JSON).json()["ocs"]["data"]
        assert (
            client.put(
                "/remote.php/dav/files/member/Shared/report.pdf", content=b"%PDF-1.5"
            ).status_code
            == 204
        )
        answer = client.get(url, headers=JSON)
    # like Nextcloud, a modifier is only known once someone changed the file
    assert (before_change["modifier_id"], before_change["modifier_name"]) == (None, None)
    assert answer.json()["ocs"]["data"]["modifier_name"] == "Member Person"
    mine = answer.json()
    assert mine["ocs"]["meta"] == recorded["ocs"]["meta"]
    assert list(mine["ocs"]["data"]) == list(recorded["ocs"]["data"])
    for key, value in recorded["ocs"]["data"].items():
        assert type(mine["ocs"]["data"][key]) is type(value), key
    assert mine["ocs"]["data"]["path"] == "files/Shared/report.pdf"
    assert mine["ocs"]["data"]["dav_permissions"] == "RMGDNVW"
    assert "\\/" in answer.text  # slashes escaped as PHP's json_encode does


def test_fileinfo_folder_path_ends_with_slash(live_nextcloud):
    with live_nextcloud.client("admin") as client:
        data = client.get(
            f"/ocs/v1.php/apps/integration_openproject/fileinfo/{live_nextcloud.folder_id}",
            headers=JSON,
        ).json()["ocs"]["data"]
    assert data["mimetype"] == "application/x-op-directory"
    assert data["path"] == "files/Shared/"
    assert data["dav_permissions"] == "RGDNVCK"


def test_fileinfo_not_found_forbidden_v1_and_v2(live_nextcloud, recordings):
    store = live_nextcloud.store
    hidden = store.put_file("admin", "/Shared/secret.txt", b"x")
    store.restrict(hidden, "member")
    gone = store.put_file("admin", "/Shared/old.txt", b"x")
    store.trash(gone)
    base = "/ocs/{}.php/apps/integration_openproject/fileinfo/{}"
    with live_nextcloud.client("member") as client:
        missing_v1 = client.get(base.format("v1", "not_existent"), headers=JSON)
        trashed_v1 = client.get(base.format("v1", gone), headers=JSON)
        hidden_v1 = client.get(base.format("v1", hidden), headers=JSON)
        hidden_v2 = client.get(base.format("v2", hidden), headers=JSON)
        missing_v2 = client.get(base.format("v2", 999999), headers=JSON)
    recorded_404 = recorded_body(recordings, "nextcloud/file_info_query_not_found.yml")
    assert missing_v1.status_code == 200 and missing_v1.text == recorded_404
    assert trashed_v1.text == recorded_404
    assert hidden_v1.status_code == 200
    assert hidden_v1.json()["ocs"]["data"] == {"status": "Forbidden", "statuscode": 403}
    assert hidden_v1.json()["ocs"]["meta"]["statuscode"] == 403
    assert hidden_v2.status_code == 403
    assert missing_v2.status_code == 404
    assert missing_v2.json()["ocs"]["meta"]["statuscode"] == 404


def test_filesinfo_is_keyed_by_id(live_nextcloud, recordings):
    store = live_nextcloud.store
    hidden = store.put_file("admin", "/Shared/secret.txt", b"x")
    store.restrict(hidden, "member")
    with live_nextcloud.client("member") as client:
        answer = client.post(
            "/ocs/v1.php/apps/integration_openproject/filesinfo",
            headers=JSON,
            json={"fileIds": [str(hidden), "1234", str(live_nextcloud.file_id)]},
        )
        bad = client.post(
            "/ocs/v1.php/apps/integration_openproject/filesinfo", headers=JSON, json={"fileIds": 5}
        )
        broken = client.post(
            "/ocs/v1.php/apps/integration_openproject/filesinfo", headers=JSON, content=b"{not json"
        )
    data = answer.json()["ocs"]["data"]
    assert data[str(hidden)] == {"status": "Forbidden", "statuscode": 403}
    assert data["1234"] == {"status": "Not Found", "statuscode": 404}
    assert data[str(live_nextcloud.file_id)]["name"] == "report.pdf"
    assert answer.json()["ocs"]["meta"]["statuscode"] == 100
    assert bad.json()["ocs"]["data"] == "invalid request"
    assert bad.json()["ocs"]["meta"]["statuscode"] == 400
    assert broken.json()["ocs"]["meta"]["statuscode"] == 400


def test_filesinfo_without_login_is_the_recorded_401(live_nextcloud, recordings):
    with live_nextcloud.client(None) as client:
        answer = client.post(
            "/ocs/v1.php/apps/integration_openproject/filesinfo",
            headers=JSON,
            json={"fileIds": ["182"]},
        )
    assert answer.status_code == 401
    assert answer.text == recorded_body(recordings, "nextcloud/files_info_query_unauthorized.yml")


def test_unknown_ocs_route_is_an_ocs_error(live_nextcloud):
    with live_nextcloud.client("member") as client:
        answer = client.get("/ocs/v2.php/apps/nothing/here", headers=JSON)
    assert answer.status_code == 404
    assert answer.json()["ocs"]["meta"]["statuscode"] == 998
