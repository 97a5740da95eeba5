"""How long the folder picker takes to open a folder of 10,000 entries, headless.

    python bench/picker_10k.py [--files 10000]

Prints the time from pushing the picker to the listing being shown, the longest the event
loop was blocked meanwhile (how long the interface could not answer a key), the time to apply
a one-letter filter, and the time to jump to the last entry.

The sandbox runs in this process (a thread), so its own work for the 10,000-entry answer
competes for the interpreter and inflates the opening time, not the longest stall.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from _common import client_for, start_sandbox

from nep_tui.app import NepTuiApp
from nep_tui.screens.folder_picker import FolderPickerScreen, PickerPurpose
from nep_tui.widgets.storage_file_list import StorageFileList


async def largest_folder(sandbox, token: str) -> str:
    async with client_for(sandbox.nepenthes_url, token) as client:
        projects = (await client.storage_files(1, "/OpenProject")).files
        return max(projects, key=lambda folder: folder.size or 0).location


class StallMeter:
    """The longest gap between the wake-ups of a task that asks to wake every `tick` seconds."""

    def __init__(self, tick: float = 0.005) -> None:
        self.tick = tick
        self.longest = 0.0
        self._task: asyncio.Task | None = None

    async def _run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(self.tick)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last - self.tick)
            last = now

    def __enter__(self) -> StallMeter:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_exc) -> None:
        assert self._task is not None
        self._task.cancel()


async def measure(sandbox, token: str, location: str) -> dict[str, float]:
    app = NepTuiApp(lambda _profile: client_for(sandbox.nepenthes_url, token))
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        with StallMeter() as meter:
            started = time.perf_counter()
            await app.push_screen(
                FolderPickerScreen(1, purpose=PickerPurpose.LINK_FILES, start_location=location)
            )
            files = app.screen.query_one(StorageFileList)
            while files.listing is None:
                await pilot.pause(0.01)
            await pilot.pause()
            opened = time.perf_counter() - started
        count = len(files.shown)
        started = time.perf_counter()
        await pilot.press("9")
        await pilot.pause()
        filtered = time.perf_counter() - started
        await pilot.press("backspace")
        started = time.perf_counter()
        await pilot.press("end")
        await pilot.pause()
        scrolled = time.perf_counter() - started
    return {
        "entries": count,
        "open_s": opened,
        "stall_s": meter.longest,
        "filter_s": filtered,
        "scroll_s": scrolled,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10_000)
    args = parser.parse_args()
    print(f"seeding a sandbox with {args.files} files in one folder…")
    sandbox = start_sandbox("large", {"projects": 1, "work_packages": 10, "files": args.files})
    try:
        token = sandbox.user("member").api_token
        location = asyncio.run(largest_folder(sandbox, token))
        result = asyncio.run(measure(sandbox, token, location))
    finally:
        sandbox.stop()
    print(f"folder entries        {result['entries']}")
    print(f"open folder           {result['open_s'] * 1000:8.0f} ms")
    print(f"longest UI stall      {result['stall_s'] * 1000:8.0f} ms")
    print(f"filter by one letter  {result['filter_s'] * 1000:8.0f} ms")
    print(f"jump to last entry    {result['scroll_s'] * 1000:8.0f} ms")


if __name__ == "__main__":
    main()
