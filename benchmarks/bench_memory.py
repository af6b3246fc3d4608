"""Memory over 5,000 streamed completions in one process (``nox -s memory``).

The emulator is served by uvicorn in another process (``heroku-inference emulator`` on a free
port of 127.0.0.1), so only the client's memory is measured here. Each completion is streamed
with ``chat.completions.stream()`` and reassembled (``get_final_completion()``) on one client.
Resident memory (RSS, from /proc) and the Python heap (``tracemalloc``, started after a
warm-up) are read after 1,000 and after 5,000 completions; a leak shows as growth between the
two. Exits non-zero when traced memory grew by more than ``--max-growth-kib`` (default 512).

    python benchmarks/bench_memory.py [--count 5000] [--client async|sync]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import socket
import subprocess
import sys
import time
import tracemalloc
from typing import Any

import httpx

from heroku_inference import AsyncClient, Client

MESSAGES: list[Any] = [{"role": "user", "content": "Tell me why Heroku is so cool, in detail."}]
MODEL = "claude-4-5-sonnet"
WARM_UP = 50


def rss_mib() -> float:
    """The resident set size now (not the peak), from /proc (Linux)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_emulator(port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "heroku_inference", "emulator", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/available-models", timeout=1)
            return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the emulator did not start")


class Meter:
    def __init__(self) -> None:
        self.rows: list[tuple[int, float, float, float]] = []

    def read(self, done: int) -> None:
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
        self.rows.append((done, rss_mib(), current / 2**10, peak / 2**10))
        print(
            f"{done:>6} completions: RSS {rss_mib():7.1f} MiB, "
            f"traced {current / 2**10:8.1f} KiB (peak {peak / 2**10:8.1f} KiB)",
            flush=True,
        )


async def run_async(url: str, count: int, meter: Meter) -> None:
    options: dict[str, Any] = {"api_key": "inf-memory", "base_url": url, "model": MODEL}
    async with AsyncClient(**options, max_retries=0) as client:
        for done in range(1, WARM_UP + count + 1):
            async with client.chat.completions.stream(messages=MESSAGES) as stream:
                final = await stream.get_final_completion()
            assert final.choices[0].message.content
            if done == WARM_UP:
                tracemalloc.start()
                meter.read(0)
            elif done - WARM_UP in (1000, count):
                meter.read(done - WARM_UP)


def run_sync(url: str, count: int, meter: Meter) -> None:
    options: dict[str, Any] = {"api_key": "inf-memory", "base_url": url, "model": MODEL}
    with Client(**options, max_retries=0) as client:
        for done in range(1, WARM_UP + count + 1):
            with client.chat.completions.stream(messages=MESSAGES) as stream:
                final = stream.get_final_completion()
            assert final.choices[0].message.content
            if done == WARM_UP:
                tracemalloc.start()
                meter.read(0)
            elif done - WARM_UP in (1000, count):
                meter.read(done - WARM_UP)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--client", choices=("async", "sync"), default="async")
    parser.add_argument("--max-growth-kib", type=float, default=512.0)
    args = parser.parse_args()
    port = free_port()
    server = start_emulator(port)
    url = f"http://127.0.0.1:{port}"
    meter = Meter()
    started = time.perf_counter()
    try:
        print(f"{args.client} client, {args.count} streamed completions against {url}")
        if args.client == "async":
            asyncio.run(run_async(url, args.count, meter))
        else:
            run_sync(url, args.count, meter)
    finally:
        server.terminate()
        server.wait(timeout=10)
    elapsed = time.perf_counter() - started
    (_, rss_1k, traced_1k, _), (_, rss_end, traced_end, _) = meter.rows[-2], meter.rows[-1]
    growth = traced_end - traced_1k
    print(
        f"1,000 -> {args.count:,}: RSS {rss_end - rss_1k:+.1f} MiB, traced {growth:+.1f} KiB "
        f"({elapsed:.1f} s in all)"
    )
    if growth > args.max_growth_kib:
        print(f"traced memory grew by more than {args.max_growth_kib} KiB: a leak?")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
