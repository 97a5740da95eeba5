"""The real CLI when a write's answer is lost, when the server is busy, when an error is about a
one-time link or a token, and when Nextcloud (not the login) refuses: the state is reported as
it is, nothing is done twice, no secret is printed, the right server is named."""

from __future__ import annotations

import json

from support.cli import nep, one_sentence, through

from nep_tui.cli.exit_codes import ExitCode

DEMO_FOLDER = "/OpenProject/Nepenthes Demo (1)"


def _names_in_folder(proxy, sandbox) -> list[str]:
    listing = nep(*through(proxy, sandbox), "--json", "storage", "ls", "1", DEMO_FOLDER)
    assert listing.exit_code == 0, listing.stderr
    return [item["name"] for item in listing.json["files"]]


def _upload(proxy, sandbox, path):
    return nep(*through(proxy, sandbox), "files", "upload", "2", str(path), "--folder", DEMO_FOLDER)


def _direct_uploads(proxy) -> list[str]:
    return [t for m, t in proxy.requests("nextcloud") if m == "POST" and "/direct-upload/" in t]


def test_an_upload_whose_answer_was_lost_is_found_linked_and_sent_once(
    own_proxy, fresh_sandbox, tmp_path
):
    source = tmp_path / "lost-answer.txt"
    source.write_bytes(b"arrived all the same\n")
    own_proxy.add("lost_answer", side="nextcloud", method="POST", path=r"/direct-upload/")
    run = _upload(own_proxy, fresh_sandbox, source)
    assert run.exit_code == 0, run.stderr
    assert "Uploaded lost-answer.txt" in run.stdout and "Linked lost-answer.txt" in run.stdout
    assert len(_direct_uploads(own_proxy)) == 1
    assert _names_in_folder(own_proxy, fresh_sandbox).count("lost-answer.txt") == 1


def test_an_upload_that_never_arrived_says_nothing_was_uploaded(own_proxy, fresh_sandbox, tmp_path):
    source = tmp_path / "never-arrived.txt"
    source.write_bytes(b"lost on the way\n")
    own_proxy.add("drop", side="nextcloud", method="POST", path=r"/direct-upload/")
    run = _upload(own_proxy, fresh_sandbox, source)
    assert run.exit_code == ExitCode.NETWORK
    assert "nothing was uploaded" in one_sentence(run)
    assert "Uploaded" not in run.stdout and "Linked" not in run.stdout
    assert "never-arrived.txt" not in _names_in_folder(own_proxy, fresh_sandbox)


def _unlinked_file_id(proxy, sandbox, work_package: str) -> str:
    linked = nep(*through(proxy, sandbox), "--json", "files", "list", work_package).json
    listing = nep(*through(proxy, sandbox), "--json", "storage", "ls", "1", DEMO_FOLDER).json
    taken = {str(link["origin_id"]) for link in linked}
    return next(
        str(item["id"])
        for item in listing["files"]
        if not item["is_folder"] and str(item["id"]) not in taken
    )


def _links_to(proxy, sandbox, work_package: str, file_id: str) -> int:
    linked = nep(*through(proxy, sandbox), "--json", "files", "list", work_package).json
    return sum(str(link["origin_id"]) == file_id for link in linked)


def test_a_link_whose_answer_was_lost_is_reported_linked_and_never_doubled(
    own_proxy, fresh_sandbox
):
    file_id = _unlinked_file_id(own_proxy, fresh_sandbox, "2")
    own_proxy.add("lost_answer", method="POST", path=r"/api/v3/work_packages/2/file_links$")
    run = nep(*through(own_proxy, fresh_sandbox), "files", "link", "2", "--file-id", file_id)
    assert run.exit_code == 0, run.stderr
    assert "Linked" in run.stdout
    again = nep(*through(own_proxy, fresh_sandbox), "files", "link", "2", "--file-id", file_id)
    assert again.exit_code == 0, again.stderr
    assert _links_to(own_proxy, fresh_sandbox, "2", file_id) == 1


