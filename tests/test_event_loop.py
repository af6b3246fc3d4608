"""An AsyncClient belongs to the event loop it first ran on; another loop gets a clear error
instead of asyncio's raw 'Event loop is closed' (pytest-asyncio starts a loop per test)."""

from __future__ import annotations

import asyncio
import gc
import warnings

import httpx
import pytest
import trio

from heroku_inference import AsyncClient, EventLoopError

from .helpers import API_KEY, MODEL, json_response
from .test_chat_create import COMPLETION

MESSAGES = [{"role": "user", "content": "Hi"}]


def loopback_client() -> AsyncClient:
    """A client whose transport, like a real pool, keeps a connection bound to its loop."""
    return AsyncClient(
        api_key=API_KEY,
        base_url="https://inference.test",
        model=MODEL,
        transport=httpx.MockTransport(lambda request: json_response(200, COMPLETION)),
    )


def test_a_second_asyncio_loop_gets_an_event_loop_error() -> None:
    client = loopback_client()

    async def call() -> str | None:
        completion = await client.chat.completions.create(messages=MESSAGES)
        return completion.id

    assert asyncio.run(call()) == COMPLETION["id"]
    with pytest.raises(EventLoopError, match="Create one client per event loop"):
        asyncio.run(call())


def test_a_second_trio_run_gets_an_event_loop_error() -> None:
    client = loopback_client()

    async def call() -> None:
        await client.chat.completions.create(messages=MESSAGES)

    trio.run(call)
    with pytest.raises(EventLoopError):
        trio.run(call)


def test_a_copy_shares_the_loop_of_its_pool() -> None:
    client = loopback_client()
    copy = client.with_options(max_retries=0)

    async def call(which: AsyncClient) -> None:
        await which.chat.completions.create(messages=MESSAGES)

    asyncio.run(call(client))
    with pytest.raises(EventLoopError):
        asyncio.run(call(copy))


def test_the_error_is_a_runtime_error_and_nothing_is_sent() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return json_response(200, COMPLETION)

    client = AsyncClient(
        api_key=API_KEY,
        base_url="https://inference.test",
        model=MODEL,
        transport=httpx.MockTransport(handler),
    )

    async def call() -> None:
        await client.chat.completions.create(messages=MESSAGES)

    asyncio.run(call())
    with pytest.raises(RuntimeError):
        asyncio.run(call())
    assert len(sent) == 1


def test_over_real_loopback_the_second_loop_gets_the_clear_error() -> None:
    import json

    from .loopback import Reply, loopback_server

    def two_loops(url: str) -> None:
        client = AsyncClient(api_key=API_KEY, base_url=url, model=MODEL)

        async def call() -> None:
            await client.chat.completions.create(messages=MESSAGES)

        asyncio.run(call())  # leaves a kept-alive connection bound to the first loop
        with pytest.raises(EventLoopError):
            asyncio.run(call())

    with loopback_server() as server:
        body = json.dumps(COMPLETION).encode()
        server.default = Reply(200, {"content-type": "application/json"}, [body])
        two_loops(server.url)
        assert len(server.requests) == 1
        # That connection can never be closed once its loop is gone (the very mistake this
        # error reports); collect it here, where its ResourceWarning is expected.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()
