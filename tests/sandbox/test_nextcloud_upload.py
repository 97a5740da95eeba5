"""integration_openproject's direct upload: tokens, name rules, the conflict matrix, limits."""

from __future__ import annotations

import logging
import re
import socket
import sqlite3
import time

import pytest
import yaml

APP = "/index.php/apps/integration_openproject"


def upload_token(live, folder_id: int | None = None, login: str = "member") -> str:
    with live.client(login) as client:
        answer = client.post(
            f"{APP}/direct-upload-token", json={"folder_id": str(folder_id or live.folder_id)}
        )
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


def upload(live, token: str, name: str = "notes.txt", content: bytes = b"hello", **fields: str):
    with live.client(None) as client:
        return client.post(
            f"{APP}/direct-upload/{token}", files={"file": (name, content)}, data=fields
        )


def raw_upload(live, token: str, filename: bytes, content: bytes = b"x"):
    """A hand-made body, for file names httpx would escape."""
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="' + filename + b'"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n" + content + b"\r\n--XyZ--\r\n"
    )
    with live.client(None) as client:
        return client.post(
            f"{APP}/direct-upload/{token}",
            content=body,
            headers={"Content-Type": "multipart/form-data; boundary=XyZ"},
        )


def test_token_shape_matches_the_recording(live_nextcloud, recordings):
    recorded = yaml.safe_load((recordings / "nextcloud/upload_link_success.yml").read_text())
    reference = recorded["http_interactions"][0]["response"]["body"]["string"]
    with live_nextcloud.client("member") as client:
        answer = client.post(
            f"{APP}/direct-upload-token", json={"folder_id": str(live_nextcloud.folder_id)}
        )
    body = answer.json()
    assert list(body) == list(yaml.safe_load(reference))
    assert re.fullmatch(r"[A-Za-z0-9]{64}", body["token"])
    assert isinstance(body["expires_on"], int)


def test_token_refused_for_unknown_file_or_read_only_folder(live_nextcloud, recordings):
    store = live_nextcloud.store
    read_only = store.mkdir("admin", "/Archive")
    store.make_read_only(read_only, "member")
    recorded = yaml.safe_load((recordings / "nextcloud/upload_link_not_found.yml").read_text())
    reference = recorded["http_interactions"][0]["response"]["body"]["string"]
    with live_nextcloud.client("member") as client:
        answers = [
            client.post(f"{APP}/direct-upload-token", json={"folder_id": folder})
            for folder in ("1337", str(live_nextcloud.file_id), read_only, "abc", None)
        ]
        broken = client.post(
            f"{APP}/direct-upload-token", content=b"{", headers={"Content-Type": "application/json"}
        )
    with live_nextcloud.client(None) as client:
        anonymous = client.post(
            f"{APP}/direct-upload-token", json={"folder_id": live_nextcloud.folder_id}
        )
    for answer in [*answers, broken]:
        assert answer.status_code == 404
        assert answer.text == reference
    assert anonymous.status_code == 401


def test_upload_creates_the_file(live_nextcloud):
    answer = upload(live_nextcloud, upload_token(live_nextcloud), "report 2.pdf", b"%PDF")
    assert answer.status_code == 201
    body = answer.json()
    assert body["file_name"] == "report 2.pdf"
    node = live_nextcloud.store.node(body["file_id"])
    assert node.owner == "member" and node.mime == "application/pdf"
    assert live_nextcloud.store.content_path(node.id).read_bytes() == b"%PDF"


def test_token_burns_on_any_outcome(live_nextcloud):
    token = upload_token(live_nextcloud)
    conflict = upload(live_nextcloud, token, "report.pdf")
    reused = upload(live_nextcloud, token, "other.txt")
    assert conflict.status_code == 409
    assert reused.status_code == 401
    assert reused.json() == {"error": "unauthorized"}
    assert upload(live_nextcloud, "short").json() == {"error": "invalid token"}


def test_expired_token_is_invalid(live_nextcloud, tmp_path):
    token = upload_token(live_nextcloud)
    with sqlite3.connect(tmp_path / "nextcloud.sqlite3") as db:
        db.execute("UPDATE upload_tokens SET expires = 0")
    answer = upload(live_nextcloud, token)
    assert (answer.status_code, answer.json()) == (404, {"error": "invalid token"})


