"""Profiles and tokens on disk: private modes, atomic writes, insecure URLs refused."""

from __future__ import annotations

import stat

import pytest

from nep_tui.api import profiles as store
from nep_tui.api import session
from nep_tui.api.errors import InsecureServer, NepError, NotLoggedIn
from nep_tui.api.http import ApiTokenSource

TOKEN = "opapi-" + "ab" * 32


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_token_file_is_0600_in_a_0700_directory(isolated_config):
    store.save_profile(store.Profile(name="work", server_url="https://pm.example"))
    store.save_tokens("work", store.StoredTokens(kind="api_token", access_token=TOKEN))
    token_file = isolated_config / "tokens" / "work.json"
    assert mode(token_file) == 0o600
    assert mode(isolated_config) == 0o700 and mode(isolated_config / "tokens") == 0o700
    assert TOKEN not in (isolated_config / "profiles.json").read_text()
    assert store.load_tokens("work").access_token == TOKEN
    assert list((isolated_config / "tokens").iterdir()) == [token_file]  # no temp files left
    assert store.permission_warnings() == []


def test_looser_modes_are_reported(isolated_config):
    store.save_tokens("work", store.StoredTokens(kind="api_token", access_token=TOKEN))
    (isolated_config / "tokens" / "work.json").chmod(0o644)
    isolated_config.chmod(0o755)
    warnings = store.permission_warnings()
    assert any("work.json" in line and "644" in line for line in warnings)
    assert any(line.startswith(str(isolated_config) + " ") for line in warnings)
    assert all(TOKEN not in line for line in warnings)


def test_rewriting_tokens_keeps_mode_and_replaces_content(isolated_config):
    store.save_tokens(
        "p",
        store.StoredTokens(kind="oauth", access_token="a1", refresh_token="r1", expires_at=10.0),
    )
    store.save_tokens(
        "p",
        store.StoredTokens(kind="oauth", access_token="a2", refresh_token="r2", expires_at=20.0),
    )
    loaded = store.load_tokens("p")
    assert (loaded.access_token, loaded.refresh_token, loaded.expires_at) == ("a2", "r2", 20.0)
    assert mode(isolated_config / "tokens" / "p.json") == 0o600


def test_stored_tokens_hide_secrets_in_repr():
    tokens = store.StoredTokens(kind="oauth", access_token="secret-a", refresh_token="secret-r")
    assert "secret" not in repr(tokens)
    assert "opapi" not in repr(ApiTokenSource(TOKEN)) and TOKEN not in repr(ApiTokenSource(TOKEN))


@pytest.mark.parametrize("url", ["http://pm.example", "http://10.0.0.5:8080/"])
def test_plain_http_is_refused_except_on_loopback(url):
    with pytest.raises(InsecureServer):
        store.normalize_server_url(url)
    assert store.normalize_server_url(url, insecure_http=True) == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/",
        "http://localhost:3000",
        "http://[::1]:9/",
        "https://pm.example/api/v3",
    ],
)
def test_loopback_and_https_are_fine(url):
    cleaned = store.normalize_server_url(url)
    assert not cleaned.endswith("/") and not cleaned.endswith("/api/v3")


def test_bad_profile_names_and_urls_are_clear_errors():
    with pytest.raises(NepError):
        store.check_profile_name("../etc")
    with pytest.raises(NepError):
        store.normalize_server_url("pm.example")


def test_open_client_without_anything_is_not_logged_in():
    with pytest.raises(NotLoggedIn):
        session.open_client()
    with pytest.raises(NotLoggedIn):
        session.open_client(profile="nope")


def test_open_client_resolves_environment_then_profile(monkeypatch):
    store.save_profile(store.Profile(name="work", server_url="https://pm.example"))
    store.save_tokens("work", store.StoredTokens(kind="api_token", access_token=TOKEN))
    client = session.open_client()
    assert client.server_url == "https://pm.example" and client.profile_name == "work"

    monkeypatch.setenv("NEP_TUI_SERVER", "http://127.0.0.1:9")
    monkeypatch.setenv("NEP_TUI_TOKEN", "opapi-env")
    env_client = session.open_client()
    assert env_client.server_url == "http://127.0.0.1:9"

    monkeypatch.setenv("NEP_TUI_SERVER", "http://pm.example")
    with pytest.raises(InsecureServer):
        session.open_client()
    assert session.open_client(insecure_http=True).server_url == "http://pm.example"


def test_a_stored_insecure_profile_is_honoured():
    store.save_profile(store.Profile(name="lan", server_url="http://pm.lan", insecure_http=True))
    store.save_tokens("lan", store.StoredTokens(kind="api_token", access_token=TOKEN))
    assert session.open_client(profile="lan").server_url == "http://pm.lan"


def test_list_profiles_and_logout_forget_tokens():
    store.save_profile(store.Profile(name="a", server_url="https://a.example", user_login="ann"))
    store.save_profile(store.Profile(name="b", server_url="https://b.example"))
    store.save_tokens("a", store.StoredTokens(kind="api_token", access_token=TOKEN))
    listed = {status.profile.name: status for status in session.list_profiles()}
    assert (
        listed["a"].logged_in and listed["a"].is_default and listed["a"].login_kind == "api_token"
    )
    assert not listed["b"].logged_in

    import asyncio

    assert asyncio.run(session.logout("a")) is True
    assert store.load_tokens("a") is None
    assert store.load_profile("a") is not None  # the profile (server) stays, only tokens go


def test_a_profiles_tokens_never_go_to_another_server():
    store.save_profile(store.Profile(name="work", server_url="https://pm.example"))
    store.save_tokens("work", store.StoredTokens(kind="api_token", access_token=TOKEN))
    with pytest.raises(NotLoggedIn):
        session.open_client(profile="work", server="https://evil.example")
    assert (
        session.open_client(profile="work", server="https://pm.example/").server_url
        == "https://pm.example"
    )
