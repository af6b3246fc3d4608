"""Mocking this SDK with respx, as users mock httpx-based SDKs: the clients build their own
httpx clients, and respx answers them (plain, streamed, and a 429 that is retried)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from heroku_inference import RateLimitError

from .flavors import Flavor, both
from .helpers import API_KEY, MODEL, fixture_bytes

BASE_URL = "https://us.inference.example.test"
COMPLETION = json.loads(fixture_bytes("chat_completion.json"))
STREAM = fixture_bytes("chat_text.heroku.sse")
STREAMED_TEXT = "Heroku is cool because it just works."
MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]
RATE_LIMITED = {
    "error": {"code": 429, "message": "Rate limit exceeded", "type": "rate_limit_error"}
}


@pytest.fixture
def heroku() -> Iterator[respx.MockRouter]:
    """respx in front of the service: a request no route matches fails the test."""
    with respx.mock(base_url=BASE_URL) as router:
        yield router


def client_of(api: Flavor, **options: Any) -> Any:
    """A client that builds its own httpx client, as an application's would."""
    return api.client_class(api_key=API_KEY, base_url=BASE_URL, model=MODEL, **options)


def event_stream() -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=STREAM)


@both
async def test_a_completion(api: Flavor, heroku: respx.MockRouter) -> None:
    route = heroku.post("/v1/chat/completions").respond(200, json=COMPLETION)
    client = client_of(api)

    completion = await api.create(client, messages=MESSAGES)
    await api.close(client)

    assert completion.choices[0].message.content == "The capital of France is Paris."
    request = route.calls.last.request
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert json.loads(request.content) == {"model": MODEL, "messages": MESSAGES}


@both
async def test_a_streamed_completion(api: Flavor, heroku: respx.MockRouter) -> None:
    route = heroku.post("/v1/chat/completions").mock(return_value=event_stream())
    client = client_of(api)

    if api.is_async:
        async with client.chat.completions.stream(messages=MESSAGES) as stream:
            pieces = [text async for text in stream.text_stream]
            final = await stream.get_final_completion()
    else:
        with client.chat.completions.stream(messages=MESSAGES) as stream:
            pieces = list(stream.text_stream)
            final = stream.get_final_completion()
    await api.close(client)

    assert "".join(pieces) == final.choices[0].message.content == STREAMED_TEXT
    assert len(pieces) > 1
    assert json.loads(route.calls.last.request.content)["stream"] is True


@both
async def test_a_raw_stream_of_chunks(api: Flavor, heroku: respx.MockRouter) -> None:
    heroku.post("/v1/chat/completions").mock(return_value=event_stream())
    client = client_of(api)

    stream = await _create_stream(api, client)
    if api.is_async:
        async with stream:
            chunks = [chunk async for chunk in stream]
    else:
        with stream:
            chunks = list(stream)
    await api.close(client)

    assert chunks
    assert {chunk.model for chunk in chunks} == {MODEL}
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == STREAMED_TEXT


async def _create_stream(api: Flavor, client: Any) -> Any:
    if api.is_async:
        return await client.chat.completions.create(messages=MESSAGES, stream=True)
    return client.chat.completions.create(messages=MESSAGES, stream=True)


@both
async def test_a_429_is_retried(api: Flavor, heroku: respx.MockRouter) -> None:
    route = heroku.post("/v1/chat/completions")
    route.side_effect = [
        httpx.Response(429, headers={"retry-after": "0"}, json=RATE_LIMITED),
        httpx.Response(200, json=COMPLETION),
    ]
    client = client_of(api)

    completion = await api.create(client, messages=MESSAGES)
    await api.close(client)

    assert completion.choices[0].message.content == "The capital of France is Paris."
    assert route.call_count == 2
    first, second = (call.request for call in route.calls)
    assert first.content == second.content


@both
async def test_retries_end_with_the_error(api: Flavor, heroku: respx.MockRouter) -> None:
    limited = httpx.Response(429, headers={"retry-after": "0"}, json=RATE_LIMITED)
    route = heroku.post("/v1/chat/completions").mock(side_effect=[limited] * 3)
    client = client_of(api, max_retries=2)

    with pytest.raises(RateLimitError, match="Rate limit exceeded") as raised:
        await api.create(client, messages=MESSAGES)
    await api.close(client)

    assert route.call_count == 3
    assert raised.value.retries_taken == 2