@pytest.mark.parametrize(
    ("overwrite", "status", "expected"),
    [
        (None, 409, {"error": "conflict, file name already exists"}),
        ("false", 201, "report (2).pdf"),
        ("FALSE", 201, "report (2).pdf"),
        ("true", 200, "report.pdf"),
        ("maybe", 400, {"error": "invalid overwrite value"}),
    ],
)
def test_conflict_matrix_for_an_existing_file(live_nextcloud, overwrite, status, expected):
    fields = {"overwrite": overwrite} if overwrite is not None else {}
    answer = upload(live_nextcloud, upload_token(live_nextcloud), "report.pdf", b"new", **fields)
    assert answer.status_code == status
    if isinstance(expected, dict):
        assert answer.json() == expected
    else:
        assert answer.json()["file_name"] == expected
    if status == 200:
        assert answer.json()["file_id"] == live_nextcloud.file_id
        assert live_nextcloud.store.content_path(live_nextcloud.file_id).read_bytes() == b"new"


@pytest.mark.parametrize(
    ("overwrite", "status", "expected"),
    [
        (None, 409, {"error": "conflict, file name already exists"}),
        ("false", 201, {"file_name": "Inner (2)"}),
        ("true", 409, {"error": "overwrite is not allowed on non-files"}),
    ],
)
def test_conflict_matrix_for_an_existing_folder(live_nextcloud, overwrite, status, expected):
    live_nextcloud.store.mkdir("admin", "/Shared/Inner")
    fields = {"overwrite": overwrite} if overwrite is not None else {}
    answer = upload(live_nextcloud, upload_token(live_nextcloud), "Inner", **fields)
    assert answer.status_code == status
    assert expected.items() <= answer.json().items()


def test_overwrite_may_come_in_the_query_string(live_nextcloud):
    with live_nextcloud.client(None) as client:
        answer = client.post(
            f"{APP}/direct-upload/{upload_token(live_nextcloud)}?overwrite=true",
            files={"file": ("report.pdf", b"q")},
        )
    assert (answer.status_code, answer.json()["file_id"]) == (200, live_nextcloud.file_id)


def test_auto_rename_takes_the_next_free_number(live_nextcloud):
    live_nextcloud.store.put_file("admin", "/Shared/report (2).pdf", b"2")
    answer = upload(live_nextcloud, upload_token(live_nextcloud), "report.pdf", overwrite="false")
    assert answer.json()["file_name"] == "report (3).pdf"
    again = upload(
        live_nextcloud, upload_token(live_nextcloud), "report (2).pdf", overwrite="false"
    )
    assert again.json()["file_name"] == "report (4).pdf"


@pytest.mark.parametrize(
    ("raw", "status", "name"),
    [
        (b"../../etc/passwd.txt", 201, "passwd.txt"),
        (b"dir/a.txt", 201, "a.txt"),
        (b"x\\b.txt", 201, "b.txt"),
        (b"  spaced.txt  ", 201, "spaced.txt"),
        (b"   ", 400, None),
        (b"bad\x01name.txt", 400, None),
        (b"../..", 400, None),
        (b".htaccess", 403, None),
        (b"sub/.htaccess", 403, None),
    ],
)
def test_name_rules(live_nextcloud, raw, status, name):
    answer = raw_upload(live_nextcloud, upload_token(live_nextcloud), raw)
    assert answer.status_code == status, answer.text
    if name:
        node = live_nextcloud.store.node(answer.json()["file_id"])
        assert node.name == name and node.parent_id == live_nextcloud.folder_id
    else:
        assert answer.json() == {"error": "invalid file name"}


def test_upload_limit_gives_413_with_the_limit(live_nextcloud):
    live_nextcloud.faults.upload_limit_bytes = 100
    too_big = upload(live_nextcloud, upload_token(live_nextcloud), content=b"x" * 101)
    assert too_big.status_code == 413
    assert too_big.json() == {
        "error": "File was not uploaded. upload_max_filesize exceeded?",
        "upload_limit": 100,
    }
    with live_nextcloud.client(None) as client:
        no_file = client.post(
            f"{APP}/direct-upload/{upload_token(live_nextcloud)}", data={"overwrite": "true"}
        )
    assert no_file.status_code == 413
    assert no_file.json()["error"] == "File was not uploaded. post_max_size exceeded?"
    assert no_file.json()["upload_limit"] == 100
    assert len(list(live_nextcloud.store.incoming_dir.iterdir())) == 0


