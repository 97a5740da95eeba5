"""Upload and download throughput through nep-tui's API layer, side by side with curl.

    python bench/transfer_throughput.py [--size-mib 1024] [--rounds 6]

Runs an in-process sandbox, then on the same kind of one-time URLs: nep-tui's upload
(`upload_file`) and download (`download_file_link`), each in a child process of its own (so the
peak RSS it reports is nep-tui's own, not the sandbox's or curl's), and `curl` for the same
transfers. Acceptance bar: nep-tui reaches at least 0.8 of curl's MB/s, peak RSS under 100 MiB.

How the figures are taken, and why:

- A single timing per tool swung the ratio by 0.15 between identical runs, and whoever went
  second profited from caches the first had warmed. So before timing, the source file is read
  once (in the page cache for both tools) and both tools make one small untimed upload and
  download (the sandbox's first requests and both programs' start-up are paid there).
- Then `--rounds` rounds, each with fresh one-time URLs and its own file names (upload tokens are
  one-time, and a name taken in an earlier round would be renamed or refused). The tool that
  goes first alternates from round to round, so each pays as often for the writeback of the
  transfer before it. (Flushing with sync() before each timing was tried: afterwards the Python
  client's download ran at 0.65-0.75 of its speed without it, while curl's did not change, which
  measured the flush rather than the clients.)
- Per direction the table shows each tool's median and best MB/s, and two ratios. The ratio of
  the bests is the one to hold against the bar: interference from the rest of the machine (and
  from the sandbox, which is Python too and shares the two CPUs) only ever slows a round, so the
  best round is each tool's own speed, as `timeit` takes the fastest run. The ratio of the
  medians shows a typical round; on a busy machine it scatters.
- Timings cover the transfer as each tool does it: nep-tui's include asking for the one-time
  URL (one small API request), curl's include starting the curl process.

The sandbox's DELETE only moves a file to the trash (its content stays on disk) and overwriting
would time a replacement instead of a new upload, so every round's uploads stay until the end;
the script checks first that they fit in the temporary folder and removes the sandbox after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from _common import client_for, start_sandbox

BLOCK = 1024 * 1024
STORAGE_ID, PROJECT_ID, WORK_PACKAGE_ID = 1, 1, 1
WARMUP_MIB = 1
T = TypeVar("T")


def make_file(path: Path, size_mib: int) -> None:
    block = os.urandom(BLOCK)  # incompressible, written once per MiB
    with open(path, "wb") as out:
        for _ in range(size_mib):
            out.write(block)


def read_through(path: Path) -> None:
    with open(path, "rb") as source:
        while source.read(BLOCK):
            pass


def with_client(server: str, token: str, work: Callable[..., Awaitable[T]]) -> T:
    async def run() -> T:
        async with client_for(server, token) as client:
            return await work(client)

    return asyncio.run(run())


async def project_folder(client) -> tuple[str, str]:
    """(id, location) of the demo project's folder: uploads go there."""
    top = (await client.storage_files(STORAGE_ID, "/OpenProject")).files
    folder = next(f for f in top if f.name.startswith("Nepenthes Demo"))
    return folder.id, folder.location


# --- nep-tui's side, in a child process ----------------------------------------------------------