def test_a_link_request_that_never_arrived_is_reported_not_linked(own_proxy, fresh_sandbox):
    file_id = _unlinked_file_id(own_proxy, fresh_sandbox, "2")
    own_proxy.add("drop", method="POST", path=r"/api/v3/work_packages/2/file_links$")
    run = nep(*through(own_proxy, fresh_sandbox), "files", "link", "2", "--file-id", file_id)
    assert run.exit_code == ExitCode.NETWORK
    assert "it was not linked" in one_sentence(run)
    assert "Linked" not in run.stdout
    assert _links_to(own_proxy, fresh_sandbox, "2", file_id) == 0


def test_a_short_retry_after_is_waited_out_and_said_so(sandbox, fault_proxy, fast_limits):
    fault_proxy.add("status", path=r"/api/v3/projects", status=503, headers={"Retry-After": "1"})
    run = nep(*through(fault_proxy, sandbox), "projects", "list")
    assert run.exit_code == 0, run.stderr
    assert "trying again in 1 s" in run.stderr
    assert "Nepenthes Demo" in run.stdout


def test_a_long_retry_after_is_reported_with_the_wait(sandbox, fault_proxy, fast_limits):
    fault_proxy.add("status", path=r"/api/v3/projects", status=429, headers={"Retry-After": "600"})
    run = nep(*through(fault_proxy, sandbox), "projects", "list")
    assert run.exit_code == ExitCode.SERVER
    assert "10 min" in one_sentence(run)
    assert len([t for _m, t in fault_proxy.requests() if t.startswith("/api/v3/projects")]) == 1


def test_a_busy_answer_to_a_write_is_not_sent_again(sandbox, fault_proxy, fast_limits):
    fault_proxy.add(
        "status", method="POST", path=r"/read_ian$", status=503, headers={"Retry-After": "0"}
    )
    run = nep(*through(fault_proxy, sandbox), "notifications", "read", "--all")
    assert run.exit_code == ExitCode.SERVER
    one_sentence(run)
    assert "Marked" not in run.stdout
    assert [t for _m, t in fault_proxy.requests() if t.endswith("/read_ian")] == [
        "/api/v3/notifications/read_ian"
    ]


def test_an_upload_error_shows_neither_the_one_time_link_nor_the_token(
    own_proxy, fresh_sandbox, tmp_path
):
    source = tmp_path / "secret-test.txt"
    source.write_bytes(b"x")
    own_proxy.add("status", side="nextcloud", method="POST", path=r"/direct-upload/", status=500)
    run = _upload(own_proxy, fresh_sandbox, source)
    assert run.exit_code == ExitCode.NEXTCLOUD
    line = one_sentence(run)
    assert line.startswith("error: Nextcloud (127.0.0.1)")
    [upload_url] = _direct_uploads(own_proxy)
    secret = upload_url.rstrip("/").rsplit("/", 1)[-1]
    token = fresh_sandbox.user("member").api_token
    for text in (run.stdout, run.stderr):
        assert secret not in text and token not in text


def test_an_error_never_echoes_the_token(sandbox, fault_proxy, fast_limits):
    token = sandbox.user("member").api_token
    # A gateway that quotes the request's credentials back in its error message.
    body = json.dumps(
        {
            "_type": "Error",
            "errorIdentifier": "urn:openproject-org:api:v3:errors:InvalidQuery",
            "message": f"Token {token} is not valid here.",
        }
    )
    fault_proxy.add(
        "status",
        path=r"/api/v3/projects",
        status=400,
        body=body.encode(),
        type="application/hal+json",
    )
    run = nep(*through(fault_proxy, sandbox), "projects", "list")
    assert run.exit_code == ExitCode.SERVER
    assert "is not valid here" in one_sentence(run)
    assert token not in run.stderr and token not in run.stdout


def test_a_401_from_nextcloud_on_a_download_names_nextcloud_not_the_login(
    sandbox, fault_proxy, fast_limits, tmp_path
):
    fault_proxy.add("status", side="nextcloud", path=r"/direct/", status=401)
    run = nep(*through(fault_proxy, sandbox), "files", "download", "1", "-o", str(tmp_path))
    assert run.exit_code == ExitCode.NEXTCLOUD
    line = one_sentence(run)
    assert line.startswith("error: Nextcloud (127.0.0.1) refused")
    assert "logged out" not in line.lower() and "/direct/***" in line
    assert list(tmp_path.iterdir()) == []
    assert nep(*through(fault_proxy, sandbox), "projects", "list").exit_code == 0
