"""Resource hygiene on a pool of two connections, against a real HTTP/1.1 server on
127.0.0.1: streams broken out of early, streams cancelled while others wait for the pool
(asyncio and trio), streams read to the end. All finish, no ``ResourceWarning``, the pool holds
no connection in use or half-open afterwards, and the next call gets a connection at once (a
2 s pool timeout, not retried, would fail it otherwise). A subprocess checks, as aiohttp's
``test_leaks`` does, that no response or stream object outlives its use.

The default run is scaled down for CI; ``nox -s hygiene`` runs the full counts
(``HEROKU_INFERENCE_HYGIENE=1000``) and prints the figures.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from .flavors import MESSAGES, Flavor, both
from .helpers import API_KEY, MODEL, TLS, fixture_bytes
from .loopback import LoopbackServer, Reply, loopback_server
from .pools import assert_pool_clean
from .test_streaming import SSE_HEADERS, TEXT, accumulate, assert_completion, entered, step

COUNT = int(os.environ.get("HEROKU_INFERENCE_HYGIENE", "60"))
"""Streams per scenario: 60 in the default run, 1,000 in ``nox -s hygiene``."""
BATCH = 40
"""Streams started at once in the cancellation scenario: 20 per connection of the pool."""
BODY = fixture_bytes("chat_text.heroku.sse")
STREAM = Reply(200, SSE_HEADERS, [BODY])
# Half the events at once, the rest after 20 ms: cancellations land mid-stream, or while
# waiting for one of the two connections, or while connecting.
SLOW_STREAM = Reply(200, SSE_HEADERS, [BODY[: len(BODY) // 2], 0.02, BODY[len(BODY) // 2 :]])
COMPLETION = Reply(
    200, {"content-type": "application/json"}, [fixture_bytes("chat_completion.json")]
)


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    with loopback_server() as running:
        # Streams closed early reset their connection; no need to print each one.
        running.handle_error = lambda *args: None  # type: ignore[method-assign]
        yield running


def pool_client(api: Flavor, server: LoopbackServer) -> Any:
    http = api.http_class(
        limits=httpx.Limits(max_connections=2),
        timeout=httpx.Timeout(5.0, pool=2.0),
        verify=TLS,
    )
    return api.client_class(
        api_key=API_KEY, base_url=server.url, model=MODEL, http_client=http, max_retries=0
    )


def name(api: Flavor, backend: str) -> str:
    return f"async/{backend}" if api.is_async else "sync"


def report(what: str, count: int, started: float, server: LoopbackServer) -> None:
    """Figures for ``nox -s hygiene`` (shown with ``-s``)."""
    elapsed = time.perf_counter() - started
    print(f"\n{what}: {count} streams in {elapsed:.2f} s, {server.connections} connections")


class Hygiene:
    """Runs a scenario with every warning recorded, then checks what it left behind."""

    def __init__(self, api: Flavor, server: LoopbackServer) -> None:
        self.api = api
        self.server = server
        server.script, server.default, server.requests = [], STREAM, []
        with server.lock:
            server.connections = 0
        self.client = pool_client(api, server)
        self._warnings = warnings.catch_warnings(record=True)

    def __enter__(self) -> Hygiene:
        self.caught = self._warnings.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, *exc_info: object) -> None:
        gc.collect()  # finalizers of anything left unclosed run (and warn) now
        self._warnings.__exit__(*exc_info)

    async def check(self) -> None:
        resource_warnings = [w for w in self.caught if issubclass(w.category, ResourceWarning)]
        assert [str(w.message) for w in resource_warnings] == []
        assert_pool_clean(self.client._http)
        self.server.script = [COMPLETION]
        completion = await self.api.create(self.client, messages=MESSAGES)
        assert completion.choices[0].message.content
        assert_pool_clean(self.client._http)
        await self.api.close_http(self.client._http)


@both
async def test_streams_broken_out_of_early(
    api: Flavor, anyio_backend: str, server: LoopbackServer
) -> None:
    with Hygiene(api, server) as run:
        started = time.perf_counter()
        for _ in range(COUNT):
            stream = await api.create(run.client, messages=MESSAGES, stream=True)
            async with entered(api, stream):
                assert (await step(api, stream)).choices[0].delta.role == "assistant"
            assert stream.response.is_closed
        report(f"broken early ({name(api, anyio_backend)})", COUNT, started, server)
    await run.check()


@both
async def test_streams_read_to_the_end(
    api: Flavor, anyio_backend: str, server: LoopbackServer
) -> None:
    with Hygiene(api, server) as run:
        started = time.perf_counter()
        for _ in range(COUNT):
            stream = await api.create(run.client, messages=MESSAGES, stream=True)
            async with entered(api, stream):
                chunks = [chunk async for chunk in stream] if api.is_async else list(stream)
            assert_completion(accumulate(chunks), TEXT)
        report(f"completed ({name(api, anyio_backend)})", COUNT, started, server)
        assert server.connections <= 2  # read to their end, they reuse their connections
    await run.check()


@pytest.mark.anyio
async def test_streams_cancelled_while_others_wait_for_the_pool(
    anyio_backend: str, server: LoopbackServer
) -> None:
    from .flavors import ASYNC

    with Hygiene(ASYNC, server) as run:
        server.default = SLOW_STREAM
        finished = 0

        async def cancelled(delay: float) -> None:
            nonlocal finished
            with anyio.move_on_after(delay):
                stream = await run.client.chat.completions.create(messages=MESSAGES, stream=True)
                async with stream:
                    async for _ in stream:
                        pass
            finished += 1

        started = time.perf_counter()
        for batch in range(0, COUNT, BATCH):
            async with anyio.create_task_group() as tasks:
                for index in range(batch, min(batch + BATCH, COUNT)):
                    # Deadlines spread over 0-40 ms: before, while and after connecting.
                    tasks.start_soon(cancelled, (index % 9) * 0.005)
        assert finished == COUNT
        report(f"cancelled while waiting (async/{anyio_backend})", COUNT, started, server)
    await run.check()


LEAK_CHECK = Path(__file__).with_name("leak_check.py")


def test_no_response_or_stream_outlives_its_use() -> None:
    done = subprocess.run(
        [sys.executable, str(LEAK_CHECK), str(max(COUNT // 6, 5))],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=LEAK_CHECK.parent.parent,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("no leaks"), done.stdout + done.stderr
    print(f"\nleak check: {done.stdout.strip()}")


@pytest.mark.anyio
async def test_a_send_cancelled_while_writing_the_body_leaves_nothing_to_finalize() -> None:
    # A server that never reads: writing a large body blocks until the cancellation. httpx
    # writes content=bytes through an async generator, which trio then reports unfinished.
    import socket

    from .flavors import ASYNC

    with socket.create_server(("127.0.0.1", 0)) as listener:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        client = ASYNC.client(base_url=url, max_retries=0)
        big = [{"role": "user", "content": "x" * (32 * 2**20)}]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with anyio.move_on_after(0.3) as scope:
                await client.chat.completions.create(messages=big)
            assert scope.cancelled_caught
            await client.aclose()
            gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
