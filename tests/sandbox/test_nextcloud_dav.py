"""WebDAV under /remote.php/dav/files/<uid>/ compared with the recorded Nextcloud answers."""

from __future__ import annotations

import re

import yaml
from defusedxml.ElementTree import fromstring

D, OC = "{DAV:}", "{http://owncloud.org/ns}"
OP_PROPFIND = """<?xml version="1.0"?>
<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">
  <d:prop>
    <oc:fileid/>
    <oc:size/>
    <d:getcontenttype/>
    <d:getlastmodified/>
    <oc:permissions/>
    <oc:owner-display-name/>
  </d:prop>
</d:propfind>
"""


def recorded(recordings, name: str, index: int = 0) -> dict:
    return yaml.safe_load((recordings / name).read_text())["http_interactions"][index]


def shape(body: bytes | str) -> list[list[tuple[str, list[str]]]]:
    """Per response: (status line, prop tags) per propstat, values left out."""
    root = fromstring(body)
    return [
        [
            (propstat.findtext(f"{D}status"), [prop.tag for prop in propstat.find(f"{D}prop")])
            for propstat in response.findall(f"{D}propstat")
        ]
        for response in root.findall(f"{D}response")
    ]


def dav(live, path: str = "") -> str:
    return f"/remote.php/dav/files/member{path}"


def test_propfind_depth_1_has_the_recorded_shape(live_nextcloud, recordings):
    store = live_nextcloud.store
    store.mkdir("member", "/Folder/Nested Folder")
    store.put_file("member", "/Folder/Nested Folder/giphy.gif", b"GIF89a")
    store.put_file("member", "/Folder/Nested Folder/todo.txt", b"todo")
    with live_nextcloud.client("member") as client:
        answer = client.request(
            "PROPFIND",
            dav(live_nextcloud, "/Folder/Nested%20Folder"),
            headers={"Depth": "1"},
            content=OP_PROPFIND,
        )
    reference = recorded(recordings, "nextcloud/files_query_parent_folder.yml")["response"]["body"][
        "string"
    ]
    assert answer.status_code == 207
    assert answer.headers["content-type"] == "application/xml; charset=utf-8"
    assert answer.text.split("<d:response>")[0] == reference.split("<d:response>")[0]
    mine, theirs = shape(answer.content), shape(reference)
    assert mine[0] == theirs[0]  # the folder: getcontenttype in a 404 propstat
    assert mine[1:] == theirs[1:3]  # files: everything found
    hrefs = [r.findtext(f"{D}href") for r in fromstring(answer.content).findall(f"{D}response")]
    assert hrefs == [
        "/remote.php/dav/files/member/Folder/Nested%20Folder/",
        "/remote.php/dav/files/member/Folder/Nested%20Folder/giphy.gif",
        "/remote.php/dav/files/member/Folder/Nested%20Folder/todo.txt",
    ]


def test_hrefs_use_lower_case_percent_encoding(live_nextcloud):
    live_nextcloud.store.mkdir("member", "/Ümlæûts & spe¢iæl (1)")
    with live_nextcloud.client("member") as client:
        answer = client.request(
            "PROPFIND", dav(live_nextcloud), headers={"Depth": "1"}, content=OP_PROPFIND
        )
    assert (
        "/remote.php/dav/files/member/%c3%9cml%c3%a6%c3%bbts%20%26%20spe%c2%a2i%c3%a6l%20(1)/"
        in answer.text
    )


def test_propfind_values_and_unknown_props(live_nextcloud):
    body = (
        '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"'
        ' xmlns:nc="http://nextcloud.org/ns" xmlns:x="urn:example"><d:prop><oc:fileid/><d:getetag/>'
        "<d:resourcetype/><nc:mount-type/><x:custom/><oc:permissions/></d:prop></d:propfind>"
    )
    with live_nextcloud.client("member") as client:
        answer = client.request(
            "PROPFIND",
            dav(live_nextcloud, "/Shared/report.pdf"),
            headers={"Depth": "0"},
            content=body,
        )
    root = fromstring(answer.content)
    found, missing = root.findall(f"{D}response/{D}propstat")
    assert found.findtext(f"{D}prop/{OC}fileid") == str(live_nextcloud.file_id)
    assert re.fullmatch(r'"[0-9a-f]{32}"', found.findtext(f"{D}prop/{D}getetag"))
    assert found.findtext(f"{D}prop/{OC}permissions") == "RMGDNVW"
    assert [p.tag for p in missing.find(f"{D}prop")] == ["{urn:example}custom"]
    assert missing.findtext(f"{D}status") == "HTTP/1.1 404 Not Found"


