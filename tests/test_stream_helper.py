"""``client.chat.completions.stream()``: typed events, ``text_stream``, snapshots and the final
completion, on the sync client and on the async one under asyncio and trio."""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx
import pytest

from heroku_inference import (
    APIConnectionError,
    BadRequestError,
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionStreamEvent,
    StreamError,
)

from .flavors import MESSAGES, Flavor, both
from .helpers import SPLITS, async_client, chunk, fixture_bytes, replies, sse_events
from .loopback import DISCONNECT, Reply, loopback_server
from .test_streaming import (
    SSE_HEADERS,
    TEXT,
    TRANSCRIPT_CASES,
    TRANSCRIPTS,
    StallingStream,
    accumulate,
    assert_completion,
    body_response,
    call,
    close,
    entered,
    first_events,
    loopback_client,
    read_all,
    read_into,
    reference_payloads,
    step,
)


def stream_manager(api: Flavor, client: Any, **params: Any) -> Any:
    params.setdefault("messages", MESSAGES)
    return client.chat.completions.stream(**params)


def helper_client(api: Flavor, name: str, size: int | None = None) -> tuple[Any, Any, list[Any]]:
    """A client whose one reply replays transcript ``name``; also its body and requests."""
    response, body = body_response(fixture_bytes(name), size)
    handler, seen = replies(response)
    return api.client(handler), body, seen


def of_type(events: list[ChatCompletionStreamEvent], kind: str) -> list[Any]:
    return [e for e in events if e.type == kind]


# -- transcripts, in fragments ------------------------------------------------------------


@pytest.mark.parametrize(("name", "size"), TRANSCRIPT_CASES)
@both
async def test_transcript_gives_the_same_events_and_completion_for_every_split(
    api: Flavor, name: str, size: int | None
) -> None:
    client, body, seen = helper_client(api, name, size)
    expected = TRANSCRIPTS[name]
    async with entered(api, stream_manager(api, client)) as stream:
        events = await read_all(api, stream)
        final = await call(api, stream.get_final_completion)
        assert stream.response is not None

    assert_completion(final, expected)
    reference = accumulate(
        [ChatCompletionChunk.model_validate(p) for p in reference_payloads(name)]
    )
    assert final.model_dump() == reference.model_dump()
    assert final._request_id == "req_stream"

    chunks = [e.chunk for e in of_type(events, "chunk")]
    assert [c.to_dict() for c in chunks] == reference_payloads(name)
    assert "".join(e.delta for e in of_type(events, "content.delta")) == expected.content
    assert [e.content for e in of_type(events, "content.done")] == [expected.content]

    thinking = "".join(e.delta for e in of_type(events, "reasoning.delta"))
    reasoning_done = of_type(events, "reasoning.done")
    if expected.thinking is None:
        assert thinking == ""
        assert reasoning_done == []
    else:
        assert thinking == expected.thinking
        assert [e.reasoning.thinking for e in reasoning_done] == [expected.thinking]

    done = of_type(events, "tool_calls.function.arguments.done")
    assert [(e.id, e.name, e.arguments) for e in done] == list(expected.tool_calls)
    assert [e.parsed_arguments for e in done] == [json.loads(t[2]) for t in expected.tool_calls]

    assert stream.response.is_closed
    assert body.closed
    assert len(seen) == 1
    assert seen[0].headers["accept"] == "text/event-stream"
    assert json.loads(seen[0].content)["stream"] is True
    await api.close(client)


@pytest.mark.parametrize("name", list(TRANSCRIPTS))
@both
async def test_the_final_completion_without_iterating(api: Flavor, name: str) -> None:
    client, body, _ = helper_client(api, name, 7)
    async with entered(api, stream_manager(api, client)) as stream:
        final = await call(api, stream.get_final_completion)
        again = await call(api, stream.get_final_completion)
        assert body.closed
    assert_completion(final, TRANSCRIPTS[name])
    assert again == final
    assert await read_all(api, stream) == []
    await api.close(client)


@both
async def test_the_manager_sends_nothing_until_entered(api: Flavor) -> None:
    client, _, seen = helper_client(api, "chat_text.heroku.sse")
    manager = stream_manager(api, client, temperature=0.5)
    assert seen == []
    async with entered(api, manager) as stream:
        assert len(seen) == 1
        assert json.loads(seen[0].content)["temperature"] == 0.5
        await call(api, stream.until_done)
    await api.close(client)


