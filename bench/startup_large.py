"""Time from starting the TUI to a filled project list, on the `large` seed (headless).

    python bench/startup_large.py [--projects N]

The sandbox is seeded first (not timed); then the app is started with an API-token client
and the clock stops when the project list shows content.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from _common import client_for, start_sandbox

from nep_tui.app import NepTuiApp
from nep_tui.screens.projects import ProjectsScreen
from nep_tui.widgets.state_view import StateView

TIMEOUT_S = 120


async def measure(server: str, token: str) -> tuple[float, str]:
    started = time.perf_counter()
    app = NepTuiApp(lambda _profile: client_for(server, token))
    async with app.run_test(size=(120, 40)) as pilot:
        while time.perf_counter() - started < TIMEOUT_S:
            screen = app.screen
            if (
                isinstance(screen, ProjectsScreen)
                and screen.query_one(StateView).state != "loading"
            ):
                return time.perf_counter() - started, screen.query_one(StateView).state
            await pilot.pause(0.01)
    return time.perf_counter() - started, "timed out"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--projects",
        type=int,
        default=None,
        help="number of projects (default: the large seed's own)",
    )
    args = parser.parse_args()
    sizes = {"projects": args.projects} if args.projects else None
    print("seeding the large sandbox…")
    sandbox = start_sandbox("large", sizes)
    try:
        elapsed, state = asyncio.run(
            measure(sandbox.nepenthes_url, sandbox.user("member").api_token)
        )
    finally:
        sandbox.stop()
    print(f"start to project list: {elapsed * 1000:.0f} ms (state: {state})")


if __name__ == "__main__":
    main()
