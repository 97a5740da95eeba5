"""A 200 MiB file goes up through the direct upload and back down through a direct link while
the server's memory stays flat: both directions are streamed, never read whole."""

from __future__ import annotations

import hashlib
import os
import threading

import psutil
import pytest

SIZE = 200 * 1024 * 1024
CHUNK = 1024 * 1024
ALLOWED_GROWTH = 64 * 1024 * 1024


class PeakRss:
    """Samples this process's RSS (the server runs in a thread of it) while a transfer runs."""

    def __init__(self) -> None:
        self.process = psutil.Process(os.getpid())
        self.baseline = self.process.memory_info().rss
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth(self) -> int:
        return self.peak - self.baseline


def write_big_file(path) -> str:
    digest = hashlib.sha256()
    block = os.urandom(CHUNK)
    with open(path, "wb") as out:
        for index in range(SIZE // CHUNK):
            chunk = index.to_bytes(8, "big") + block[8:]
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


@pytest.mark.slow
def test_200_mib_round_trip_keeps_memory_flat(live_nextcloud, tmp_path):
    source = tmp_path / "big.bin"
    expected = write_big_file(source)
    with live_nextcloud.client("member") as client:
        token = client.post(
            "/index.php/apps/integration_openproject/direct-upload-token",
            json={"folder_id": live_nextcloud.folder_id},
        ).json()["token"]
    with (
        PeakRss() as upload_memory,
        live_nextcloud.client(None) as client,
        open(source, "rb") as handle,
    ):
        uploaded = client.post(
            f"/index.php/apps/integration_openproject/direct-upload/{token}",
            files={"file": ("big.bin", handle)},
        )
    assert uploaded.status_code == 201, uploaded.text
    file_id = uploaded.json()["file_id"]
    assert live_nextcloud.store.node(file_id).size == SIZE

    with live_nextcloud.client("member") as client:
        url = client.post(
            "/ocs/v2.php/apps/dav/api/v1/direct",
            headers={"OCS-APIRequest": "true", "Accept": "application/json"},
            json={"fileId": file_id},
        ).json()["ocs"]["data"]["url"]
    token = url.rsplit("/", 1)[1]
    digest = hashlib.sha256()
    received = 0
    with PeakRss() as download_memory, live_nextcloud.client(None) as client:
        with client.stream(
            "GET", f"/index.php/apps/integration_openproject/direct/{token}/big.bin"
        ) as answer:
            assert answer.status_code == 200
            for chunk in answer.iter_bytes():
                digest.update(chunk)
                received += len(chunk)
    assert received == SIZE
    assert digest.hexdigest() == expected
    assert upload_memory.growth < ALLOWED_GROWTH, (
        f"upload grew RSS by {upload_memory.growth >> 20} MiB"
    )
    assert download_memory.growth < ALLOWED_GROWTH, (
        f"download grew RSS by {download_memory.growth >> 20} MiB"
    )