# -- events in order ------------------------------------------------------------------------

D = "tool_calls.function.arguments.delta"
TOOL_EVENTS = [
    ("content.delta", None, "Let me check both."),
    (D, 0, '{"ci'),
    (D, 0, 'ty": "Par'),
    (D, 0, 'is", "unit"'),
    (D, 1, '{"symbol"'),
    (D, 0, ': "celsius"}'),
    ("tool_calls.function.arguments.done", 0, {"city": "Paris", "unit": "celsius"}),
    (D, 1, ': "CRM"}'),
    ("content.done", None, "Let me check both."),
    ("tool_calls.function.arguments.done", 1, {"symbol": "CRM"}),
]
"""The tools transcript's events after ``chunk``: a call is done once the stream moves to
another call and its arguments are complete JSON, or when the choice finishes."""


def describe(event: Any) -> tuple[str, int | None, object]:
    if event.type == D:
        return (event.type, event.index, event.arguments_delta)
    if event.type == "tool_calls.function.arguments.done":
        return (event.type, event.index, event.parsed_arguments)
    if event.type == "content.delta":
        return (event.type, None, event.delta)
    return (event.type, None, event.content)


@pytest.mark.parametrize("size", SPLITS)
@both
async def test_tool_call_events_arrive_in_order(api: Flavor, size: int | None) -> None:
    client, _, _ = helper_client(api, "chat_tools_parallel.heroku.sse", size)
    async with entered(api, stream_manager(api, client)) as stream:
        events = await read_all(api, stream)

    assert [describe(e) for e in events if e.type != "chunk"] == TOOL_EVENTS
    # Every batch starts with its chunk: ten chunks, each followed by what it produced.
    assert events[0].type == "chunk"
    assert len(of_type(events, "chunk")) == 10

    names = {0: "get_weather", 1: "get_stock_price"}
    for event in of_type(events, D):
        assert event.name == names[event.index]
    last = {e.index: e for e in of_type(events, D)}
    assert last[0].arguments == '{"city": "Paris", "unit": "celsius"}'
    assert last[1].arguments == '{"symbol": "CRM"}'
    done = of_type(events, "tool_calls.function.arguments.done")
    assert [(e.index, e.id, e.name) for e in done] == [
        (0, "tooluse_GDSgVgflTByFOnL_ZbCrhQ", "get_weather"),
        (1, "tooluse_Q2xhdWRlIGlzIGNvb2w", "get_stock_price"),
    ]
    await api.close(client)


@both
async def test_reasoning_is_done_when_the_answer_starts(api: Flavor) -> None:
    client, _, _ = helper_client(api, "chat_reasoning.heroku.sse", 1)
    async with entered(api, stream_manager(api, client)) as stream:
        events = await read_all(api, stream)
    kinds = [e.type for e in events if e.type != "chunk"]
    assert kinds == [
        "reasoning.delta",
        "reasoning.delta",
        "reasoning.delta",
        "reasoning.delta",
        "reasoning.done",
        "content.delta",
        "content.delta",
        "content.done",
    ]
    await api.close(client)


# -- text_stream, snapshots, partial reads --------------------------------------------------

TEXT_DELTAS = ["Heroku ", "is ", "cool ", "because ", "it ", "just ", "works", "."]


@pytest.mark.parametrize("name", ["chat_text.heroku.sse", "chat_text.openai_crlf.sse"])
@both
async def test_text_stream_yields_the_text_deltas(api: Flavor, name: str) -> None:
    client, _, _ = helper_client(api, name, 7)
    async with entered(api, stream_manager(api, client)) as stream:
        texts = await read_all(api, stream.text_stream)
        final = await call(api, stream.get_final_completion)
    assert texts == TEXT_DELTAS
    assert_completion(final, TEXT)
    await api.close(client)


@both
async def test_text_stream_skips_reasoning_and_tool_calls(api: Flavor) -> None:
    client, _, _ = helper_client(api, "chat_reasoning.heroku.sse")
    async with entered(api, stream_manager(api, client)) as stream:
        assert await read_all(api, stream.text_stream) == ["Because ", "deploys are a git push."]
    client, _, _ = helper_client(api, "chat_tools_parallel.heroku.sse")
    async with entered(api, stream_manager(api, client)) as stream:
        assert await read_all(api, stream.text_stream) == ["Let me check both."]
    await api.close(client)


