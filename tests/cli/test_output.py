"""The CLI's output helpers and error handling, without a server."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from support import REPO_ROOT
from support.cli import nep

from nep_tui.api import errors
from nep_tui.api.models import FileLinkStatus, Project
from nep_tui.cli import _mask_secrets
from nep_tui.cli.exit_codes import ExitCode, exit_code_for
from nep_tui.cli.output import Column, Progress, cell, render_table, to_jsonable


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.NepError(), ExitCode.GENERIC),
        (errors.ValidationFailed(), ExitCode.USAGE),
        (errors.NotLoggedIn(), ExitCode.NOT_LOGGED_IN),
        (errors.LoggedOut(), ExitCode.NOT_LOGGED_IN),
        (errors.AccessDenied(), ExitCode.NOT_LOGGED_IN),
        (errors.PermissionDenied(), ExitCode.PERMISSION_DENIED),
        (errors.NotFound(), ExitCode.NOT_FOUND),
        (errors.UpdateConflict(), ExitCode.CONFLICT),
        (errors.FileNameExists(file_name="a"), ExitCode.CONFLICT),
        (errors.DownloadTargetExists("/tmp/a"), ExitCode.CONFLICT),
        (errors.TooLarge(limit_bytes=5), ExitCode.TOO_LARGE),
        (errors.QuotaExceeded(), ExitCode.TOO_LARGE),
        (errors.NextcloudNotConnected(), ExitCode.NEXTCLOUD),
        (errors.NextcloudUnreachable(), ExitCode.NEXTCLOUD),
        (errors.NetworkUnreachable(), ExitCode.NETWORK),
        (errors.TLSVerificationFailed(), ExitCode.NETWORK),
        (errors.InsecureServer(), ExitCode.NETWORK),
        (errors.ServerError(), ExitCode.SERVER),
        (errors.MalformedResponse("GET /api/v3"), ExitCode.SERVER),
        (errors.BadRequest(), ExitCode.SERVER),
    ],
)
def test_each_error_class_has_its_exit_code(error, code):
    assert exit_code_for(error) == code


def test_tls_failure_is_one_line_with_the_ca_bundle_hint(monkeypatch):
    def fail(*args, **kwargs):
        raise errors.TLSVerificationFailed()

    monkeypatch.setattr("nep_tui.api.session.open_client", fail)
    run = nep("--server", "https://nepenthes.example.org", "--token", "t0ken", "projects", "list")
    assert run.exit_code == 9
    assert run.stderr.count("\n") == 1 and "--ca-bundle" in run.stderr


def test_an_unexpected_exception_is_one_line_not_a_traceback(monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("boom with opapi-0123456789abcdef0123")

    monkeypatch.setattr("nep_tui.api.session.open_client", crash)
    monkeypatch.delenv("NEP_TUI_DEBUG", raising=False)
    run = nep("--server", "http://127.0.0.1:1", "--token", "x", "projects", "list")
    assert run.exit_code == 1
    assert run.stderr.startswith("error: unexpected internal error (RuntimeError)")
    assert "Traceback" not in run.stderr and "opapi-" not in run.stderr


def test_secrets_are_masked_in_error_lines(monkeypatch):
    monkeypatch.setenv("NEP_TUI_TOKEN", "env-secret-value")
    line = "error: saw cli-secret-value and env-secret-value and opapi-abcdef0123456789"
    masked = _mask_secrets(line, ["--token", "cli-secret-value"])
    assert masked == "error: saw *** and *** and ***"
    assert _mask_secrets("x=eq-secret-value", ["--token=eq-secret-value"]) == "x=***"


def test_cells_are_plain_one_line_text():
    assert cell("[b]x[/b]\x1b[31m red\nnext") == "[b]x[/b] red next"
    assert cell(None) == "" and cell(True) == "yes" and cell(FileLinkStatus.NOT_FOUND) == "NotFound"


def test_table_aligns_and_shrinks_flexible_columns_to_the_width():
    rows = [("1", "a rather long subject that will not fit", "New"), ("22", "short", "Closed")]
    columns = [
        Column("ID", lambda r: r[0], align_right=True),
        Column("SUBJECT", lambda r: r[1], flexible=True),
        Column("STATUS", lambda r: r[2]),
    ]
    wide = render_table(rows, columns)
    assert wide[0].index("STATUS") == wide[1].index("New") == wide[2].index("Closed")
    assert wide[1].startswith(" 1  a rather") and wide[2].startswith("22  short")

    narrow = render_table(rows, columns, max_width=30)
    assert all(len(line) <= 30 for line in narrow)
    assert "…" in narrow[1]


def test_to_jsonable_uses_model_fields():
    project = Project(id=1, identifier="demo", name="Demo")
    when = datetime(2026, 1, 15, 10, 30, tzinfo=UTC)
    assert to_jsonable({"p": [project], "when": when, "status": FileLinkStatus.ERROR}) == {
        "p": [project.model_dump(mode="json")],
        "when": "2026-01-15T10:30:00+00:00",
        "status": "Error",
    }


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_only_on_a_terminal():
    terminal = FakeTerminal()
    progress = Progress("big\x1b[31m.iso", stream=terminal)
    progress(500_000, 1_000_000)
    progress(1_000_000, 1_000_000)
    progress.finish()
    text = terminal.getvalue()
    assert "big.iso  1.0 MB / 1.0 MB  100%" in text and text.endswith("\n")
    assert "\x1b[31m" not in text

    piped = io.StringIO()
    quiet = Progress("x", stream=piped)
    quiet(1, 2)
    quiet.finish()
    assert piped.getvalue() == ""


def test_the_tui_missing_gives_a_clear_message(monkeypatch):
    def missing(name, *args, **kwargs):
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    monkeypatch.setattr("nep_tui.cli.launch.importlib.import_module", missing)
    run = nep()
    assert run.exit_code == 1
    assert "not available" in run.stderr


def test_sandbox_forwards_its_arguments(monkeypatch):
    seen: list[list[str]] = []
    monkeypatch.setattr("nep_tui.sandbox.server.main", lambda argv: seen.append(argv) or 0)
    run = nep("sandbox", "--seed", "empty", "--port", "8080", "--help")
    assert run.exit_code == 0, run.stderr
    assert seen == [["--seed", "empty", "--port", "8080", "--help"]]


def test_open_starts_the_tui_at_the_link_with_the_profile(monkeypatch):
    calls: list[tuple] = []
    monkeypatch.setattr(
        "nep_tui.app.run_app",
        lambda start_url=None, profile=None: calls.append((start_url, profile)) or 0,
    )
    assert nep("--profile", "work", "open", "https://x.example/work_packages/5").exit_code == 0
    assert calls == [("https://x.example/work_packages/5", "work")]


def test_demo_forwards_reset(monkeypatch):
    pytest.importorskip("nep_tui.demo", reason="nep_tui/demo.py is not there yet")
    calls: list[tuple[bool, bool]] = []

    def run(reset: bool = False, admin: bool = False) -> int:
        calls.append((reset, admin))
        return 0

    monkeypatch.setattr("nep_tui.demo.run", run)
    assert nep("demo", "--reset").exit_code == 0
    assert nep("demo", "--admin").exit_code == 0
    assert calls == [(True, False), (False, True)]


README = REPO_ROOT / "README.md"


def _readme_table_rows(heading: str) -> list[list[str]]:
    section = README.read_text(encoding="utf-8").split(heading, 1)[1]
    rows = []
    for line in section.splitlines()[2:]:
        if line.startswith("#"):
            break
        if line.startswith("| ") and not line.startswith("| ---"):
            rows.append([part.strip() for part in line.strip("|").split(" | ")])
    return rows


def test_readme_json_fields_are_the_model_fields():
    from nep_tui.api import models

    documented = {
        row[0]: row[1] for row in _readme_table_rows("### JSON output") if hasattr(models, row[0])
    }
    assert len(documented) == 9
    for name, fields_text in documented.items():
        fields = fields_text.split("`")[1].split(", ")
        assert fields == list(getattr(models, name).model_fields)[: len(fields)], name


def test_readme_exit_codes_are_the_real_ones():
    rows = _readme_table_rows("### Errors and exit codes")
    assert sorted(int(row[0]) for row in rows[1:]) == sorted(code.value for code in ExitCode)


def test_tree_progress_line_shows_files_bytes_and_the_current_file():
    from nep_tui.api.folder_download import TreeProgress
    from nep_tui.cli.folder_transfer import TreeProgressLine

    terminal = FakeTerminal()
    line = TreeProgressLine(stream=terminal)
    line(TreeProgress(0, 2048, 0, 2, "a/evil\x1b[31m.txt"))
    line(TreeProgress(2048, 2048, 2, 2, None))
    line.finish()
    written = terminal.getvalue()
    assert "0/2 files" in written and "a/evil.txt" in written and "\x1b[31m" not in written
    assert written.endswith("2/2 files  2.0 kB / 2.0 kB  100%\n")
