"""SSE events to chunks: the pure ``ChunkDecoder``, and framing through a real client (both
framings, CRLF and CR, comments, ``id:``/``retry:``-only events, multi-line ``data:``,
unknown event names, multi-byte characters split across reads)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from httpx_sse import ServerSentEvent

from heroku_inference import ChatCompletionChunk, StreamError
from heroku_inference._call_errors import CallErrors
from heroku_inference._sse import EventDecoder, chat_chunk_decoder

from .flavors import Flavor, both
from .helpers import SPLITS, chunk, sse_events
from .test_streaming import body_response, create_stream, read_all, read_into

REQUEST = httpx.Request("POST", "https://inference.test/v1/chat/completions")


def ChunkDecoder(request: httpx.Request) -> EventDecoder[ChatCompletionChunk]:
    return chat_chunk_decoder(CallErrors(request, secret=""))


CHUNK = json.dumps(chunk("Hi"))


def event(data: str = "", event: str | None = None, **fields: Any) -> ServerSentEvent:
    return ServerSentEvent(event=event, data=data, **fields)


# -- ChunkDecoder ---------------------------------------------------------------------------


def test_a_chunk_payload_is_decoded_and_counted() -> None:
    decoder = ChunkDecoder(REQUEST)
    decoded = decoder.decode(event(CHUNK))
    assert isinstance(decoded, ChatCompletionChunk)
    assert decoded.choices[0].delta.content == "Hi"
    assert decoder.count == 1
    assert not decoder.done


@pytest.mark.parametrize(
    "terminator",
    [event("[DONE]"), event("[DONE]", "done"), event("", "done"), event("[DONE]", "message")],
    ids=["openai", "heroku", "event-only", "message-event"],
)
def test_the_terminator_ends_the_stream(terminator: ServerSentEvent) -> None:
    decoder = ChunkDecoder(REQUEST)
    assert decoder.decode(terminator) is None
    assert decoder.done


@pytest.mark.parametrize(
    "skipped",
    [
        event(""),
        event("", id="42"),
        event("", retry=3000),
        event("{}", "ping"),
        event("", "keep-alive"),
        event('{"type": "heartbeat"}', "heartbeat"),
    ],
    ids=["empty", "id-only", "retry-only", "ping", "keep-alive", "heartbeat"],
)
def test_events_without_a_chunk_are_skipped(skipped: ServerSentEvent) -> None:
    decoder = ChunkDecoder(REQUEST)
    assert decoder.decode(skipped) is None
    assert not decoder.done
    assert decoder.count == 0


def test_an_unknown_event_name_with_a_chunk_is_not_dropped() -> None:
    decoded = ChunkDecoder(REQUEST).decode(event(CHUNK, "completion.chunk"))
    assert decoded is not None
    assert decoded.choices[0].delta.content == "Hi"


def test_a_chunk_with_a_null_error_field_is_still_a_chunk() -> None:
    payload = json.dumps({**chunk("Hi"), "error": None})
    decoded = ChunkDecoder(REQUEST).decode(event(payload))
    assert decoded is not None
    assert decoded.choices[0].delta.content == "Hi"


SERVER_ERRORS = [
    pytest.param(
        event(
            '{"error":{"code":500,"message":"Failed to execute chat","type":"server_error"}}',
            "error",
        ),
        "Failed to execute chat",
        500,
        "server_error",
        id="event-error",
    ),
    pytest.param(
        event('{"error":{"message":"Model overloaded","type":"server_error","code":503}}'),
        "Model overloaded",
        503,
        "server_error",
        id="inband-object",
    ),
    pytest.param(
        event(json.dumps({"error": json.dumps({"message": "encoded", "code": "E1"})})),
        "encoded",
        "E1",
        None,
        id="inband-json-string",
    ),
    pytest.param(
        event('{"error": "plain words"}'),
        "plain words",
        None,
        None,
        id="inband-string",
    ),
    pytest.param(
        event('{"error": {"message": "bad"}, "choices": "not a list"}'),
        "bad",
        None,
        None,
        id="inband-not-a-chunk",
    ),
    pytest.param(
        event("upstream went away", "error"),
        "upstream went away",
        None,
        None,
        id="event-text",
    ),
    pytest.param(event("", "error"), "no message", None, None, id="event-empty"),
]


@pytest.mark.parametrize(("sse", "message", "code", "kind"), SERVER_ERRORS)
def test_a_server_error_raises_a_stream_error(
    sse: ServerSentEvent, message: str, code: object, kind: str | None
) -> None:
    with pytest.raises(StreamError) as caught:
        ChunkDecoder(REQUEST).decode(sse)
    error = caught.value
    assert message in error.message
    assert error.message.startswith("The server sent an error in the stream")
    assert error.code == code
    assert error.type == kind
    assert error.raw == sse.data
    assert error.request is REQUEST


@pytest.mark.parametrize(
    "data",
    ['{"id": "x", "choices": [', "Hello world", "{'single': 'quotes'}"],
    ids=["cut-json", "text", "python-repr"],
)
def test_a_payload_that_is_not_json_keeps_its_raw_text(data: str) -> None:
    with pytest.raises(StreamError) as caught:
        ChunkDecoder(REQUEST).decode(event(data))
    assert caught.value.raw == data
    assert "is not valid JSON" in caught.value.message
    assert repr(data) in caught.value.message
    assert caught.value.request is REQUEST


@pytest.mark.parametrize(
    "data", ["[1, 2]", '"text"', "null", '{"choices": "nope"}'], ids=lambda d: d[:8]
)
def test_json_that_is_not_a_chunk_keeps_its_raw_text(data: str) -> None:
    with pytest.raises(StreamError) as caught:
        ChunkDecoder(REQUEST).decode(event(data))
    assert caught.value.raw == data
    assert "not a chat completion chunk" in caught.value.message


def test_a_huge_bad_payload_is_shortened_in_the_message_but_kept_whole() -> None:
    data = "x" * 10_000
    with pytest.raises(StreamError) as caught:
        ChunkDecoder(REQUEST).decode(event(data))
    assert caught.value.raw == data
    assert len(caught.value.message) < 400


def test_the_truncation_error_says_what_happened() -> None:
    decoder = ChunkDecoder(REQUEST)
    decoder.decode(event(CHUNK))
    decoder.decode(event(CHUNK))
    error = decoder.truncated()
    assert isinstance(error, StreamError)
    assert "ended before" in error.message
    assert "[DONE]" in error.message
    assert "2 chunk(s)" in error.message
    assert error.request is REQUEST


# -- framing, through a client ----------------------------------------------------------------

CONTENT = ["Grüße ", "🚀 ", "日本語", " ok"]
"""Two-, three- and four-byte characters; one-byte fragments split every one of them."""


def payload(text: str, indent: int | None = None) -> bytes:
    """A chunk as UTF-8 JSON, its characters unescaped so that they are multi-byte."""
    return json.dumps(chunk(text), ensure_ascii=False, indent=indent).encode()


def framed(line_end: str, framing: str = "heroku") -> bytes:
    payloads = [payload(text).decode() for text in CONTENT]
    body = sse_events(payloads, framing=framing).decode()
    return body.replace("\n", line_end).encode()


FRAMINGS = [
    pytest.param(framed("\n"), id="heroku-lf"),
    pytest.param(framed("\r\n"), id="heroku-crlf"),
    pytest.param(framed("\r"), id="heroku-cr"),
    pytest.param(framed("\n", "openai"), id="openai-lf"),
    pytest.param(framed("\r\n", "openai"), id="openai-crlf"),
    pytest.param(
        b": hello\n\n"
        + b"".join(
            b"id: %d\n: keep-alive\nevent: message\ndata: %s\n\n" % (i, payload(t))
            + b"retry: 1000\n\n: ping\n\nid: x\n\n"
            for i, t in enumerate(CONTENT)
        )
        + b"event: done\ndata: [DONE]\n\n",
        id="comments-ids-retries",
    ),
    pytest.param(
        b"".join(
            b"event: message\ndata: " + payload(t, indent=1).replace(b"\n", b"\ndata: ") + b"\n\n"
            for t in CONTENT
        )
        + b"data: [DONE]\n\n",
        id="multi-line-data",
    ),
    pytest.param(
        b"".join(
            b"event: ping\ndata: {}\n\nevent: completion\ndata: %s\n\n" % payload(t)
            for t in CONTENT
        )
        + b"event: done\ndata: [DONE]\n\n",
        id="unknown-event-names",
    ),
]


@pytest.mark.parametrize("size", SPLITS)
@pytest.mark.parametrize("body", FRAMINGS)
@both
async def test_every_framing_gives_the_same_text(
    api: Flavor, body: bytes, size: int | None
) -> None:
    response, stream_body = body_response(body, size)
    client = api.client(lambda request: response)
    stream = await create_stream(api, client)
    chunks = await read_all(api, stream)
    assert [c.choices[0].delta.content for c in chunks] == CONTENT
    assert stream_body.closed
    await api.close(client)


@both
async def test_a_multi_byte_character_split_across_reads_survives(api: Flavor) -> None:
    body = b"data: " + payload("🚀") + b"\n\ndata: [DONE]\n\n"
    rocket = body.index("🚀".encode())
    parts = [body[: rocket + 1], body[rocket + 1 : rocket + 3], body[rocket + 3 :]]

    class Parts(httpx.SyncByteStream, httpx.AsyncByteStream):
        def __iter__(self) -> Any:
            return iter(parts)

        def __aiter__(self) -> Any:
            return _AsyncParts(parts)

    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=Parts())
    client = api.client(lambda request: response)
    stream = await create_stream(api, client)
    chunks = await read_all(api, stream)
    assert [c.choices[0].delta.content for c in chunks] == ["🚀"]
    await api.close(client)


class _AsyncParts:
    def __init__(self, parts: list[bytes]) -> None:
        self.parts = list(parts)

    def __aiter__(self) -> _AsyncParts:
        return self

    async def __anext__(self) -> bytes:
        if not self.parts:
            raise StopAsyncIteration
        return self.parts.pop(0)


@both
async def test_a_bad_line_in_the_middle_stops_the_stream_with_what_came_before(
    api: Flavor,
) -> None:
    body = sse_events([chunk("one"), "this is not json", chunk("three")], framing="openai")
    response, _ = body_response(body, 1)
    client = api.client(lambda request: response)
    stream = await create_stream(api, client)
    chunks: list[ChatCompletionChunk] = []
    with pytest.raises(StreamError) as caught:
        await read_into(api, stream, chunks)
    assert [c.choices[0].delta.content for c in chunks] == ["one"]
    assert caught.value.raw == "this is not json"
    await api.close(client)
