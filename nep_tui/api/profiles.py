"""Profiles (which server, which OAuth client) and their tokens, on disk.

Layout under the config dir (`NEP_TUI_CONFIG_DIR`, else `platformdirs.user_config_dir`):
`profiles.json` (no secrets) and `tokens/<profile>.json` (mode 0600, written atomically). The
directories are 0700. `permission_warnings()` reports anything looser, for the CLI to print.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import stat
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import platformdirs

from nep_tui.api.errors import InsecureServer, NepError

PROFILES_FILE = "profiles.json"
TOKENS_DIR = "tokens"
DEFAULT_PROFILE = "default"
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def config_dir() -> Path:
    override = os.environ.get("NEP_TUI_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir("nep-tui"))


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def _write_atomically(path: Path, text: str, mode: int) -> None:
    """Write a file so that readers see the old or the new content, never a mix, and the new
    content is never readable by others, not even for a moment."""
    _private_dir(path.parent)
    descriptor, temp_name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        os.fchmod(descriptor, mode)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise


# --- server URLs ----------------------------------------------------------------------------------


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalize_server_url(url: str, *, insecure_http: bool = False) -> str:
    """A server base URL without trailing slash; plain http only on loopback or when allowed."""
    cleaned = url.strip().rstrip("/")
    parts = urlsplit(cleaned)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NepError(
            f"{url!r} is not a server URL.",
            hint="Give the full address, e.g. https://nepenthes.example.org",
        )
    if parts.scheme == "http" and not insecure_http and not is_loopback(cleaned):
        raise InsecureServer(
            f"Refusing to send credentials to {parts.hostname} over plain http://."
        )
    for suffix in ("/api/v3",):
        if cleaned.endswith(suffix):
            cleaned = cleaned[: -len(suffix)]
    return cleaned


# --- profiles ----------------------------------------------------------------------------------------


@dataclass
class Profile:
    name: str
    server_url: str
    client_id: str | None = None
    ca_bundle: str | None = None
    insecure_http: bool = False
    user_login: str | None = None


def check_profile_name(name: str) -> str:
    if not _PROFILE_NAME.match(name):
        raise NepError(
            f"{name!r} is not a valid profile name.",
            hint="Use letters, digits, '.', '_' or '-' (at most 64).",
        )
    return name


def _read_profiles_file() -> dict[str, Any]:
    path = config_dir() / PROFILES_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"default": None, "profiles": {}}
    except (OSError, ValueError):
        raise NepError(
            f"The profile file {path} cannot be read.", hint="Fix or delete it, then log in again."
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("profiles"), dict):
        raise NepError(
            f"The profile file {path} is damaged.", hint="Fix or delete it, then log in again."
        )
    return data


def _write_profiles_file(data: dict[str, Any]) -> None:
    _write_atomically(config_dir() / PROFILES_FILE, json.dumps(data, indent=2) + "\n", 0o600)


def load_profiles() -> dict[str, Profile]:
    known = Profile.__dataclass_fields__
    return {
        name: Profile(**{key: value for key, value in entry.items() if key in known})
        for name, entry in _read_profiles_file()["profiles"].items()
        if isinstance(entry, dict)
    }


def load_profile(name: str) -> Profile | None:
    return load_profiles().get(name)


def default_profile_name() -> str:
    data = _read_profiles_file()
    default = data.get("default")
    if isinstance(default, str) and default in data["profiles"]:
        return default
    return DEFAULT_PROFILE


def save_profile(profile: Profile, *, make_default: bool = False) -> None:
    check_profile_name(profile.name)
    data = _read_profiles_file()
    data["profiles"][profile.name] = asdict(profile)
    if make_default or not data.get("default") or data["default"] not in data["profiles"]:
        data["default"] = profile.name
    _write_profiles_file(data)


def remove_profile(name: str) -> None:
    data = _read_profiles_file()
    data["profiles"].pop(name, None)
    if data.get("default") == name:
        data["default"] = next(iter(data["profiles"]), None)
    _write_profiles_file(data)
    delete_tokens(name)


def find_profile_for_server(server_url: str) -> Profile | None:
    wanted = server_url.rstrip("/")
    for profile in load_profiles().values():
        if profile.server_url.rstrip("/") == wanted:
            return profile
    return None


# --- tokens -------------------------------------------------------------------------------------------

TokenKind = Literal["api_token", "oauth"]


@dataclass
class StoredTokens:
    kind: TokenKind
    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: float | None = None
    token_type: str = "Bearer"
    scope: str | None = None
    issued_at: float | None = None

    def expires_within(self, seconds: float) -> bool:
        return self.expires_at is not None and self.expires_at - time.time() <= seconds

    def refresh_due(self, leeway: float) -> bool:
        """Due `leeway` seconds before expiry, or in the last quarter of a shorter lifetime."""
        if self.expires_at is None:
            return False
        if self.issued_at is not None:
            leeway = min(leeway, max(0.0, self.expires_at - self.issued_at) / 4)
        return self.expires_within(leeway)


def _token_path(name: str) -> Path:
    return config_dir() / TOKENS_DIR / f"{check_profile_name(name)}.json"


def save_tokens(name: str, tokens: StoredTokens) -> None:
    _private_dir(config_dir())
    _write_atomically(_token_path(name), json.dumps(asdict(tokens)) + "\n", 0o600)


def load_tokens(name: str) -> StoredTokens | None:
    path = _token_path(name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return StoredTokens(
            **{
                key: value
                for key, value in data.items()
                if key in StoredTokens.__dataclass_fields__
            }
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError):
        raise NepError(
            f"The token file {path} is damaged.", hint="Run `nep-tui login` again."
        ) from None


def delete_tokens(name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        _token_path(name).unlink()


def permission_warnings() -> list[str]:
    """One sentence per config path that others may read (or write)."""
    warnings = []
    root = config_dir()
    candidates = [(root, 0o700), (root / TOKENS_DIR, 0o700), (root / PROFILES_FILE, 0o600)]
    tokens_dir = root / TOKENS_DIR
    if tokens_dir.is_dir():
        candidates += [(path, 0o600) for path in sorted(tokens_dir.glob("*.json"))]
    for path, expected in candidates:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & ~expected & 0o077:
            warnings.append(
                f"{path} has mode {mode:o}, others may read it; run: chmod {expected:o} {path}"
            )
    return warnings
