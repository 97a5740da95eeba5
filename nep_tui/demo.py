"""`nep-tui demo`: the TUI on an embedded sandbox with demo data, logging in by itself.

`nep-tui demo --admin` instead starts a sandbox without the integration (`--seed bare`) and
opens the administration screen as its admin, the wizard filled in with the sandbox's
Nextcloud and its admin, so a newcomer can walk through the whole setup.

The sandbox keeps its data between runs (so changes persist) under the user data dir; the
demo's profile lives in its own config dir there too, so the user's real profiles are never
touched. Quitting the TUI stops the sandbox.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs
from textual import on, work

from nep_tui.app import NepTuiApp
from nep_tui.messages import DeviceCodeShown

if TYPE_CHECKING:
    from nep_tui.api.client import NepenthesClient
    from nep_tui.sandbox.server import RunningSandbox

DEMO_PROFILE = "demo"
DEMO_LOGIN = "member"
ADMIN_DEMO_PROFILE = "demo-admin"
ADMIN_LOGIN = "admin"
APPROVE_AFTER_SECONDS = 3.0


def demo_dir() -> Path:
    return Path(platformdirs.user_data_dir("nep-tui")) / "demo"


class DemoApp(NepTuiApp):
    """Approves the device code itself a few seconds after showing it, and says so."""

    def __init__(
        self, sandbox: RunningSandbox, *, approve_after: float = APPROVE_AFTER_SECONDS
    ) -> None:
        super().__init__(start_at="login", profile=DEMO_PROFILE)
        self.sandbox = sandbox
        self.approve_after = approve_after

    @on(DeviceCodeShown)
    def _device_code_shown(self, event: DeviceCodeShown) -> None:
        self.notify(
            f"Demo: in {self.approve_after:.0f} seconds nep-tui approves code {event.user_code} "
            f"as '{DEMO_LOGIN}', as if you had done it in the browser.",
            title="Demo",
            timeout=self.approve_after + 1,
            markup=False,
        )
        self.set_timer(self.approve_after, lambda: self._approve(event.user_code))

    @work(
        thread=True,
        exit_on_error=False,
        group="demo-approve",
        description="approving the demo login",
    )
    def _approve(self, user_code: str) -> None:
        try:
            self.sandbox.approve_device_code(user_code, DEMO_LOGIN)
        except (LookupError, RuntimeError, TimeoutError) as error:  # expired, decided, stopped
            self.call_from_thread(
                self.notify,
                f"The demo could not approve the code ({error}); approve it in "
                "the browser instead.",
                severity="error",
                markup=False,
            )


class AdminDemoApp(NepTuiApp):
    """Logged in as the sandbox's admin (its API token), at the administration screen."""

    def __init__(self, sandbox: RunningSandbox) -> None:
        super().__init__(self._admin_client, profile=ADMIN_DEMO_PROFILE)
        self.sandbox = sandbox

    def _admin_client(self, _profile: str | None) -> NepenthesClient:
        from nep_tui.api.client import NepenthesClient
        from nep_tui.api.http import ApiTokenSource

        token = self.sandbox.user(ADMIN_LOGIN).api_token
        return NepenthesClient(
            self.sandbox.nepenthes_url, ApiTokenSource(token), profile_name=ADMIN_DEMO_PROFILE
        )

    def _show_start(self) -> None:
        from nep_tui.screens.administration import AdministrationScreen
        from nep_tui.screens.setup_wizard import SetupDefaults

        nextcloud_admin = self.sandbox.credentials["nextcloud_admin"]
        self.show_home()
        self.push_screen(
            AdministrationScreen(
                SetupDefaults(
                    nextcloud_url=self.sandbox.nextcloud_url,
                    login=nextcloud_admin["login"],
                    password=nextcloud_admin["password"],
                )
            )
        )


def _prepare(reset: bool, *, admin: bool = False) -> tuple[Path, Path]:
    root = demo_dir().with_name("demo-admin") if admin else demo_dir()
    if reset and root.exists():
        shutil.rmtree(root)
    sandbox_dir, config = root / "sandbox", root / "config"
    sandbox_dir.mkdir(parents=True, exist_ok=True)
    return sandbox_dir, config


def _save_demo_profile(sandbox: RunningSandbox) -> None:
    from nep_tui.api import profiles

    profiles.save_profile(
        profiles.Profile(
            name=DEMO_PROFILE,
            server_url=sandbox.nepenthes_url,
            client_id=sandbox.credentials["oauth_client_id"],
        ),
        make_default=True,
    )
    # Start at the login screen every time: that flow is what the demo is for.
    profiles.delete_tokens(DEMO_PROFILE)


def run(reset: bool = False, *, admin: bool = False) -> int:
    from nep_tui.sandbox.server import start_in_thread

    sandbox_dir, config = _prepare(reset, admin=admin)
    previous_config = os.environ.get("NEP_TUI_CONFIG_DIR")
    os.environ["NEP_TUI_CONFIG_DIR"] = str(config)
    sandbox = start_in_thread(sandbox_dir, seed="bare" if admin else "demo")
    try:
        if admin:
            AdminDemoApp(sandbox).run()
        else:
            _save_demo_profile(sandbox)
            DemoApp(sandbox).run()
    finally:
        sandbox.stop()
        if previous_config is None:
            os.environ.pop("NEP_TUI_CONFIG_DIR", None)
        else:
            os.environ["NEP_TUI_CONFIG_DIR"] = previous_config
    return 0
