"""Upload and download throughput through nep-tui's API layer, side by side with curl.

    python bench/transfer_throughput.py [--size-mib 1024]

Runs an in-process sandbox, then in the same run and on the same kind of one-time URLs:
nep-tui's upload (`upload_file`) and download (`download_file_link`) in a child process
(so its peak RSS is nep-tui's own), and `curl` for the same transfers. Prints MB/s of each,
the ratio nep-tui / curl, and nep-tui's peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import client_for, start_sandbox

BLOCK = 1024 * 1024


def make_file(path: Path, size_mib: int) -> None:
    block = os.urandom(BLOCK)  # incompressible, written once per MiB
    with open(path, "wb") as out:
        for _ in range(size_mib):
            out.write(block)


async def project_folder(client) -> tuple[str, str]:
    """(id, location) of the demo project's folder: uploads go there."""
    top = (await client.storage_files(1, "/OpenProject")).files
    folder = next(f for f in top if f.name.startswith("Nepenthes Demo"))
    return folder.id, folder.location


async def nep_transfers(server: str, token: str, source: Path, target_dir: Path) -> dict:
    """The child's work: upload, link, download, all through nep_tui.api."""
    async with client_for(server, token) as client:
        folder_id, location = await project_folder(client)
        started = time.perf_counter()
        result = await client.upload_file(1, project_id=1, folder_id=folder_id, path=source,
                                          overwrite=False)
        upload_s = time.perf_counter() - started
        uploaded = next(f for f in (await client.storage_files(1, location)).files
                        if f.id == result.file_id)
        link = (await client.create_file_links(1, 1, [uploaded])).linked[0]
        started = time.perf_counter()
        await client.download_file_link(link.id, target_dir / "nep-download.bin")
        download_s = time.perf_counter() - started
    return {"upload_s": upload_s, "download_s": download_s, "link_id": link.id}


def run_child(args: argparse.Namespace) -> None:
    result = asyncio.run(nep_transfers(args.server, args.token, Path(args.source), Path(args.target)))
    print(json.dumps(result))


async def curl_urls(server: str, token: str, source: Path, link_id: int) -> tuple[str, str]:
    async with client_for(server, token) as client:
        folder_id, _ = await project_folder(client)
        upload = await client.prepare_upload(1, project_id=1, file_name="curl-" + source.name,
                                             parent_id=folder_id)
        download = await client.file_link_download_url(link_id)
    return upload.url, download


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--server", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args)
        return
    if shutil.which("curl") is None:
        sys.exit("curl is needed for the comparison; install it first.")
    work = Path(tempfile.mkdtemp(prefix="nep-bench-transfer-"))
    source = work / "big.bin"
    print(f"writing a {args.size_mib} MiB test file…")
    make_file(source, args.size_mib)
    sandbox = start_sandbox("demo")
    token = sandbox.user("member").api_token
    # The sandbox imitates Nextcloud's default 512 MiB upload limit; the bench needs more.
    sandbox.set_faults(upload_limit_bytes=2 * source.stat().st_size)
    try:
        child = subprocess.run(
            [sys.executable, __file__, "--child", "--server", sandbox.nepenthes_url,
             "--token", token, "--source", str(source), "--target", str(work)],
            capture_output=True, text=True)
        if child.returncode != 0:
            sys.exit(f"nep-tui's transfers failed:\n{child.stderr[-2000:]}")
        nep_rss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        nep = json.loads(child.stdout.strip().splitlines()[-1])
        upload_url, download_url = asyncio.run(
            curl_urls(sandbox.nepenthes_url, token, source, nep["link_id"]))
        curl_up = timed(["curl", "-sS", "--fail", "-F", f"file=@{source};filename=curl-{source.name}",
                         "-F", "overwrite=false", upload_url])
        curl_down = timed(["curl", "-sS", "--fail", "-o", str(work / "curl-download.bin"),
                           download_url])
    finally:
        sandbox.stop()
        shutil.rmtree(work, ignore_errors=True)
    megabytes = args.size_mib * BLOCK / 1e6
    rows = [("upload", nep["upload_s"], curl_up), ("download", nep["download_s"], curl_down)]
    print(f"{'':10}{'nep-tui MB/s':>14}{'curl MB/s':>12}{'ratio':>8}")
    for name, nep_s, curl_s in rows:
        nep_rate, curl_rate = megabytes / nep_s, megabytes / curl_s
        print(f"{name:10}{nep_rate:14.1f}{curl_rate:12.1f}{nep_rate / curl_rate:8.2f}")
    print(f"nep-tui peak RSS: {nep_rss_kib / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