def test_quota_gives_507_and_overwrite_needs_old_plus_new(live_nextcloud):
    live_nextcloud.faults.quota_bytes["member"] = 10
    assert (
        upload(live_nextcloud, upload_token(live_nextcloud), "big.txt", b"x" * 11).status_code
        == 507
    )
    assert (
        upload(live_nextcloud, upload_token(live_nextcloud), "mine.txt", b"x" * 6).status_code
        == 201
    )
    # 6 used, 4 free: the old content still counts while the new one is written
    answer = upload(
        live_nextcloud, upload_token(live_nextcloud), "mine.txt", b"y" * 5, overwrite="true"
    )
    assert (answer.status_code, answer.json()) == (507, {"error": "insufficient quota"})
    assert (
        upload(
            live_nextcloud, upload_token(live_nextcloud), "mine.txt", b"z" * 4, overwrite="true"
        ).status_code
        == 200
    )


def test_numbered_names_count_up_like_nextcloud(live_nextcloud):
    live_nextcloud.store.put_file("admin", "/Shared/scan (7).pdf", b"7")
    answer = upload(live_nextcloud, upload_token(live_nextcloud), "scan (7).pdf", overwrite="false")
    assert answer.json()["file_name"] == "scan (8).pdf"


def test_deleted_folder_and_read_only_folder(live_nextcloud):
    store = live_nextcloud.store
    token = upload_token(live_nextcloud)
    store.trash(live_nextcloud.folder_id)
    gone = upload(live_nextcloud, token)
    assert (gone.status_code, gone.json()) == (
        404,
        {"error": "folder not found or not enough permissions"},
    )
    box = store.mkdir("admin", "/Box")
    token = upload_token(live_nextcloud, box)
    store.make_read_only(box, "member")
    refused = upload(live_nextcloud, token)
    assert (refused.status_code, refused.json()) == (403, {"error": "not enough permissions"})


def test_cors_preflight_and_header(live_nextcloud):
    token = upload_token(live_nextcloud)
    with live_nextcloud.client(None) as client:
        preflight = client.options(
            f"{APP}/direct-upload/{token}", headers={"Origin": "http://op.example"}
        )
        posted = client.post(
            f"{APP}/direct-upload/{token}",
            files={"file": ("c.txt", b"c")},
            headers={"Origin": "http://op.example"},
        )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "http://op.example"
    assert preflight.headers["access-control-allow-methods"] == "POST"
    assert posted.status_code == 201
    assert posted.headers["access-control-allow-origin"] == "http://op.example"


def test_garbage_bodies_are_client_errors(live_nextcloud):
    with live_nextcloud.client(None) as client:
        for headers, body in (
            ({"Content-Type": "multipart/form-data; boundary=XyZ"}, b"--XyZ\r\nnonsense"),
            ({"Content-Type": "multipart/form-data"}, b"whatever"),
            ({"Content-Type": "text/plain"}, b"hello"),
        ):
            answer = client.post(
                f"{APP}/direct-upload/{upload_token(live_nextcloud)}", content=body, headers=headers
            )
            assert answer.status_code == 413, answer.text


def test_a_client_leaving_mid_upload_is_no_server_error(live_nextcloud, caplog):
    token = upload_token(live_nextcloud)
    host, port = live_nextcloud.url.removeprefix("http://").split(":")
    head = (
        f"POST {APP}/direct-upload/{token} HTTP/1.1\r\nHost: {host}\r\n"
        "Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 1000000\r\n\r\n"
    )
    part = (
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="half.bin"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n" + b"x" * 1000
    )
    caplog.set_level(logging.INFO, logger="nep_tui.sandbox")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(head.encode() + part)
        time.sleep(0.2)
    deadline = time.monotonic() + 10
    while not any("Client left" in record.getMessage() for record in caplog.records):
        assert time.monotonic() < deadline, "the server never noticed the client leaving"
        time.sleep(0.05)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    with live_nextcloud.client("member") as client:
        listing = client.request(
            "PROPFIND", "/remote.php/dav/files/member/", headers={"Depth": "1"}
        )
    assert "half.bin" not in listing.text
