"""The connection pool survives streams: against a real HTTP/1.1 server on 127.0.0.1, with
``max_connections=2`` and a 2 s pool timeout, so a leaked connection fails fast with a timeout
instead of hanging. Streams read to their terminator give their connection back for reuse."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest

from heroku_inference import ChatCompletionChunk, StreamError

from .flavors import ASYNC, MESSAGES, Flavor, both
from .helpers import fixture_bytes
from .loopback import LoopbackServer, Reply, loopback_server
from .test_streaming import (
    END,
    SSE_HEADERS,
    TEXT,
    accumulate,
    assert_completion,
    create_stream,
    entered,
    first_events,
    loopback_client,
    read_all,
    step,
)

ROUNDS = 50
STREAM = Reply(200, SSE_HEADERS, [fixture_bytes("chat_text.heroku.sse")])
COMPLETION = Reply(
    200, {"content-type": "application/json"}, [fixture_bytes("chat_completion.json")]
)


async def assert_a_plain_request_succeeds(api: Flavor, client: Any, server: LoopbackServer) -> None:
    server.script = [COMPLETION]
    completion = await api.create(client)
    assert completion.choices[0].message.content


def new_connections(server: LoopbackServer, since: int) -> int:
    with server.lock:
        return server.connections - since


@both
async def test_streams_broken_out_of_and_streams_read_to_the_end_do_not_leak(
    api: Flavor,
) -> None:
    with loopback_server() as server:
        server.default = STREAM
        client = loopback_client(api, server)

        for _ in range(ROUNDS):
            stream = await create_stream(api, client)
            async with entered(api, stream):
                assert await step(api, stream) is not END
            assert stream.response.is_closed

        before = new_connections(server, 0)
        for _ in range(ROUNDS):
            stream = await create_stream(api, client)
            async with entered(api, stream):
                chunks = await read_all(api, stream)
            assert_completion(accumulate(chunks), TEXT)
            assert stream.response.is_closed
        # Read to their terminator, sequential streams share one kept-alive connection.
        assert new_connections(server, before) <= 2

        await assert_a_plain_request_succeeds(api, client, server)
        await api.close_http(client._http)
    assert len(server.requests) == 2 * ROUNDS + 1


@both
async def test_helper_streams_left_early_and_read_to_the_end_do_not_leak(api: Flavor) -> None:
    with loopback_server() as server:
        server.default = STREAM
        client = loopback_client(api, server)
        for round_ in range(ROUNDS):
            manager = client.chat.completions.stream(messages=MESSAGES)
            async with entered(api, manager) as stream:
                if round_ % 2:
                    assert await step(api, stream.text_stream) == "Heroku "
                    continue
                final = stream.get_final_completion()
                final = await final if api.is_async else final
                assert_completion(final, TEXT)
        await assert_a_plain_request_succeeds(api, client, server)
        await api.close_http(client._http)


FAILING = [
    pytest.param(fixture_bytes("chat_truncated.heroku.sse"), SSE_HEADERS, id="truncated"),
    pytest.param(fixture_bytes("chat_error_midstream.heroku.sse"), SSE_HEADERS, id="event-error"),
    pytest.param(fixture_bytes("chat_error_inband.openai.sse"), SSE_HEADERS, id="inband-error"),
    pytest.param(
        fixture_bytes("chat_completion.json"),
        {"content-type": "application/json"},
        id="not-an-event-stream",
    ),
]


@pytest.mark.parametrize(("body", "headers"), FAILING)
@both
async def test_streams_that_fail_do_not_leak(
    api: Flavor, body: bytes, headers: dict[str, str]
) -> None:
    with loopback_server() as server:
        server.default = Reply(200, headers, [body])
        client = loopback_client(api, server)
        for _ in range(10):
            stream = await create_stream(api, client)
            with pytest.raises(StreamError):
                await read_all(api, stream)
            assert stream.response.is_closed
        await assert_a_plain_request_succeeds(api, client, server)
        await api.close_http(client._http)


@pytest.mark.anyio
async def test_cancelled_streams_close_their_response_and_do_not_leak() -> None:
    api = ASYNC
    head, tail = first_events("chat_text.heroku.sse", 2)
    with loopback_server() as server:
        server.default = Reply(200, SSE_HEADERS, [head, 0.3, tail])
        client = loopback_client(api, server)
        for _ in range(3):
            stream = await client.chat.completions.create(messages=MESSAGES, stream=True)
            seen: list[ChatCompletionChunk] = []
            with anyio.move_on_after(0.05) as scope:
                async with stream:
                    async for item in stream:
                        seen.append(item)
            assert scope.cancelled_caught
            assert len(seen) == 2
            assert stream.response.is_closed

        # The pool of two is free again: two streams at once, then a plain request.
        server.default = STREAM

        async def read_one() -> None:
            async with await client.chat.completions.create(
                messages=MESSAGES, stream=True
            ) as stream:
                assert_completion(accumulate([c async for c in stream]), TEXT)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(read_one)
            tasks.start_soon(read_one)
        await assert_a_plain_request_succeeds(api, client, server)
        await client._http.aclose()


@pytest.mark.anyio
async def test_a_dropped_unread_async_stream_warns() -> None:
    import gc

    from heroku_inference.testing import Emulator

    client = Emulator().async_client()
    stream = await client.chat.completions.create(
        messages=[{"role": "user", "content": "hi"}], stream=True
    )
    response = stream.response
    with pytest.warns(ResourceWarning, match="dropped without being closed"):
        del stream  # freed here: CPython counts references
    gc.collect()
    await response.aclose()


@both
async def test_a_raw_streamed_response_closes_its_stream_unread(api: Flavor) -> None:
    with loopback_server() as server:
        server.script = [STREAM, STREAM, STREAM, COMPLETION]
        limits = httpx.Limits(max_connections=1)
        client = api.client(base_url=server.url, http_client=api.http_class(limits=limits))
        raw_create = client.chat.completions.with_raw_response.create
        for _ in range(3):  # one connection: each raw response must give it back
            if api.is_async:
                async with await raw_create(messages=MESSAGES, stream=True) as raw:
                    assert raw.status_code == 200
            else:
                with raw_create(messages=MESSAGES, stream=True) as raw:
                    assert raw.status_code == 200
            assert raw.http_response.is_closed
        parsed = await api.create(client, messages=MESSAGES)
        assert parsed.choices[0].message.content
        await api.close(client)
        await api.close_http(client._http)
