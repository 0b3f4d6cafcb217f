"""POST /api/v1/batch/detect-columns: time to the answer for a 1 KB to a 1 GB CSV (plain and gzip).

    python -m bench.detect_columns

Each body is a real NCI CSV (repeated to size) sent from a generator through a real aiohttp
server; the generator stops as soon as the answer has arrived, so the figure shows how much of
the file the server needed. Prints the answer time (median of 5) and the sent by then (client).
"""

from __future__ import annotations

import asyncio
import gzip
import statistics
import time

from aiohttp.test_utils import TestClient, TestServer

from bench.common import NCI_SMI, admin_url
from chemaudit.settings import Settings
from service.app import create_app

BOUNDARY = "benchboundary"
SIZES = (1024, 1024 ** 2, 100 * 1024 ** 2, 1024 ** 3)
PIECE = 1024 * 1024
RUNS = 5


def csv_piece() -> bytes:
    lines = ["SMILES,Name"]
    for line in NCI_SMI.read_text().splitlines():
        fields = line.split()
        if len(fields) >= 2:
            lines.append(f"{fields[0]},{fields[1]}")
    return ("\n".join(lines) + "\n").encode()


async def one(client: TestClient, head: bytes, body: bytes, total: int, filename: str) -> tuple[float, int]:
    answered = asyncio.Event()
    sent = 0

    async def stream():
        nonlocal sent
        yield (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file_size\"\r\n\r\n{total}\r\n"
               f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\r\n"
               ).encode()
        data = head
        while sent < total and not answered.is_set():
            piece = data[:min(PIECE, total - sent)]
            data = data[len(piece):] or body
            sent += len(piece)
            yield piece
        if sent >= total:
            yield f"\r\n--{BOUNDARY}--\r\n".encode()

    started = time.perf_counter()
    response = await client.post("/api/v1/batch/detect-columns", data=stream(),
                                 headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    answer = await response.json()
    elapsed = time.perf_counter() - started
    answered.set()
    assert response.status == 200, answer
    return elapsed, sent


async def main() -> None:
    piece = csv_piece()
    plain = piece * (PIECE // len(piece) + 2)
    packed = gzip.compress(plain)
    settings = Settings(database_url=admin_url())
    async with TestClient(TestServer(create_app(settings))) as client:
        print(f"{'file':>14} {'answer (median)':>16} {'sent by then (client)':>22}")
        for label, body, suffix in (("csv", plain, ".csv"), ("csv.gz", packed, ".csv.gz")):
            for size in SIZES:
                runs = [await one(client, body, body, size, "bench" + suffix) for _ in range(RUNS)]
                median = statistics.median(t for t, _ in runs)
                sent = max(s for _, s in runs)
                print(f"{_size(size):>8} {label:>5} {median * 1000:>13.1f} ms {sent:>22,}")


def _size(size: int) -> str:
    for unit, factor in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if size >= factor:
            return f"{size // factor} {unit}"
    return f"{size} B"


if __name__ == "__main__":
    asyncio.run(main())
