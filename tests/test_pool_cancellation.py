"""Cancelled streams never wedge the pool (encode/httpcore#1093).

With ``max_connections=2``, 40 streams each cancelled after 30 ms while the others wait for a
connection used to leave both connections ``CONNECTING`` for good: httpcore 1.0.x keeps a
connection it assigned to a request that was cancelled before using it. Every later call then
waited for the pool timeout. Against a real HTTP/1.1 server on 127.0.0.1, on asyncio and trio.
"""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest

from heroku_inference import APITimeoutError, AsyncClient

from .flavors import MESSAGES, both
from .helpers import API_KEY, MODEL, fixture_bytes, replies
from .loopback import Reply, loopback_server
from .pools import assert_pool_clean, busy_connections
from .test_streaming import SSE_HEADERS, TEXT, accumulate, assert_completion

STREAMS = 40
CANCEL_AFTER = 0.03
BODY = fixture_bytes("chat_text.heroku.sse")
# The first events at once, the rest 50 ms later: every stream is cancelled mid-way, or
# while it waits for one of the two connections.
SLOW_STREAM = Reply(200, SSE_HEADERS, [BODY[:200], 0.05, BODY[200:]])
STREAM = Reply(200, SSE_HEADERS, [BODY])


def pool_client(url: str, **options: Any) -> AsyncClient:
    # A short pool timeout: a wedged pool fails the test in seconds instead of hanging it.
    http = httpx.AsyncClient(
        limits=httpx.Limits(max_connections=2), timeout=httpx.Timeout(5.0, pool=2.0)
    )
    return AsyncClient(api_key=API_KEY, base_url=url, model=MODEL, http_client=http, **options)


async def read_stream(client: AsyncClient) -> list[Any]:
    stream = await client.chat.completions.create(messages=MESSAGES, stream=True)
    async with stream:
        return [chunk async for chunk in stream]


@pytest.mark.anyio
async def test_streams_cancelled_while_others_wait_leave_no_connection_half_open() -> None:
    with loopback_server() as server:
        server.default = SLOW_STREAM
        client = pool_client(server.url)

        async def cancelled_stream() -> None:
            with anyio.move_on_after(CANCEL_AFTER):
                await read_stream(client)

        async with anyio.create_task_group() as tasks:
            for _ in range(STREAMS):
                tasks.start_soon(cancelled_stream)

        assert busy_connections(client._http) == []
        server.default = STREAM
        # The next call gets a connection at once: a wedged pool fails it with a pool timeout.
        assert_completion(accumulate(await read_stream(client)), TEXT)
        assert_pool_clean(client._http)
        await client._http.aclose()


@both
async def test_a_pool_timeout_is_not_retried(api: Any) -> None:
    # The pool is local: waiting for it again cannot help, and each wait is a whole pool
    # timeout (ten minutes by default).
    handler, seen = replies(httpx.PoolTimeout("no free connection"))
    client = api.client(handler, max_retries=2)

    with pytest.raises(APITimeoutError) as raised:
        await api.create(client)

    assert len(seen) == 1
    assert raised.value.retries_taken == 0
    assert "waiting for a free connection from the pool" in str(raised.value)
    assert "max_connections" in str(raised.value)


def test_the_sync_pool_is_repaired_too() -> None:
    # The sync pool has the same flaw (a KeyboardInterrupt in the window); build the orphan
    # by hand, as httpcore leaves it: a new connection in the pool that no request owns.
    import httpcore

    from heroku_inference._pool_repair import reclaim

    with httpx.Client(limits=httpx.Limits(max_connections=1)) as http:
        pool = http._transport._pool
        orphan = pool.create_connection(httpcore.URL("https://inference.test/").origin)
        pool._connections.append(orphan)
        assert busy_connections(http) == ["<HTTPConnection [CONNECTING]>"]

        reclaim(http)

        assert pool.connections == []
        reclaim(http)  # nothing left to do: nothing happens
    with httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200))) as mocked:
        reclaim(mocked)  # a transport without an httpcore pool: nothing to repair