def test_propfind_unknown_path_is_the_recorded_sabre_404(live_nextcloud, recordings):
    with live_nextcloud.client("member") as client:
        answer = client.request(
            "PROPFIND",
            dav(live_nextcloud, "/I/just/made/that/up"),
            headers={"Depth": "1"},
            content=OP_PROPFIND,
        )
        nested = client.request(
            "PROPFIND",
            dav(live_nextcloud, "/Shared/top_secret"),
            headers={"Depth": "1"},
            content=OP_PROPFIND,
        )
    reference = recorded(recordings, "nextcloud/files_query_invalid_parent.yml")["response"][
        "body"
    ]["string"]
    assert answer.status_code == 404
    assert answer.text == reference
    assert (
        "<s:message>File with name /Shared/top_secret could not be located</s:message>"
        in nested.text
    )


def test_hidden_files_are_not_listed_and_not_reachable(live_nextcloud):
    store = live_nextcloud.store
    secret = store.put_file("admin", "/Shared/secret.txt", b"x")
    store.restrict(secret, "member")
    with live_nextcloud.client("member") as client:
        listing = client.request("PROPFIND", dav(live_nextcloud, "/Shared"), headers={"Depth": "1"})
        direct = client.get(dav(live_nextcloud, "/Shared/secret.txt"))
    assert "secret.txt" not in listing.text
    assert direct.status_code == 404


def test_bad_xml_and_no_auth_are_sabre_errors(live_nextcloud):
    with live_nextcloud.client("member") as client:
        bad = client.request("PROPFIND", dav(live_nextcloud), content=b"<d:propfind")
        bomb = client.request(
            "PROPFIND",
            dav(live_nextcloud),
            content=b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
        )
    with live_nextcloud.client(None) as client:
        anonymous = client.request("PROPFIND", dav(live_nextcloud))
        other_user = client.request(
            "PROPFIND", "/remote.php/dav/files/admin/", auth=("member", "member-password")
        )
    assert bad.status_code == 400 and "Sabre\\DAV\\Exception\\BadRequest" in bad.text
    assert bomb.status_code == 400
    assert anonymous.status_code == 401
    assert "Sabre\\DAV\\Exception\\NotAuthenticated" in anonymous.text
    assert anonymous.headers["www-authenticate"].startswith("Basic realm=")
    assert other_user.status_code == 404


def test_mkcol_put_get_move_delete_round_trip(live_nextcloud, recordings):
    store = live_nextcloud.store
    with live_nextcloud.client("member") as client:
        made = client.request("MKCOL", dav(live_nextcloud, "/F%C3%B6lder"))
        again = client.request("MKCOL", dav(live_nextcloud, "/F%C3%B6lder"))
        orphan = client.request("MKCOL", dav(live_nextcloud, "/DeathStar3/New%20Folder"))
        put = client.put(dav(live_nextcloud, "/F%C3%B6lder/test-file.txt"), content=b"hello world")
        overwritten = client.put(
            dav(live_nextcloud, "/F%C3%B6lder/test-file.txt"), content=b"hello again"
        )
        missing_parent = client.put(
            dav(live_nextcloud, "/non-existing-folder/test-file.txt"), content=b"x"
        )
        got = client.get(dav(live_nextcloud, "/F%C3%B6lder/test-file.txt"))
        moved = client.request(
            "MOVE",
            dav(live_nextcloud, "/F%C3%B6lder/test-file.txt"),
            headers={"Destination": f"{live_nextcloud.url}{dav(live_nextcloud, '/renamed.txt')}"},
        )
        deleted = client.delete(dav(live_nextcloud, "/renamed.txt"))
        deleted_again = client.delete(dav(live_nextcloud, "/renamed.txt"))
    assert made.status_code == 201 and re.fullmatch(r"\d{8}ocsandbox001", made.headers["oc-fileid"])
    assert (
        again.text
        == recorded(recordings, "nextcloud/create_folder_already_exists.yml")["response"]["body"][
            "string"
        ]
    )
    assert (
        orphan.text
        == recorded(recordings, "nextcloud/create_folder_parent_not_found.yml")["response"]["body"][
            "string"
        ]
    )
    assert put.status_code == 201 and put.headers["oc-etag"] == put.headers["etag"]
    assert overwritten.status_code == 204
    assert overwritten.headers["oc-fileid"] == put.headers["oc-fileid"]
    assert missing_parent.status_code == 404
    assert (
        missing_parent.text
        == recorded(recordings, "nextcloud/upload_file_missing_folder.yml")["response"]["body"][
            "string"
        ]
    )
    assert got.content == b"hello again"
    assert moved.status_code == 201 and moved.headers["oc-fileid"] == put.headers["oc-fileid"]
    file_id = int(put.headers["oc-fileid"][:8])
    assert store.path_of(store.node(file_id)) == "/renamed.txt"
    assert deleted.status_code == 204
    assert deleted_again.status_code == 404
    assert store.node(file_id).trashed


