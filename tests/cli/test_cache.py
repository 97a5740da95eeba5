"""`nep-tui cache clear`, `logout` forgetting its profile's last-seen data, and a cache that
never holds a token or a file's contents."""

from __future__ import annotations

import asyncio

from support.cli import nep
from support.oauth import oauth_login

from nep_tui.api import cache
from nep_tui.api.shelves import cached_project_identifiers


def _log_in(sandbox, profile: str, login: str) -> None:
    token = sandbox.user(login).api_token
    run = nep("login", sandbox.nepenthes_url, "--token", token, "--profile", profile)
    assert run.exit_code == 0, run.stderr


def _see_projects(profile: str) -> None:
    """What the CLI fetches on a stored profile is kept as that profile's last-seen data."""
    run = nep("--profile", profile, "projects", "list")
    assert run.exit_code == 0, run.stderr
    assert "demo" in cached_project_identifiers(profile)


def test_cache_clear_of_one_profile_then_of_all(sandbox):
    for profile, login in (("work", "member"), ("ops", "admin")):
        _log_in(sandbox, profile, login)
        _see_projects(profile)

    one = nep("--json", "cache", "clear", "--profile", "work")
    assert one.exit_code == 0, one.stderr
    assert one.json == {"profile": "work", "removed": 1}
    assert cached_project_identifiers("work") == []
    assert "demo" in cached_project_identifiers("ops")

    assert nep("--profile", "ops", "wp", "show", "1").exit_code == 0
    every = nep("--json", "cache", "clear")
    assert every.exit_code == 0, every.stderr
    assert every.json == {"profile": None, "removed": 2}  # ops's projects and work package
    assert cached_project_identifiers("ops") == []

    again = nep("cache", "clear")
    assert again.exit_code == 0
    assert again.stdout == "Cleared the last-seen data of all profiles (0 entries).\n"


def test_logout_forgets_only_that_profiles_last_seen_data(sandbox):
    for profile, login in (("work", "member"), ("ops", "admin")):
        _log_in(sandbox, profile, login)
        _see_projects(profile)
    run = nep("logout", "--profile", "work")
    assert run.exit_code == 0, run.stderr
    assert cached_project_identifiers("work") == []
    assert "demo" in cached_project_identifiers("ops")


def test_the_cache_never_holds_a_token_or_a_files_contents(sandbox, tmp_path):
    _log_in(sandbox, "work", "member")
    tokens = asyncio.run(oauth_login(sandbox, "oauth"))
    for profile in ("work", "oauth"):
        for command in (
            ["projects", "list"],
            ["wp", "list", "--project", "demo"],
            ["wp", "show", "1"],
            ["files", "list", "1"],
            ["notifications", "list"],
        ):
            run = nep("--profile", profile, *command)
            assert run.exit_code == 0, (command, run.stderr)
    files = nep("--json", "--profile", "oauth", "files", "list", "1").json
    readable = next(f for f in files if not f["is_folder"] and f["status"] == "ViewAllowed")
    saved = nep(
        "--json",
        "--profile",
        "oauth",
        "files",
        "download",
        str(readable["id"]),
        "-o",
        str(tmp_path),
    )
    assert saved.exit_code == 0, saved.stderr

    content = cache.cache_path().read_bytes()
    assert b"work_package:1" in content and b"file_links:1" in content  # it was used
    secrets = [sandbox.user("member").api_token, tokens.access_token, tokens.refresh_token]
    for secret in secrets:
        assert secret and secret.encode() not in content
    assert b"Bearer" not in content and b"Authorization" not in content
    downloaded = (tmp_path / readable["name"]).read_bytes()
    assert len(downloaded) >= 16 and downloaded not in content
