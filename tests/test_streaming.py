"""Raw streams (``create(stream=True)``): transcripts in fragments, errors, retries, closing.

Every test runs on the sync ``Client`` and on the ``AsyncClient`` under asyncio and trio
(``@both``); the small adapters below hide the difference and are shared with
``test_stream_helper.py`` and ``test_stream_pool.py``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import pytest

from heroku_inference import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ChatCompletion,
    ChatCompletionAccumulator,
    ChatCompletionChunk,
    InternalServerError,
    PermissionDeniedError,
    RateLimitError,
    StreamError,
)

from .flavors import ASYNC, MESSAGES, Flavor, both
from .helpers import (
    SPLITS,
    FragmentedStream,
    async_client,
    chunk,
    fixture_bytes,
    json_response,
    replies,
    sse_events,
    sse_response,
    sync_client,
)
from .loopback import DISCONNECT, LoopbackServer, Reply, loopback_server

# -- adapters shared by the streaming tests ----------------------------------------------

SSE_HEADERS = {"content-type": "text/event-stream", "x-request-id": "req_stream"}
END = object()
"""What ``step`` returns once an iterator is exhausted."""


def body_response(
    body: bytes,
    size: int | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> tuple[httpx.Response, FragmentedStream]:
    """A streamed response delivering ``body`` in ``size``-byte fragments, and its body
    stream (whose ``closed`` flag tells whether the SDK closed it)."""
    stream = FragmentedStream(body, size)
    response = httpx.Response(status, headers=headers or SSE_HEADERS, stream=stream)
    return response, stream


async def create_stream(api: Flavor, client: Any, **params: Any) -> Any:
    """``client.chat.completions.create(stream=True)`` on either client."""
    params.setdefault("messages", MESSAGES)
    if api.is_async:
        return await client.chat.completions.create(stream=True, **params)
    return client.chat.completions.create(stream=True, **params)


async def step(api: Flavor, iterator: Any) -> Any:
    """The iterator's next item, or ``END``."""
    try:
        if api.is_async:
            return await iterator.__anext__()
        return next(iterator)
    except (StopIteration, StopAsyncIteration):
        return END


async def read_all(api: Flavor, iterable: Any) -> list[Any]:
    """Every item of an (async) iterable, with a bound so a broken stream cannot hang."""
    iterator = aiter(iterable) if api.is_async else iter(iterable)
    items: list[Any] = []
    for _ in range(100_000):
        item = await step(api, iterator)
        if item is END:
            return items
        items.append(item)
    raise AssertionError("the stream did not end")


async def read_into(api: Flavor, iterable: Any, items: list[Any]) -> None:
    """Like ``read_all`` but appends to ``items``, so what came before an error is kept."""
    iterator = aiter(iterable) if api.is_async else iter(iterable)
    for _ in range(100_000):
        item = await step(api, iterator)
        if item is END:
            return
        items.append(item)
    raise AssertionError("the stream did not end")


async def close(api: Flavor, stream: Any) -> None:
    """``await stream.aclose()`` or ``stream.close()``."""
    if api.is_async:
        await stream.aclose()
    else:
        stream.close()


@asynccontextmanager
async def entered(api: Flavor, manager: Any) -> AsyncIterator[Any]:
    """``async with manager`` or ``with manager``."""
    if api.is_async:
        async with manager as value:
            yield value
    else:
        with manager as value:
            yield value