async def nep_upload(client, args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    result = await client.upload_file(
        STORAGE_ID,
        project_id=PROJECT_ID,
        folder_id=args.folder_id,
        path=Path(args.source),
        overwrite=False,
    )
    return {"seconds": time.perf_counter() - started, "file_id": result.file_id}


async def nep_download(client, args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    await client.download_file_link(args.link_id, Path(args.target))
    return {"seconds": time.perf_counter() - started}


def run_child(args: argparse.Namespace) -> None:
    work = nep_upload if args.child == "upload" else nep_download
    result = with_client(args.server, args.token, lambda client: work(client, args))
    result["rss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # Linux: KiB
    print(json.dumps(result))


# --- the parent: rounds of both tools ------------------------------------------------------------


@dataclass
class Bench:
    server: str
    token: str
    folder_id: str
    location: str
    work: Path
    nep_rss_kib: int = 0
    seconds: dict[tuple[str, str], list[float]] = field(default_factory=dict)

    def api(self, work: Callable[..., Awaitable[T]]) -> T:
        return with_client(self.server, self.token, work)

    def nep(self, action: str, *options: str) -> dict:
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                action,
                "--server",
                self.server,
                "--token",
                self.token,
                *options,
            ],
            capture_output=True,
            text=True,
        )
        if child.returncode != 0:
            sys.exit(f"nep-tui's {action} failed:\n{child.stderr[-2000:]}")
        result = json.loads(child.stdout.strip().splitlines()[-1])
        self.nep_rss_kib = max(self.nep_rss_kib, result["rss_kib"])
        return result

    def curl(self, *options: str) -> float:
        started = time.perf_counter()
        subprocess.run(["curl", "-sS", "--fail", *options], check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - started

    def upload(self, tool: str, source: Path) -> float:
        if tool == "nep-tui":
            return self.nep("upload", "--folder-id", self.folder_id, "--source", str(source))[
                "seconds"
            ]
        url = self.api(
            lambda client: client.prepare_upload(
                STORAGE_ID,
                project_id=PROJECT_ID,
                file_name="curl-" + source.name,
                parent_id=self.folder_id,
            )
        ).url
        return self.curl(
            "-F", f"file=@{source};filename=curl-{source.name}", "-F", "overwrite=false", url
        )

    def download(self, tool: str, link_id: int, size: int) -> float:
        target = self.work / f"{tool}-download.bin"
        if tool == "nep-tui":
            seconds = self.nep("download", "--link-id", str(link_id), "--target", str(target))[
                "seconds"
            ]
        else:
            url = self.api(lambda client: client.file_link_download_url(link_id))
            seconds = self.curl("-o", str(target), url)
        got = target.stat().st_size
        target.unlink()  # a short file would pass for a fast transfer
        if got != size:
            sys.exit(f"{tool} downloaded {got} bytes instead of {size}")
        return seconds

    async def link(self, client, name: str) -> int:
        uploaded = next(
            f
            for f in (await client.storage_files(STORAGE_ID, self.location)).files
            if f.name == name
        )
        linked = await client.create_file_links(WORK_PACKAGE_ID, STORAGE_ID, [uploaded])
        return linked.linked[0].id

    def round(self, source: Path, label: str, first: str) -> dict[tuple[str, str], float]:
        """Upload and download with both tools, `first` going first in each direction. The name
        carries the label: every round's uploads must be new files, not `name (2)` copies."""
        named = self.work / f"{label}-{source.name}"
        os.link(source, named)  # same inode: the page cache stays warm
        order = [first] + [tool for tool in ("nep-tui", "curl") if tool != first]
        try:
            figures = {(tool, "upload"): self.upload(tool, named) for tool in order}
        finally:
            named.unlink()
        link_id = self.api(lambda client: self.link(client, named.name))
        size = source.stat().st_size
        # The uploads left gigabytes for the disk to write; whichever download came first would
        # pay for that.
        os.sync()
        figures |= {(tool, "download"): self.download(tool, link_id, size) for tool in order}
        return figures


def median_best(rates: list[float]) -> tuple[float, float]:
    return statistics.median(rates), max(rates)


def report(bench: Bench, megabytes: float, rounds: int, load_at_start: float) -> None:
    print(f"\n{'':10}{'nep-tui MB/s':>16}{'curl MB/s':>16}{'ratio nep-tui/curl':>20}")
    print(
        f"{'':10}{'median':>8}{'best':>8}{'median':>8}{'best':>8}{'of bests':>10}{'of medians':>11}"
    )
    for direction in ("upload", "download"):
        nep = median_best([megabytes / s for s in bench.seconds[("nep-tui", direction)]])
        curl = median_best([megabytes / s for s in bench.seconds[("curl", direction)]])
        print(
            f"{direction:10}{nep[0]:8.1f}{nep[1]:8.1f}{curl[0]:8.1f}{curl[1]:8.1f}"
            f"{nep[1] / curl[1]:10.2f}{nep[0] / curl[0]:11.2f}"
        )
    print(f"nep-tui peak RSS: {bench.nep_rss_kib / 1024:.1f} MiB (max over {rounds} rounds)")
    # Both tools share the CPUs with the sandbox; a busy machine explains a scattered run.
    print(
        f"load average: {load_at_start:.2f} at the start, {os.getloadavg()[0]:.2f} at the end, "
        f"{os.cpu_count()} CPUs"
    )


def enough_room(folder: Path, size_mib: int, rounds: int) -> None:
    # The source, both tools' upload per round and warm-up, one download at a time.
    needed = (1 + 2 * rounds + 1) * size_mib * BLOCK + 4 * WARMUP_MIB * BLOCK
    free = shutil.disk_usage(folder).free
    if free < needed * 1.1:
        sys.exit(
            f"{folder} has {free / 2**30:.1f} GiB free; this run needs about "
            f"{needed / 2**30:.1f} GiB. Use a smaller --size-mib or fewer --rounds."
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mib", type=int, default=1024)
    # Even, so that each tool goes first as often as the other.
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--child", choices=("upload", "download"), help=argparse.SUPPRESS)
    for hidden in ("--server", "--token", "--folder-id", "--source", "--target"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    parser.add_argument("--link-id", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args)
        return
    if args.rounds < 1 or args.size_mib < 1:
        sys.exit("--rounds and --size-mib must be at least 1")
    if shutil.which("curl") is None:
        sys.exit("curl is needed for the comparison; install it first.")
    enough_room(Path(tempfile.gettempdir()), args.size_mib, args.rounds)
    load_at_start = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="nep-bench-transfer-"))
    source, warmup = work / "big.bin", work / "small.bin"
    print(f"writing a {args.size_mib} MiB test file…")
    make_file(source, args.size_mib)
    make_file(warmup, WARMUP_MIB)
    read_through(source)
    sandbox = start_sandbox("demo")
    token = sandbox.user("member").api_token
    # The sandbox imitates Nextcloud's default 512 MiB upload limit; the bench needs more.
    sandbox.set_faults(upload_limit_bytes=2 * source.stat().st_size)
    megabytes = args.size_mib * BLOCK / 1e6
    try:
        folder_id, location = with_client(sandbox.nepenthes_url, token, project_folder)
        bench = Bench(sandbox.nepenthes_url, token, folder_id, location, work)
        bench.round(warmup, "warmup", "curl")
        for number in range(args.rounds):
            first = ("nep-tui", "curl")[number % 2]
            figures = bench.round(source, f"round{number + 1}", first)
            for key, seconds in figures.items():
                bench.seconds.setdefault(key, []).append(seconds)
            print(
                f"round {number + 1} ({first} first): "
                + ", ".join(
                    f"{tool} {direction} {megabytes / seconds:.1f}"
                    for (tool, direction), seconds in figures.items()
                )
                + " MB/s"
            )
    finally:
        sandbox.stop()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(sandbox.data_dir, ignore_errors=True)
    report(bench, megabytes, args.rounds, load_at_start)


if __name__ == "__main__":
    main()
