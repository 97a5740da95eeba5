"""The acceptance round trip: prepare_upload → direct upload to Nextcloud → file link → download
through the 303 `Location`, for a 200 MiB file, with the (in-process) servers' memory flat."""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
import pytest

SIZE = 200 * 1024 * 1024
BLOCK = 1024 * 1024
# Streaming moves data in chunks of a few hundred KiB at most; reading the file whole would
# add at least its 200 MiB.
MAX_RSS_GROWTH = 64 * 1024 * 1024


def write_big_file(path: Path) -> str:
    """SIZE bytes written block by block (each block distinct), and their sha256."""
    digest = hashlib.sha256()
    seed = hashlib.sha256(uuid.uuid4().bytes).digest() * (BLOCK // 32)
    with path.open("wb") as out:
        for index in range(SIZE // BLOCK):
            block = index.to_bytes(8, "big") + seed[8:]
            digest.update(block)
            out.write(block)
    return digest.hexdigest()


@contextmanager
def peak_rss_growth() -> Iterator[list[int]]:
    """Samples this process's RSS while the block runs; yields [growth] filled in at the end."""
    process = psutil.Process()
    baseline = process.memory_info().rss
    peak = baseline
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.02):
            peak = max(peak, process.memory_info().rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    result: list[int] = []
    try:
        yield result
    finally:
        done.set()
        sampler.join()
        result.append(peak - baseline)


@pytest.mark.slow
def test_upload_link_download_round_trip_of_200_mib(fresh_sandbox, tmp_path):
    source = tmp_path / "big.bin"
    expected = write_big_file(source)
    token = fresh_sandbox.user("member").api_token
    api = httpx.Client(
        base_url=fresh_sandbox.nepenthes_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=120,
    )
    folder_id = api.get(
        "/api/v3/storages/1/files", params={"parent": "/OpenProject/Nepenthes Demo (1)"}
    ).json()["parent"]["id"]
    wp_id = api.post("/api/v3/projects/1/work_packages", json={"subject": "Round trip"}).json()[
        "id"
    ]
    name = f"round-trip-{uuid.uuid4().hex[:6]}.bin"

    with peak_rss_growth() as growth:
        prepared = api.post(
            "/api/v3/storages/1/files/prepare_upload",
            json={"projectId": 1, "fileName": name, "parent": folder_id},
        )
        assert prepared.status_code == 201, prepared.text
        destination = prepared.json()["_links"]["destination"]["href"]
        with source.open("rb") as stream:
            uploaded = httpx.post(
                destination, files={"file": (name, stream, "application/octet-stream")}, timeout=120
            )
        assert uploaded.status_code == 201, uploaded.text
        file_id = str(uploaded.json()["file_id"])

        body = {
            "_type": "Collection",
            "_embedded": {
                "elements": [
                    {
                        "originData": {
                            "id": file_id,
                            "name": name,
                            "mimeType": "application/octet-stream",
                        },
                        "_links": {"storage": {"href": "/api/v3/storages/1"}},
                    }
                ]
            },
        }
        linked = api.post(f"/api/v3/work_packages/{wp_id}/file_links", json=body)
        assert linked.status_code == 201, linked.text
        link_id = linked.json()["_embedded"]["elements"][0]["id"]

        redirect = api.get(f"/api/v3/file_links/{link_id}/download")
        assert redirect.status_code == 303
        digest, received = hashlib.sha256(), 0
        with httpx.stream("GET", redirect.headers["location"], timeout=120) as download:
            assert download.status_code == 200
            for chunk in download.iter_bytes():
                digest.update(chunk)
                received += len(chunk)

    assert received == SIZE
    assert digest.hexdigest() == expected
    assert growth[0] < MAX_RSS_GROWTH, f"memory grew by {growth[0] // 2**20} MiB"