@both
async def test_current_completion_mid_stream(api: Flavor) -> None:
    client, body, _ = helper_client(api, "chat_text.heroku.sse", 1)
    async with entered(api, stream_manager(api, client)) as stream:
        texts = stream.text_stream
        assert [await step(api, texts) for _ in range(3)] == ["Heroku ", "is ", "cool "]
        snapshot = stream.current_completion
        assert isinstance(snapshot, ChatCompletion)
        assert snapshot.choices[0].message.content == "Heroku is cool "
        assert snapshot.choices[0].finish_reason is None
        assert snapshot.usage is None
        assert snapshot._request_id == "req_stream"
        assert not body.closed

        final = await call(api, stream.get_final_completion)
        # The snapshot taken earlier is a separate object and did not change.
        assert snapshot.choices[0].message.content == "Heroku is cool "
    assert_completion(final, TEXT)
    assert stream.current_completion == final
    await api.close(client)


@both
async def test_the_final_completion_after_a_partial_read(api: Flavor) -> None:
    client, _, _ = helper_client(api, "chat_tools_parallel.heroku.sse", 7)
    async with entered(api, stream_manager(api, client)) as stream:
        first = [await step(api, stream) for _ in range(4)]
        final = await call(api, stream.get_final_completion)
    assert [e.type for e in first] == ["chunk", "content.delta", "chunk", "chunk"]
    assert_completion(final, TRANSCRIPTS["chat_tools_parallel.heroku.sse"])
    await api.close(client)


@both
async def test_a_usage_only_chunk_and_no_finish_reason(api: Flavor) -> None:
    usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    body = sse_events(
        [chunk("a", role="assistant"), chunk("b"), {**chunk(), "choices": [], "usage": usage}]
    )
    response, _ = body_response(body, 1)
    client = api.client(replies(response)[0])
    async with entered(api, stream_manager(api, client)) as stream:
        events = await read_all(api, stream)
    final = stream.current_completion
    assert final.choices[0].message.content == "ab"
    assert final.usage is not None
    assert final.usage.total_tokens == 5
    # With no finish_reason the content is still reported done once the stream ends.
    assert [e.content for e in of_type(events, "content.done")] == ["ab"]
    await api.close(client)


# -- errors ----------------------------------------------------------------------------------


@both
async def test_an_error_status_raises_on_entering(api: Flavor) -> None:
    error = httpx.Response(
        400,
        content=fixture_bytes("errors/400_object.json"),
        headers={"content-type": "application/json"},
    )
    client = api.client(replies(error)[0], max_retries=0)
    with pytest.raises(BadRequestError) as caught:
        async with entered(api, stream_manager(api, client)):
            raise AssertionError("entered a failed stream")
    assert "'messages' field is required" in caught.value.message
    assert isinstance(caught.value.body, dict)
    assert caught.value.response.is_closed
    await api.close(client)


@pytest.mark.parametrize(
    ("name", "message", "code"),
    [
        ("chat_error_midstream.heroku.sse", "Failed to execute chat", 500),
        ("chat_error_inband.openai.sse", "Model overloaded, try again", 503),
    ],
)
@both
async def test_a_server_error_raises_after_the_earlier_text(
    api: Flavor, name: str, message: str, code: int
) -> None:
    client, body, _ = helper_client(api, name, 7)
    texts: list[str] = []
    async with entered(api, stream_manager(api, client)) as stream:
        with pytest.raises(StreamError) as caught:
            await read_into(api, stream.text_stream, texts)
        assert body.closed
        with pytest.raises(StreamError) as again:
            await call(api, stream.get_final_completion)
    assert texts == ["Heroku ", "is "]
    assert message in caught.value.message
    assert caught.value.code == code
    assert again.value is caught.value
    assert stream.current_completion.choices[0].message.content == "Heroku is "
    await api.close(client)


@pytest.mark.parametrize("size", SPLITS)
@both
async def test_a_truncated_stream_never_gives_a_final_completion(
    api: Flavor, size: int | None
) -> None:
    client, body, _ = helper_client(api, "chat_truncated.heroku.sse", size)
    async with entered(api, stream_manager(api, client)) as stream:
        with pytest.raises(StreamError) as caught:
            await call(api, stream.get_final_completion)
        with pytest.raises(StreamError) as again:
            await call(api, stream.get_final_completion)
        with pytest.raises(StreamError):
            await read_all(api, stream)
    assert "ended before" in caught.value.message
    assert "[DONE]" in caught.value.message
    assert again.value is caught.value
    assert body.closed
    partial = stream.current_completion
    assert partial.choices[0].message.content == "Heroku is cool because "
    assert partial.choices[0].finish_reason is None
    await api.close(client)