async def call(api: Flavor, method: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a sync method, or await an async one."""
    result = method(*args, **kwargs)
    return await result if api.is_async else result


# -- what the transcripts hold -----------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    chunks: int
    content: str
    finish_reason: str
    usage: tuple[int, int, int]
    tool_calls: tuple[tuple[str, str, str], ...] = ()
    thinking: str | None = None


TEXT = Expected(10, "Heroku is cool because it just works.", "stop", (21, 9, 30))
TRANSCRIPTS: dict[str, Expected] = {
    "chat_text.heroku.sse": TEXT,
    "chat_text.openai_crlf.sse": TEXT,
    "chat_tools_parallel.heroku.sse": Expected(
        10,
        "Let me check both.",
        "tool_calls",
        (310, 74, 384),
        tool_calls=(
            (
                "tooluse_GDSgVgflTByFOnL_ZbCrhQ",
                "get_weather",
                '{"city": "Paris", "unit": "celsius"}',
            ),
            ("tooluse_Q2xhdWRlIGlzIGNvb2w", "get_stock_price", '{"symbol": "CRM"}'),
        ),
    ),
    "chat_reasoning.heroku.sse": Expected(
        8,
        "Because deploys are a git push.",
        "stop",
        (40, 1100, 1140),
        thinking="The user asks why Heroku is cool. Keep it short.",
    ),
}
TRANSCRIPT_CASES = [
    pytest.param(name, size, id=f"{name.split('.sse')[0]}-{size or 'whole'}")
    for name in TRANSCRIPTS
    for size in SPLITS
]


def reference_payloads(name: str) -> list[dict[str, Any]]:
    """The transcript's chunk payloads, parsed independently of the SDK's decoder."""
    payloads = []
    text = fixture_bytes(name).decode().replace("\r\n", "\n")
    for block in text.split("\n\n"):
        data = "\n".join(
            line[5:].removeprefix(" ") for line in block.splitlines() if line.startswith("data:")
        )
        if data == "[DONE]":
            return payloads
        if data:
            payloads.append(json.loads(data))
    raise AssertionError(f"{name} has no terminator")


def assert_completion(completion: ChatCompletion, expected: Expected) -> None:
    assert completion.id == "chatcmpl-1846531e6d7a6be30e1c6"
    assert completion.model == "claude-4-5-sonnet"
    assert completion.system_fingerprint == "heroku-inf-1qgiqof"
    [choice] = completion.choices
    assert choice.finish_reason == expected.finish_reason
    message = choice.message
    assert message.role == "assistant"
    assert message.content == expected.content
    if expected.tool_calls:
        assert message.tool_calls is not None
        calls = [(c.id, c.function.name, c.function.arguments) for c in message.tool_calls]
        assert calls == list(expected.tool_calls)
        assert [c.type for c in message.tool_calls] == ["function"] * len(calls)
    else:
        assert message.tool_calls is None
    if expected.thinking is None:
        assert message.reasoning is None
    else:
        assert message.reasoning is not None
        assert message.reasoning.thinking == expected.thinking
    assert completion.usage is not None
    usage = completion.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == expected.usage


def accumulate(chunks: list[ChatCompletionChunk]) -> ChatCompletion:
    accumulator = ChatCompletionAccumulator()
    for item in chunks:
        accumulator.add(item)
    return accumulator.completion()


# -- 1. transcripts, in fragments ----------------------------------------------------------


@pytest.mark.parametrize(("name", "size"), TRANSCRIPT_CASES)
@both
async def test_transcript_gives_the_same_chunks_for_every_split(
    api: Flavor, name: str, size: int | None
) -> None:
    response, body = body_response(fixture_bytes(name), size)
    handler, seen = replies(response)
    client = api.client(handler)
    stream = await create_stream(api, client)
    chunks = await read_all(api, stream)

    expected = TRANSCRIPTS[name]
    assert all(isinstance(c, ChatCompletionChunk) for c in chunks)
    assert [c.to_dict() for c in chunks] == reference_payloads(name)
    assert len(chunks) == expected.chunks
    assert_completion(accumulate(chunks), expected)
    assert stream.response.is_closed
    assert body.closed
    assert stream.request_id == "req_stream"
    assert stream.retries_taken == 0
    assert len(seen) == 1
    await api.close(client)


@both
async def test_a_streamed_request_asks_for_events(api: Flavor) -> None:
    response, _ = body_response(fixture_bytes("chat_text.heroku.sse"))
    handler, seen = replies(response)
    client = api.client(handler)
    stream = await create_stream(api, client, max_tokens=5)
    await read_all(api, stream)

    [request] = seen
    assert request.headers["accept"] == "text/event-stream"
    body = json.loads(request.content)
    assert body["stream"] is True
    assert body["max_tokens"] == 5
    assert body["messages"] == MESSAGES
    await api.close(client)


@both
async def test_iterating_after_the_end_yields_nothing_more(api: Flavor) -> None:
    response, _ = body_response(fixture_bytes("chat_text.heroku.sse"), 7)
    client = api.client(replies(response)[0])
    stream = await create_stream(api, client)
    assert len(await read_all(api, stream)) == 10
    assert await read_all(api, stream) == []
    await api.close(client)


@both
async def test_events_after_the_terminator_are_read_but_not_yielded(api: Flavor) -> None:
    body = sse_events([chunk("Hi"), chunk(finish_reason="stop")]) + b"data: not json\n\n"
    response, stream_body = body_response(body, 3)
    client = api.client(replies(response)[0])
    stream = await create_stream(api, client)
    chunks = await read_all(api, stream)
    assert [c.choices[0].delta.content for c in chunks] == ["Hi", None]
    assert stream_body.closed
    await api.close(client)


# -- 2. errors -----------------------------------------------------------------------------

STATUS_ERRORS = [
    pytest.param(400, "400_object.json", BadRequestError, "'messages' field is required", id="400"),
    pytest.param(
        400, "400_string_encoded.json", BadRequestError, "stream_options", id="400-string"
    ),
    pytest.param(401, "401_flat.json", AuthenticationError, "Invalid API key", id="401"),
    pytest.param(403, "403_waf.html", PermissionDeniedError, "could not be satisfied", id="403"),
    pytest.param(429, "429_rate_limit.json", RateLimitError, "Rate limit exceeded", id="429"),
    pytest.param(500, "500_failed_to_execute.json", InternalServerError, "Failed", id="500"),
    pytest.param(503, "503_router.html", InternalServerError, "Application Error", id="503"),
]


@pytest.mark.parametrize(("status", "name", "error_class", "text"), STATUS_ERRORS)
@both
async def test_an_error_status_raises_the_same_error_as_a_plain_request(
    api: Flavor, status: int, name: str, error_class: type[APIStatusError], text: str
) -> None:
    content = fixture_bytes(f"errors/{name}")
    kind = "text/html" if name.endswith(".html") else "application/json"

    def error_response() -> httpx.Response:
        return httpx.Response(status, content=content, headers={"content-type": kind})

    handler, seen = replies(error_response(), error_response())
    client = api.client(handler, max_retries=0)
    with pytest.raises(error_class) as streamed:
        await create_stream(api, client)
    with pytest.raises(error_class) as plain:
        await api.create(client)

    error = streamed.value
    assert type(error) is type(plain.value)
    assert error.status_code == status
    assert text in error.message
    assert error.message == plain.value.message
    assert error.body == plain.value.body
    assert error.body is not None
    assert error.response.is_closed
    assert [r.headers["accept"] for r in seen] == ["text/event-stream", "application/json"]
    await api.close(client)


SERVER_ERRORS = [
    pytest.param(
        "chat_error_midstream.heroku.sse", "Failed to execute chat", 500, id="event-error"
    ),
    pytest.param(
        "chat_error_inband.openai.sse", "Model overloaded, try again", 503, id="inband-error"
    ),
]


@pytest.mark.parametrize("size", SPLITS)
@pytest.mark.parametrize(("name", "message", "code"), SERVER_ERRORS)
@both
async def test_a_server_error_in_the_stream_raises_after_the_earlier_chunks(
    api: Flavor, name: str, message: str, code: int, size: int | None
) -> None:
    response, body = body_response(fixture_bytes(name), size)
    client = api.client(replies(response)[0])
    stream = await create_stream(api, client)
    chunks: list[ChatCompletionChunk] = []
    with pytest.raises(StreamError) as caught:
        await read_into(api, stream, chunks)

    assert [c.choices[0].delta.content for c in chunks] == ["", "Heroku ", "is "]
    error = caught.value
    assert message in error.message
    assert error.code == code
    assert error.type == "server_error"
    assert isinstance(error.body, dict)
    assert error.body["error"]["message"] == message
    assert error.raw is not None
    assert message in error.raw
    assert error.request is not None
    assert stream.response.is_closed
    assert body.closed
    await api.close(client)


@both
async def test_a_payload_that_is_not_json_raises_with_the_raw_text(api: Flavor) -> None:
    body = sse_events([chunk("Hi"), '{"id": "chatcmpl-1", "choices": [', chunk("never")])
    response, stream_body = body_response(body, 7)
    client = api.client(replies(response)[0])
    stream = await create_stream(api, client)
    chunks: list[ChatCompletionChunk] = []
    with pytest.raises(StreamError) as caught:
        await read_into(api, stream, chunks)
    assert [c.choices[0].delta.content for c in chunks] == ["Hi"]
    assert caught.value.raw == '{"id": "chatcmpl-1", "choices": ['
    assert "not valid JSON" in caught.value.message
    assert stream_body.closed
    await api.close(client)


@pytest.mark.parametrize("size", SPLITS)
@both
async def test_a_stream_without_its_terminator_is_an_error(api: Flavor, size: int | None) -> None:
    response, body = body_response(fixture_bytes("chat_truncated.heroku.sse"), size)
    client = api.client(replies(response)[0])
    stream = await create_stream(api, client)
    chunks: list[ChatCompletionChunk] = []
    with pytest.raises(StreamError) as caught:
        await read_into(api, stream, chunks)
    assert len(chunks) == 5
    assert "ended before" in caught.value.message
    assert "[DONE]" in caught.value.message
    assert "5 chunk(s)" in caught.value.message
    assert stream.response.is_closed
    assert body.closed
    await api.close(client)


@both
async def test_an_empty_body_is_a_truncated_stream(api: Flavor) -> None:
    response, _ = body_response(b"")
    client = api.client(replies(response)[0])
    stream = await create_stream(api, client)
    with pytest.raises(StreamError, match="ended before"):
        await read_all(api, stream)
    await api.close(client)


WRONG_CONTENT = [
    pytest.param("application/json", fixture_bytes("chat_completion.json"), id="json"),
    pytest.param("text/html", b"<html>hello</html>", id="html"),
]


@pytest.mark.parametrize(("kind", "content"), WRONG_CONTENT)
@both
async def test_a_success_that_is_not_an_event_stream_is_a_clear_error(
    api: Flavor, kind: str, content: bytes
) -> None:
    response, body = body_response(content, headers={"content-type": kind})
    client = api.client(replies(response)[0])
    stream = await create_stream(api, client)
    with pytest.raises(StreamError) as caught:
        await read_all(api, stream)
    assert "text/event-stream" in caught.value.message
    assert kind in caught.value.message
    assert stream.response.is_closed
    assert body.closed
    await api.close(client)


@both
async def test_a_charset_on_the_content_type_is_fine(api: Flavor) -> None:
    headers = {"content-type": "text/event-stream; charset=utf-8"}
    response, _ = body_response(fixture_bytes("chat_text.heroku.sse"), headers=headers)
    client = api.client(replies(response)[0])
    stream = await create_stream(api, client)
    assert len(await read_all(api, stream)) == 10
    await api.close(client)


# -- transport errors while iterating (a real server) ---------------------------------------


def first_events(name: str, count: int) -> tuple[bytes, bytes]:
    """The transcript split after its ``count``-th event."""
    body = fixture_bytes(name)
    cut = 0
    for _ in range(count):
        cut = body.index(b"\n\n", cut) + 2
    return body[:cut], body[cut:]


def loopback_client(api: Flavor, server: LoopbackServer, **options: Any) -> Any:
    timeout = options.pop("timeout", httpx.Timeout(5.0, pool=2.0))
    limits = options.pop("limits", httpx.Limits(max_connections=2))
    http = api.http_class(timeout=timeout, limits=limits)
    return api.client(base_url=server.url, http_client=http, **options)


@both
async def test_peer_closing_mid_body_is_a_connection_error_and_is_not_retried(
    api: Flavor,
) -> None:
    head, _ = first_events("chat_text.heroku.sse", 3)
    with loopback_server() as server:
        server.script = [Reply(200, SSE_HEADERS, [head, DISCONNECT])]
        client = loopback_client(api, server, max_retries=2)
        stream = await create_stream(api, client)
        chunks: list[ChatCompletionChunk] = []
        with pytest.raises(APIConnectionError) as caught:
            await read_into(api, stream, chunks)
        await api.close_http(client._http)

    assert not isinstance(caught.value, APITimeoutError)
    assert isinstance(caught.value.__cause__, httpx.TransportError)
    assert "3 chunk(s)" in caught.value.message
    assert [c.choices[0].delta.content for c in chunks] == ["", "Heroku ", "is "]
    assert stream.response.is_closed
    assert len(server.requests) == 1


@both
async def test_a_read_timeout_mid_body_is_a_timeout_error(api: Flavor) -> None:
    head, tail = first_events("chat_text.heroku.sse", 2)
    with loopback_server() as server:
        server.script = [Reply(200, SSE_HEADERS, [head, 0.3, tail])]
        client = loopback_client(api, server, max_retries=2)
        stream = await create_stream(api, client, timeout=0.05)
        chunks: list[ChatCompletionChunk] = []
        with pytest.raises(APITimeoutError) as caught:
            await read_into(api, stream, chunks)
        await api.close_http(client._http)

    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert "timed out" in caught.value.message
    assert len(chunks) == 2
    assert stream.response.is_closed
    assert len(server.requests) == 1


@both
async def test_a_disconnect_after_the_terminator_is_still_a_complete_stream(api: Flavor) -> None:
    with loopback_server() as server:
        body = fixture_bytes("chat_text.heroku.sse")
        server.script = [Reply(200, SSE_HEADERS, [body, DISCONNECT])]
        client = loopback_client(api, server)
        stream = await create_stream(api, client)
        chunks = await read_all(api, stream)
        await api.close_http(client._http)
    assert_completion(accumulate(chunks), TEXT)
    assert stream.response.is_closed


# -- retries ----------------------------------------------------------------------------------


@both
async def test_an_error_status_before_the_stream_is_retried(api: Flavor) -> None:
    busy = json_response(503, {"error": {"message": "busy"}}, headers={"retry-after-ms": "1"})
    response, _ = body_response(fixture_bytes("chat_text.heroku.sse"), 7)
    handler, seen = replies(busy, response)
    client = api.client(handler, max_retries=2)
    stream = await create_stream(api, client)
    chunks = await read_all(api, stream)
    assert_completion(accumulate(chunks), TEXT)
    assert stream.retries_taken == 1
    assert len(seen) == 2
    await api.close(client)


@both
async def test_a_connection_error_before_the_stream_is_retried(
    api: Flavor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("heroku_inference._transport.retry_delay", lambda *args: 0.001)
    response, _ = body_response(fixture_bytes("chat_text.heroku.sse"))
    handler, seen = replies(httpx.ConnectError("refused"), response)
    client = api.client(handler, max_retries=1)
    stream = await create_stream(api, client)
    assert len(await read_all(api, stream)) == 10
    assert stream.retries_taken == 1
    assert len(seen) == 2
    await api.close(client)


@both
async def test_a_server_error_in_the_stream_is_never_retried(api: Flavor) -> None:
    response, _ = body_response(fixture_bytes("chat_error_midstream.heroku.sse"))
    handler, seen = replies(response)
    client = api.client(handler, max_retries=2)
    stream = await create_stream(api, client)
    with pytest.raises(StreamError):
        await read_all(api, stream)
    assert len(seen) == 1
    await api.close(client)


# -- 3. closing --------------------------------------------------------------------------------


@both
async def test_close_is_idempotent(api: Flavor) -> None:
    response, body = body_response(fixture_bytes("chat_text.heroku.sse"), 7)
    client = api.client(replies(response)[0])
    stream = await create_stream(api, client)
    await step(api, stream)
    await close(api, stream)
    assert stream.response.is_closed
    assert body.closed
    await close(api, stream)
    async with entered(api, stream):
        pass
    await close(api, stream)
    # Reading on after closing early must not look like a normal end.
    with pytest.raises(StreamError, match="closed before it finished"):
        await read_all(api, stream)
    await api.close(client)


@both
async def test_reading_a_failed_stream_again_raises_again(api: Flavor) -> None:
    response, _ = body_response(fixture_bytes("chat_truncated.heroku.sse"))
    client = api.client(replies(response)[0])
    stream = await create_stream(api, client)
    with pytest.raises(StreamError, match="no \\[DONE\\] terminator"):
        await read_all(api, stream)
    with pytest.raises(StreamError, match="closed before it finished"):
        await read_all(api, stream)
    await api.close(client)


@both
async def test_close_before_iterating_closes_the_response(api: Flavor) -> None:
    response, body = body_response(fixture_bytes("chat_text.heroku.sse"))
    client = api.client(replies(response)[0])
    stream = await create_stream(api, client)
    async with entered(api, stream):
        pass
    assert stream.response.is_closed
    assert body.closed
    with pytest.raises(StreamError, match="closed before it finished"):
        await read_all(api, stream)
    await close(api, stream)
    await api.close(client)


@pytest.mark.parametrize("size", SPLITS)
@both
async def test_breaking_out_of_the_block_closes_the_response_at_once(
    api: Flavor, size: int | None
) -> None:
    response, body = body_response(fixture_bytes("chat_text.heroku.sse"), size)
    client = api.client(replies(response)[0])
    stream = await create_stream(api, client)
    seen: list[ChatCompletionChunk] = []
    async with entered(api, stream):
        while (item := await step(api, stream)) is not END:
            seen.append(item)
            if len(seen) == 2:
                break
        assert not stream.response.is_closed
    assert stream.response.is_closed
    assert body.closed
    assert len(seen) == 2
    await close(api, stream)
    await api.close(client)


@both
async def test_an_error_in_the_callers_loop_closes_the_response(api: Flavor) -> None:
    response, body = body_response(fixture_bytes("chat_text.heroku.sse"), 7)
    client = api.client(replies(response)[0])
    stream = await create_stream(api, client)

    async def fail_while_reading() -> None:
        async with entered(api, stream):
            await step(api, stream)
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        await fail_while_reading()
    assert stream.response.is_closed
    assert body.closed
    await api.close(client)


@both
async def test_a_finished_stream_has_closed_its_response(api: Flavor) -> None:
    response, body = body_response(fixture_bytes("chat_text.heroku.sse"), 7)
    client = api.client(replies(response)[0])
    stream = await create_stream(api, client)
    await read_all(api, stream)
    assert stream.response.is_closed
    assert body.closed
    await api.close(client)


def test_a_sync_stream_dropped_without_closing_closes_its_response() -> None:
    response, body = body_response(fixture_bytes("chat_text.heroku.sse"), 7)
    client = sync_client(replies(response)[0])
    stream = client.chat.completions.create(messages=MESSAGES, stream=True)
    for _ in stream:
        break
    http_response = stream.response
    del stream
    assert http_response.is_closed
    assert body.closed
    client._http.close()


# -- cancellation (asyncio and trio) ------------------------------------------------------------


class StallingStream(httpx.AsyncByteStream):
    """A body that sends ``head`` and then waits forever, without async generators."""

    def __init__(self, head: bytes) -> None:
        self.head = head
        self.sent = False
        self.closed = False

    def __aiter__(self) -> StallingStream:
        return self

    async def __anext__(self) -> bytes:
        if not self.sent:
            self.sent = True
            return self.head
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        self.closed = True


@pytest.mark.anyio
async def test_move_on_after_closes_a_stream_waiting_in_memory() -> None:
    head, _ = first_events("chat_text.heroku.sse", 2)
    body = StallingStream(head)
    client = async_client(replies(httpx.Response(200, headers=SSE_HEADERS, stream=body))[0])
    stream = await client.chat.completions.create(messages=MESSAGES, stream=True)
    seen: list[ChatCompletionChunk] = []
    with anyio.move_on_after(0.05) as scope:
        async for item in stream:
            seen.append(item)
    assert scope.cancelled_caught
    assert len(seen) == 2
    assert stream.response.is_closed
    assert body.closed
    await stream.aclose()
    await client._http.aclose()


@pytest.mark.anyio
async def test_cancelling_the_task_closes_the_stream() -> None:
    head, _ = first_events("chat_text.heroku.sse", 1)
    body = StallingStream(head)
    client = async_client(replies(httpx.Response(200, headers=SSE_HEADERS, stream=body))[0])
    streams: list[Any] = []
    started = anyio.Event()

    async def consume() -> None:
        stream = await client.chat.completions.create(messages=MESSAGES, stream=True)
        streams.append(stream)
        async with stream:
            async for _ in stream:
                started.set()

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(consume)
        with anyio.fail_after(2):
            await started.wait()
        tasks.cancel_scope.cancel()

    [stream] = streams
    assert stream.response.is_closed
    assert body.closed
    await client._http.aclose()


@pytest.mark.anyio
async def test_move_on_after_closes_a_stream_waiting_on_a_slow_server() -> None:
    head, tail = first_events("chat_text.heroku.sse", 2)
    with loopback_server() as server:
        server.script = [Reply(200, SSE_HEADERS, [head, 0.3, tail])]
        client = loopback_client(ASYNC, server)
        stream = await client.chat.completions.create(messages=MESSAGES, stream=True)
        seen: list[ChatCompletionChunk] = []
        with anyio.move_on_after(0.1) as scope:
            async for item in stream:
                seen.append(item)
        assert scope.cancelled_caught
        assert len(seen) == 2
        assert stream.response.is_closed
        await stream.aclose()
        await client._http.aclose()


# -- closing from elsewhere, and what errors report -----------------------------------------

SLOW_EVENTS = [
    b'data: {"choices":[{"index":0,"delta":{"content":"first"}}]}\n\n',
    1.0,  # the server stalls; the caller presses "stop" meanwhile
    b'data: {"choices":[{"index":0,"delta":{"content":"late"}}]}\n\ndata: [DONE]\n\n',
]


@pytest.mark.anyio
async def test_closing_from_another_task_ends_the_reader_with_a_clear_error() -> None:
    from heroku_inference import AsyncClient

    with loopback_server() as server:
        server.script.append(Reply(200, {"content-type": "text/event-stream"}, SLOW_EVENTS))
        async with AsyncClient(api_key="k", base_url=server.url, model="m") as client:
            stream = await client.chat.completions.create(messages=MESSAGES, stream=True)
            seen: list[str] = []
            errors: list[BaseException] = []
            first_arrived = anyio.Event()

            async def read() -> None:
                try:
                    async for chunk in stream:
                        seen.append(chunk.choices[0].delta.content or "")
                        first_arrived.set()
                except StreamError as exc:
                    errors.append(exc)

            with anyio.fail_after(5):
                async with anyio.create_task_group() as tasks:
                    tasks.start_soon(read)
                    await first_arrived.wait()
                    await stream.aclose()  # the "stop" button
    assert seen == ["first"]
    assert len(errors) == 1
    assert "closed before it finished" in str(errors[0])
    assert stream.response.is_closed


def test_closing_from_another_thread_ends_the_sync_reader_with_a_clear_error() -> None:
    import threading

    from heroku_inference import Client

    with loopback_server() as server:
        server.script.append(Reply(200, {"content-type": "text/event-stream"}, SLOW_EVENTS))
        with Client(api_key="k", base_url=server.url, model="m") as client:
            stream = client.chat.completions.create(messages=MESSAGES, stream=True)
            first = next(stream)
            assert first.choices[0].delta.content == "first"
            stopper = threading.Timer(0.1, stream.response.close)
            stopper.start()
            with pytest.raises((StreamError, APIConnectionError)) as raised:
                next(stream)
            stopper.join(5)
            stream.close()
    # Closing a socket under a blocked reader is a race in the OS; both outcomes are clean
    # SDK errors, and when the close is seen first the message says what happened.
    if isinstance(raised.value, StreamError):
        assert "closed before it finished" in str(raised.value)


@both
async def test_errors_raised_mid_stream_carry_the_retries_the_request_took(api: Flavor) -> None:
    handler, _ = replies(
        httpx.Response(503, json={"error": "busy"}, headers={"retry-after": "0"}),
        sse_response(fixture_bytes("chat_error_midstream.heroku.sse")),
    )
    client = api.client(handler)
    stream = await create_stream(api, client)
    assert stream.retries_taken == 1
    with pytest.raises(StreamError) as raised:
        await read_all(api, stream)
    assert raised.value.retries_taken == 1
    await api.close(client)
