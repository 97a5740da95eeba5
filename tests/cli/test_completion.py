"""`nep-tui completion`: the scripts click writes, and what Tab offers."""

from __future__ import annotations

import pytest
from click.shell_completion import ShellComplete
from support.cli import nep

from nep_tui.api.profiles import Profile, save_profile
from nep_tui.cli import cli
from nep_tui.cli import completion as completion_module


def candidates(args: list[str], incomplete: str) -> list[str]:
    complete = ShellComplete(cli, {}, "nep-tui", "_NEP_TUI_COMPLETE")
    return [item.value for item in complete.get_completions(args, incomplete)]


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "_NEP_TUI_COMPLETE=bash_complete"),
        ("zsh", "#compdef nep-tui"),
        ("fish", "_NEP_TUI_COMPLETE=fish_complete"),
    ],
)
def test_each_shell_gets_its_script(shell: str, marker: str) -> None:
    run = nep("completion", shell)
    assert run.exit_code == 0, run.stderr
    assert marker in run.stdout


def test_an_unknown_shell_is_a_usage_error() -> None:
    run = nep("completion", "tcsh")
    assert run.exit_code == 2
    assert "tcsh" in run.stderr


def test_commands_complete() -> None:
    assert "completion" in candidates([], "comp")
    assert set(candidates(["storage"], "")) >= {"ls", "list"}


def test_profile_names_complete_from_the_stored_profiles() -> None:
    for name in ("work", "workshop", "home"):
        save_profile(Profile(name=name, server_url="https://example.org"))
    assert candidates([], "--profile") == ["--profile"]
    assert candidates(["--profile"], "wo") == ["work", "workshop"]
    assert candidates(["logout", "--profile"], "h") == ["home"]


def test_profile_completion_without_profiles_offers_nothing() -> None:
    assert candidates(["--profile"], "") == []


def test_project_identifiers_complete_from_the_last_seen_cache(monkeypatch) -> None:
    asked = []

    def cached(profile: str | None) -> list[str]:
        asked.append(profile)
        return ["demo", "mobile", "mobile-backend"]

    monkeypatch.setattr(completion_module, "cached_project_identifiers", cached)
    assert candidates(["--profile", "work", "wp", "list", "--project"], "mob") == [
        "mobile",
        "mobile-backend",
    ]
    assert asked == ["work"]


def test_without_a_cache_projects_complete_to_nothing() -> None:
    assert candidates(["wp", "list", "--project"], "") == []