@both
async def test_a_truncated_stream_raises_while_iterating(api: Flavor) -> None:
    client, _, _ = helper_client(api, "chat_truncated.heroku.sse", 1)
    texts: list[str] = []
    async with entered(api, stream_manager(api, client)) as stream:
        with pytest.raises(StreamError, match="ended before"):
            await read_into(api, stream.text_stream, texts)
    assert texts == ["Heroku ", "is ", "cool ", "because "]
    await api.close(client)


@both
async def test_a_connection_error_raises_from_the_helper_and_again_at_the_end(
    api: Flavor,
) -> None:
    head, _ = first_events("chat_text.heroku.sse", 4)
    with loopback_server() as server:
        server.script = [Reply(200, SSE_HEADERS, [head, DISCONNECT])]
        client = loopback_client(api, server)
        texts: list[str] = []
        async with entered(api, stream_manager(api, client)) as stream:
            with pytest.raises(APIConnectionError) as caught:
                await read_into(api, stream.text_stream, texts)
            with pytest.raises(APIConnectionError) as again:
                await call(api, stream.get_final_completion)
        await api.close_http(client._http)
    assert texts == ["Heroku ", "is ", "cool "]
    assert isinstance(caught.value.__cause__, httpx.TransportError)
    assert again.value is caught.value
    assert stream.response.is_closed
    assert len(server.requests) == 1


# -- closing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SPLITS)
@both
async def test_leaving_the_block_early_closes_the_response(api: Flavor, size: int | None) -> None:
    client, body, _ = helper_client(api, "chat_text.heroku.sse", size)
    async with entered(api, stream_manager(api, client)) as stream:
        texts = stream.text_stream
        assert await step(api, texts) == "Heroku "
        assert not stream.response.is_closed
    assert stream.response.is_closed
    assert body.closed
    # What was not read is gone: the final completion says so instead of pretending.
    with pytest.raises(StreamError, match="closed before it finished"):
        await call(api, stream.get_final_completion)
    with pytest.raises(StreamError, match="closed before it finished"):
        await step(api, texts)
    await api.close(client)


@both
async def test_an_error_in_the_block_closes_the_response(api: Flavor) -> None:
    client, body, _ = helper_client(api, "chat_text.heroku.sse", 7)
    streams: list[Any] = []

    async def fail_while_reading() -> None:
        async with entered(api, stream_manager(api, client)) as stream:
            streams.append(stream)
            await step(api, stream)
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        await fail_while_reading()
    assert streams[0].response.is_closed
    assert body.closed
    await api.close(client)


@both
async def test_close_is_idempotent(api: Flavor) -> None:
    client, body, _ = helper_client(api, "chat_text.heroku.sse", 7)
    async with entered(api, stream_manager(api, client)) as stream:
        await step(api, stream)
        await close(api, stream)
        assert body.closed
        await close(api, stream)
    await close(api, stream)
    assert stream.response.is_closed
    await api.close(client)


@pytest.mark.anyio
async def test_cancelling_text_stream_closes_the_response() -> None:
    head, _ = first_events("chat_text.heroku.sse", 3)
    body = StallingStream(head)
    client = async_client(replies(httpx.Response(200, headers=SSE_HEADERS, stream=body))[0])
    texts: list[str] = []
    async with client.chat.completions.stream(messages=MESSAGES) as stream:
        with anyio.move_on_after(0.05) as scope:
            async for text in stream.text_stream:
                texts.append(text)
        assert scope.cancelled_caught
        assert stream.response.is_closed
        assert body.closed
        with pytest.raises(StreamError, match="closed before it finished"):
            await stream.get_final_completion()
    assert texts == ["Heroku ", "is "]
    await client._http.aclose()


@both
async def test_the_helper_reports_its_request_id_and_retries(api: Flavor) -> None:
    response, _ = body_response(fixture_bytes("chat_text.heroku.sse"))
    handler, seen = replies(httpx.Response(503, headers={"retry-after": "0"}), response)
    client = api.client(handler)
    async with entered(api, stream_manager(api, client)) as stream:
        final = await call(api, stream.get_final_completion)
        assert stream.retries_taken == 1
        assert stream.request_id == final._request_id == "req_stream"
    assert final._retries_taken == 1
    assert len(seen) == 2
    await api.close(client)
