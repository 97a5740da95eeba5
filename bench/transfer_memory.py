"""Peak memory of the client while uploading and downloading a big file (default 1 GiB).

The sandbox runs in a child process so only the client's memory is measured. The client
uploads the file to the demo project's Nextcloud folder, links it to work package 1, and
downloads it again through the file link; the script prints the peak RSS and fails (exit 1)
above the limit.

    python bench/transfer_memory.py [--size-mib 1024] [--limit-mib 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource

SANDBOX = "from nep_tui.sandbox.server import main; import sys; sys.exit(main(sys.argv[1:]))"


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def start_sandbox(data_dir: Path) -> tuple[subprocess.Popen[bytes], dict]:
    process = subprocess.Popen(
        [sys.executable, "-c", SANDBOX, "--data", str(data_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    credentials = data_dir / "credentials.json"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if credentials.exists():
            try:
                return process, json.loads(credentials.read_text())
            except ValueError:
                pass  # being written
        time.sleep(0.2)
    process.kill()
    raise SystemExit("the sandbox did not start within 60 s")


def user(credentials: dict, login: str) -> dict:
    return next(entry for entry in credentials["users"] if entry["login"] == login)


async def raise_upload_limit(credentials: dict, limit_bytes: int) -> None:
    """The sandbox imitates the Nextcloud image's 512 MiB PHP limit; lift it for the bench."""
    async with NepenthesClient(
        credentials["nepenthes_url"], ApiTokenSource(user(credentials, "admin")["api_token"])
    ) as admin:
        await admin.http.request(
            "POST", "/sandbox/faults", json={"upload_limit_bytes": limit_bytes}
        )


async def round_trip(credentials: dict, source: Path, out_dir: Path) -> Path:
    member = user(credentials, "member")
    await raise_upload_limit(credentials, 2 * source.stat().st_size + (1 << 20))
    async with NepenthesClient(
        credentials["nepenthes_url"],
        ApiTokenSource(member["api_token"]),
    ) as client:
        await asyncio.sleep(0.5)  # let the listener settle after credentials.json appears
        demo = await client.project("demo")
        [project_storage] = await client.project_storages(demo.id)
        started = time.monotonic()
        uploaded = await client.upload_file(
            project_storage.storage_id,
            project_id=demo.id,
            folder_id=project_storage.project_folder_id,
            path=source,
            overwrite=True,
        )
        print(f"upload   {time.monotonic() - started:6.1f} s   peak RSS {peak_rss_mib():6.1f} MiB")
        listing = await client.storage_files(
            project_storage.storage_id, f"/OpenProject/{demo.name} ({demo.id})"
        )
        file = next(f for f in listing.files if f.id == uploaded.file_id)
        result = await client.create_file_links(1, project_storage.storage_id, [file])
        started = time.monotonic()
        target = await client.download_file_link(result.linked[0].id, out_dir, overwrite=True)
        print(f"download {time.monotonic() - started:6.1f} s   peak RSS {peak_rss_mib():6.1f} MiB")
        return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--limit-mib", type=float, default=100.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nep-tui-bench-") as temp:
        temp_dir = Path(temp)
        source = temp_dir / "big.bin"
        with open(source, "wb") as handle:
            handle.truncate(args.size_mib * 1024 * 1024)
        out_dir = temp_dir / "out"
        out_dir.mkdir()
        process, credentials = start_sandbox(temp_dir / "sandbox")
        try:
            print(f"baseline            peak RSS {peak_rss_mib():6.1f} MiB")
            target = asyncio.run(round_trip(credentials, source, out_dir))
            assert target.stat().st_size == source.stat().st_size
        finally:
            process.terminate()
            process.wait(10)
    peak = peak_rss_mib()
    verdict = "ok" if peak < args.limit_mib else "TOO HIGH"
    print(
        f"{args.size_mib} MiB each way: client peak RSS {peak:.1f} MiB "
        f"(limit {args.limit_mib:.0f} MiB) {verdict}"
    )
    return 0 if peak < args.limit_mib else 1


if __name__ == "__main__":
    sys.exit(main())
