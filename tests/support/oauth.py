"""OAuth helpers the login and token-refresh tests share: a device-grant login of `member`."""

from __future__ import annotations

from nep_tui.api import auth, session
from nep_tui.api import profiles as store

# Access tokens of the `short_lived` sandbox (tests/conftest.py) live this many seconds.
SHORT_TOKEN_TTL = 2


async def _no_wait(_seconds: float) -> None:
    pass


async def oauth_login(sandbox, profile: str, *, expiry_known: bool = True) -> store.StoredTokens:
    """A device-grant login of `member`, approved on the sandbox's side, saved as `profile`.
    Without a known expiry the client cannot see the token run out: only a 401 can tell it."""
    client_id = sandbox.credentials["oauth_client_id"]
    metadata = await auth.discover(sandbox.nepenthes_url)
    device = await auth.start_device_flow(metadata, client_id)
    sandbox.approve_device_code(device.user_code, "member")
    tokens = await auth.poll_device_flow(metadata, client_id, device, sleep=_no_wait)
    await session.save_oauth_login(sandbox.nepenthes_url, client_id, tokens, profile=profile)
    if not expiry_known:
        tokens.expires_at = tokens.issued_at = None
        store.save_tokens(profile, tokens)
    return tokens
