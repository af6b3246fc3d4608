"""Both clients against a real HTTP/1.1 server on 127.0.0.1 (``tests/loopback.py``)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from heroku_inference import APITimeoutError, AuthenticationError, __version__

from .flavors import MESSAGES, Flavor, both
from .helpers import API_KEY, MODEL, fixture_bytes
from .loopback import LoopbackServer, Reply, loopback_server

COMPLETION = fixture_bytes("chat_completion.json")
JSON = {"content-type": "application/json"}


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with loopback_server() as running:
        yield running


@asynccontextmanager
async def connected(api: Flavor, server: LoopbackServer, **options: Any) -> AsyncIterator[Any]:
    """A client with its own pool on ``server``, closed afterwards (no socket left open)."""
    options.setdefault("api_key", API_KEY)
    options.setdefault("base_url", server.url)
    options.setdefault("model", MODEL)
    client = api.client_class(**options)
    try:
        yield client
    finally:
        await api.close(client)


@both
async def test_a_completion_and_the_headers_the_server_saw(
    api: Flavor, server: LoopbackServer
) -> None:
    server.script.append(
        Reply(200, {**JSON, "x-request-id": "req_loop"}, [COMPLETION[:40], COMPLETION[40:]])
    )

    async with connected(api, server) as client:
        completion = await api.create(client, max_tokens=64, extra_headers={"X-Trace": "t-1"})

    assert completion.choices[0].message.content == "The capital of France is Paris."
    assert completion._request_id == "req_loop"
    assert completion._retries_taken == 0
    [seen] = server.requests
    assert (seen.method, seen.path) == ("POST", "/v1/chat/completions")
    assert seen.headers["authorization"] == f"Bearer {API_KEY}"
    assert seen.headers["user-agent"].startswith(f"heroku-inference-python/{__version__} ")
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["accept"] == "application/json"
    assert seen.headers["x-trace"] == "t-1"
    assert json.loads(seen.body) == {"model": MODEL, "messages": MESSAGES, "max_tokens": 64}


@both
async def test_a_retry_after_503_reuses_the_connection(
    api: Flavor, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INFERENCE_URL", f"{server.url}/v1/")
    monkeypatch.setenv("INFERENCE_KEY", API_KEY)
    monkeypatch.setenv("INFERENCE_MODEL_ID", MODEL)
    page = fixture_bytes("errors/503_router.html")
    server.script += [
        Reply(503, {"content-type": "text/html", "retry-after-ms": "1"}, [page]),
        Reply(200, JSON, [COMPLETION]),
    ]

    async with connected(api, server, api_key=None, base_url=None, model=None) as client:
        completion = await api.create(client)

    assert completion._retries_taken == 1
    assert [r.path for r in server.requests] == ["/v1/chat/completions"] * 2
    assert server.requests[0].body == server.requests[1].body
    assert server.connections == 1  # the 503's body was read, so its connection was reused


@both
async def test_an_error_from_a_real_server(api: Flavor, server: LoopbackServer) -> None:
    server.script.append(
        Reply(401, {**JSON, "request-id": "req_401"}, [fixture_bytes("errors/401_flat.json")])
    )

    async with connected(api, server) as client:
        with pytest.raises(AuthenticationError) as raised:
            await api.create(client)

    assert str(raised.value) == "401 Unauthorized: Invalid API key provided (request id: req_401)"
    assert len(server.requests) == 1


@both
async def test_with_options_shares_the_real_pool(api: Flavor, server: LoopbackServer) -> None:
    server.default = Reply(200, JSON, [COMPLETION])

    async with connected(api, server) as client:
        await api.create(client)
        copy = client.with_options(max_retries=0, timeout=5)
        await api.create(copy)
        await api.close(copy)
        await api.create(client)

    assert len(server.requests) == 3
    assert server.connections == 1


@both
async def test_a_slow_body_times_out(api: Flavor, server: LoopbackServer) -> None:
    server.script.append(Reply(200, JSON, [b'{"id": ', 0.2, b'"late"}']))

    async with connected(api, server, max_retries=0, timeout=0.02) as client:
        with pytest.raises(APITimeoutError) as raised:
            await api.create(client)

    assert str(raised.value).startswith("Request timed out while waiting for data")


@both
async def test_no_log_record_carries_the_key(
    api: Flavor, server: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # httpx and httpcore too
    server.script += [
        Reply(503, {**JSON, "retry-after-ms": "1"}, [b"{}"]),
        Reply(200, JSON, [COMPLETION]),
    ]

    async with connected(api, server) as client:
        await api.create(client.with_options(max_retries=1))

    assert any(r.name.startswith("httpcore") for r in caplog.records)
    for record in caplog.records:
        assert API_KEY not in record.getMessage()