def test_move_keeps_the_id_and_respects_overwrite(live_nextcloud):
    store = live_nextcloud.store
    store.put_file("member", "/a.txt", b"a")
    store.put_file("member", "/b.txt", b"b")
    folder = store.mkdir("member", "/Box")
    with live_nextcloud.client("member") as client:
        refused = client.request(
            "MOVE",
            dav(live_nextcloud, "/a.txt"),
            headers={
                "Destination": f"{live_nextcloud.url}{dav(live_nextcloud, '/b.txt')}",
                "Overwrite": "F",
            },
        )
        into_itself = client.request(
            "MOVE",
            dav(live_nextcloud, "/Box"),
            headers={"Destination": f"{live_nextcloud.url}{dav(live_nextcloud, '/Box/Inner')}"},
        )
        no_destination = client.request("MOVE", dav(live_nextcloud, "/a.txt"))
        onto_itself = client.request(
            "MOVE",
            dav(live_nextcloud, "/a.txt"),
            headers={"Destination": f"{live_nextcloud.url}{dav(live_nextcloud, '/a.txt')}"},
        )
        over_its_parent = client.request(
            "MOVE",
            dav(live_nextcloud, "/Shared/report.pdf"),
            headers={"Destination": f"{live_nextcloud.url}{dav(live_nextcloud, '/Shared')}"},
        )
        folder_moved = client.request(
            "MOVE",
            dav(live_nextcloud, "/Box"),
            headers={
                "Destination": f"{live_nextcloud.url}{dav(live_nextcloud, '/Shared/Box%202')}"
            },
        )
    assert refused.status_code == 412
    assert into_itself.status_code == 409
    assert no_destination.status_code == 400
    assert onto_itself.status_code == 403
    assert over_its_parent.status_code == 409
    assert not store.node(live_nextcloud.file_id).trashed
    assert folder_moved.status_code == 201
    assert store.path_of(store.node(folder)) == "/Shared/Box 2"


def test_read_only_folder_refuses_writes(live_nextcloud):
    live_nextcloud.store.make_read_only(live_nextcloud.folder_id, "member")
    with live_nextcloud.client("member") as client:
        put = client.put(dav(live_nextcloud, "/Shared/new.txt"), content=b"x")
        listing = client.request(
            "PROPFIND", dav(live_nextcloud, "/Shared"), headers={"Depth": "0"}, content=OP_PROPFIND
        )
    assert put.status_code == 403
    assert (
        fromstring(listing.content).findtext(f"{D}response/{D}propstat/{D}prop/{OC}permissions")
        == "RMG"
    )


def test_put_beyond_quota_is_507(live_nextcloud):
    live_nextcloud.faults.quota_bytes["member"] = 10
    with live_nextcloud.client("member") as client:
        answer = client.put(dav(live_nextcloud, "/big.txt"), content=b"x" * 11)
    assert answer.status_code == 507
    assert "InsufficientStorage" in answer.text
    assert live_nextcloud.store.node_at("/big.txt") is None


def test_get_supports_range(live_nextcloud):
    live_nextcloud.store.put_file("member", "/digits.txt", b"0123456789")
    with live_nextcloud.client("member") as client:
        answer = client.get(dav(live_nextcloud, "/digits.txt"), headers={"Range": "bytes=2-4"})
        folder = client.get(dav(live_nextcloud, "/Shared"))
    assert answer.status_code == 206
    assert answer.content == b"234"
    assert answer.headers["content-range"] == "bytes 2-4/10"
    assert folder.status_code == 501
