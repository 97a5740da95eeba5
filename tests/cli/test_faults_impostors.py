"""The real CLI against answers that are not what they claim, through the fault proxy: a
sign-in page with 200 on a read, a write and a download; a compression bomb; a huge JSON answer;
a redirect to another host. One sentence, no false success, the user's file kept."""

from __future__ import annotations

import pytest
from support.cli import nep, one_sentence, through

from nep_tui.cli.exit_codes import ExitCode

SIGN_IN = "answered a sign-in page: a proxy or single sign-on is in the way"
KICKOFF_LINK = "1"


def _download(proxy, sandbox, folder, *extra: str):
    return nep(
        *through(proxy, sandbox), "files", "download", KICKOFF_LINK, "-o", str(folder), *extra
    )


def test_a_sign_in_page_answering_a_read_is_named(sandbox, fault_proxy, fast_limits):
    fault_proxy.add("html", path=r"/api/v3/projects")
    run = nep(*through(fault_proxy, sandbox), "projects", "list")
    assert run.exit_code == ExitCode.NETWORK
    assert SIGN_IN in one_sentence(run)
    assert run.stdout == ""


def test_a_sign_in_page_answering_a_write_is_no_success(sandbox, fault_proxy, fast_limits):
    unread = nep(*through(fault_proxy, sandbox), "--json", "notifications", "list", "--unread")
    first = str(unread.json[0]["id"])
    fault_proxy.add("html", method="POST", path=r"/read_ian$")
    run = nep(*through(fault_proxy, sandbox), "notifications", "read", first)
    assert run.exit_code == ExitCode.NETWORK
    assert SIGN_IN in one_sentence(run)
    assert "Marked" not in run.stdout
    still = nep(*through(fault_proxy, sandbox), "--json", "notifications", "list", "--unread")
    assert first in [str(item["id"]) for item in still.json]


@pytest.mark.parametrize(
    ("side", "path"),
    [("nepenthes", r"/api/v3/file_links/\d+/download"), ("nextcloud", r"/direct/")],
)
def test_a_sign_in_page_instead_of_a_file_keeps_the_users_file(
    sandbox, fault_proxy, fast_limits, tmp_path, side, path
):
    target = tmp_path / "Kickoff presentation.pdf"
    target.write_bytes(b"my own edits")
    fault_proxy.add("html", side=side, path=path)
    run = _download(fault_proxy, sandbox, tmp_path, "--overwrite")
    assert run.exit_code == ExitCode.NETWORK
    assert SIGN_IN in one_sentence(run)
    assert "Saved" not in run.stdout
    assert target.read_bytes() == b"my own edits"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        pytest.param("gzip_bomb", {"unpacked": 64 * 1024 * 1024}, id="compression-bomb"),
        pytest.param("huge_json", {"size": 3 * 1024 * 1024}, id="huge-json"),
    ],
)
def test_an_oversized_api_answer_is_refused_with_the_limit(
    sandbox, fault_proxy, fast_limits, kind, params
):
    fault_proxy.add(kind, path=r"/api/v3/projects", **params)
    run = nep(*through(fault_proxy, sandbox), "projects", "list")
    assert run.exit_code == ExitCode.SERVER
    line = one_sentence(run)
    assert "more than 1 MiB" in line and "NEP_TUI_MAX_ANSWER_MB" in line
    assert run.stdout == ""


def test_a_compression_bomb_instead_of_a_file_is_not_unpacked_to_disk(
    sandbox, fault_proxy, fast_limits, tmp_path
):
    fault_proxy.add(
        "gzip_bomb", side="nextcloud", path=r"/direct/", unpacked=64 * 1024 * 1024, type="x/pdf"
    )
    run = _download(fault_proxy, sandbox, tmp_path)
    assert run.exit_code == ExitCode.SERVER
    one_sentence(run)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("side", "path"),
    [("nepenthes", r"/api/v3/file_links/\d+/download"), ("nextcloud", r"/direct/")],
)
def test_a_redirect_to_another_host_is_not_followed(
    sandbox, fault_proxy, fast_limits, tmp_path, side, path
):
    fault_proxy.add("redirect", side=side, path=path, to="http://127.0.0.2:9/steal")
    run = _download(fault_proxy, sandbox, tmp_path)
    assert run.exit_code == ExitCode.NETWORK
    line = one_sentence(run)
    assert "127.0.0.2" in line and "did not follow" in line
    assert list(tmp_path.iterdir()) == []
    assert all("127.0.0.2" not in target for _method, target in fault_proxy.requests())
