"""Absurdly deep JSON (``[`` x 5,000) anywhere the server can put it gives the SDK's own
error, carrying the raw text, never a ``RecursionError``: in a stream event (invalid, valid,
inside a chunk, in an error event) and in a whole body (2xx and error statuses); on the sync
client and the async one under asyncio and trio."""

from __future__ import annotations

import pytest

from heroku_inference import (
    APIResponseValidationError,
    InternalServerError,
    StreamError,
)

from .flavors import Flavor, both
from .helpers import replies, sse_response
from .test_streaming import create_stream, entered, read_all

DEPTH = 5_000
OPEN = "[" * DEPTH
NESTED = OPEN + "]" * DEPTH

EVENTS = [
    pytest.param(OPEN, "is not valid JSON", id="unclosed"),
    pytest.param(NESTED, "", id="closed"),
    pytest.param('{"choices": ' + NESTED + "}", "", id="inside-a-chunk"),
    pytest.param('{"error": ' + NESTED + "}", "", id="inside-an-error"),
]


@pytest.mark.parametrize(("data", "says"), EVENTS)
@both
async def test_a_deeply_nested_event_is_a_stream_error_with_its_raw_text(
    api: Flavor, data: str, says: str
) -> None:
    handler, _ = replies(sse_response(f"data: {data}\n\n".encode()))
    client = api.client(handler)
    stream = await create_stream(api, client)

    with pytest.raises(StreamError) as raised:
        async with entered(api, stream):
            await read_all(api, stream)

    assert raised.value.raw == data
    assert says in str(raised.value)
    assert len(str(raised.value)) < 500  # the raw text is carried, not printed whole


@both
async def test_a_deeply_nested_error_event_is_a_stream_error(api: Flavor) -> None:
    handler, _ = replies(sse_response(f"event: error\ndata: {OPEN}\n\n".encode()))
    client = api.client(handler)
    stream = await create_stream(api, client)

    with pytest.raises(StreamError) as raised:
        async with entered(api, stream):
            await read_all(api, stream)

    assert raised.value.raw == OPEN


@pytest.mark.parametrize("body", [OPEN, NESTED, '{"choices": ' + NESTED + "}"])
@both
async def test_a_deeply_nested_body_is_a_validation_error(api: Flavor, body: str) -> None:
    import httpx

    handler, _ = replies(httpx.Response(200, text=body))
    client = api.client(handler)

    with pytest.raises(APIResponseValidationError) as raised:
        await api.create(client)

    assert raised.value.body == body


@both
async def test_a_deeply_nested_error_body_is_a_status_error(api: Flavor) -> None:
    import httpx

    handler, _ = replies(httpx.Response(500, text=OPEN))
    client = api.client(handler, max_retries=0)

    with pytest.raises(InternalServerError) as raised:
        await api.create(client)

    assert raised.value.body == OPEN
