"""The emulator served by uvicorn on 127.0.0.1, over real loopback sockets.

This SDK's retries, error mapping and stream faults run against it, and so does a client this
project did not write: the official openai SDK, streamed and not.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

pytest.importorskip("uvicorn")

import heroku_inference._transport as sdk_transport
from heroku_inference import (
    APIConnectionError,
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    Client,
    InternalServerError,
    PermissionDeniedError,
    RateLimitError,
    StreamError,
)
from heroku_inference.testing import Emulator
from heroku_inference.testing._server import build_server

HI: list[Any] = [{"role": "user", "content": "Why is Heroku so cool?"}]
ECHO = "Hello from the Heroku Inference emulator! You said: Why is Heroku so cool?"
STARTUP_SECONDS = 10.0


@contextmanager
def serving(emulator: Emulator) -> Iterator[str]:
    """Serve ``emulator`` with uvicorn on a free port of 127.0.0.1 in a background thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = build_server(emulator, port=port, log_level="warning", timeout_graceful_shutdown=2)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_SECONDS)
        sock.close()
    assert not thread.is_alive(), "uvicorn did not stop"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Emulator, str]]:
    emulator = Emulator(api_key="inf-loopback")
    with serving(emulator) as url:
        yield emulator, url


@pytest.fixture
def emu(served: tuple[Emulator, str]) -> Iterator[Emulator]:
    emulator = served[0]
    emulator.reset()
    yield emulator
    emulator.reset()


@pytest.fixture
def url(served: tuple[Emulator, str], emu: Emulator) -> str:
    return served[1]


@pytest.fixture
def client(url: str) -> Iterator[Client]:
    with Client(api_key="inf-loopback", base_url=url, model="claude-4-5-sonnet") as c:
        yield c


def async_client(url: str, **options: Any) -> AsyncClient:
    return AsyncClient(api_key="inf-loopback", base_url=url, model="claude-4-5-sonnet", **options)


def drain(stream: Any, into: list[Any]) -> None:
    for item in stream:
        into.append(item)


async def adrain(stream: Any, into: list[Any]) -> None:
    async with stream:
        async for item in stream:
            into.append(item)


# -- this SDK over loopback ---------------------------------------------------------------


def test_completion_and_stream(emu: Emulator, client: Client) -> None:
    completion = client.chat.completions.create(messages=HI)
    assert completion.choices[0].message.content == ECHO
    assert completion._request_id is not None
    assert completion._request_id.startswith("req_emulator_")
    with client.chat.completions.stream(messages=HI) as stream:
        texts = list(stream.text_stream)
        final = stream.get_final_completion()
    assert len(texts) == len(ECHO.split())
    assert final.choices[0].message.content == ECHO
    assert final.usage is not None
    assert final.usage.completion_tokens == len(texts)
    sent = emu.requests[-1]
    assert sent.body["stream"] is True
    assert sent.headers["accept"] == "text/event-stream"
    assert sent.headers["user-agent"].startswith("heroku-inference-python/")


def test_scripted_tool_calls_and_reasoning(emu: Emulator, client: Client) -> None:
    emu.reply(
        text="Checking.",
        reasoning="Two tools.",
        tool_calls=[
            {"name": "get_weather", "arguments": {"city": "Paris"}},
            {"name": "get_time", "arguments": {"tz": "Europe/Paris"}},
        ],
    )
    with client.chat.completions.stream(messages=HI) as stream:
        final = stream.get_final_completion()
    message = final.choices[0].message
    assert message.reasoning is not None
    assert message.reasoning.thinking == "Two tools."
    assert message.tool_calls is not None
    assert [json.loads(c.function.arguments) for c in message.tool_calls] == [
        {"city": "Paris"},
        {"tz": "Europe/Paris"},
    ]
    assert final.choices[0].finish_reason == "tool_calls"


def test_retries_honour_retry_after(emu: Emulator, client: Client) -> None:
    emu.error(503, retry_after=0)
    emu.error(429, retry_after=0, body="string_encoded")
    completion = client.chat.completions.create(messages=HI)
    assert completion._retries_taken == 2
    assert len(emu.requests) == 3
    emu.error(429, retry_after=0, times=3)
    with pytest.raises(RateLimitError, match="Rate limit exceeded") as caught:
        client.chat.completions.create(messages=HI)
    assert caught.value.retries_taken == 2


def test_failed_to_execute_chat_is_not_retried(emu: Emulator, client: Client) -> None:
    # (The SDK refuses the history that causes it; here the server says it anyway.)
    emu.error(500, message="Failed to execute chat", times=3)
    with pytest.raises(InternalServerError, match="Failed to execute chat"):
        client.chat.completions.create(messages=HI)
    assert len(emu.requests) == 1


@pytest.mark.parametrize(
    ("status", "body", "error", "detail"),
    [
        (400, "string_encoded", BadRequestError, "Invalid request"),
        (403, "html", PermissionDeniedError, "The request could not be satisfied"),
        (403, "object", PermissionDeniedError, "You do not have access to that model"),
        (401, "flat", AuthenticationError, "Invalid API key provided"),
    ],
)
def test_error_forms_map_to_typed_errors(
    emu: Emulator, client: Client, status: int, body: str, error: type[Exception], detail: str
) -> None:
    emu.error(status, body=body)
    with pytest.raises(error, match=detail):
        client.chat.completions.create(messages=HI)


def test_validation_and_auth_over_loopback(url: str) -> None:
    with Client(api_key="inf-loopback", base_url=url, model="m", max_retries=0) as client:
        with pytest.raises(BadRequestError, match="'temperature' must be between 0 and 1"):
            client.chat.completions.create(messages=HI, temperature=1.5)
        with pytest.raises(BadRequestError, match="unrecognized request argument supplied: seed"):
            client.chat.completions.create(messages=HI, seed=7)
    with (
        Client(api_key="inf-wrong", base_url=url, model="m") as stranger,
        pytest.raises(AuthenticationError, match="Invalid API key provided"),
    ):
        stranger.chat.completions.create(messages=HI)
    with httpx.Client(base_url=url) as http:
        assert http.get("/available-models").status_code == 200
        missing = http.post(
            "/v1/completions", json={}, headers={"Authorization": "Bearer inf-loopback"}
        )
        assert missing.status_code == 404
        assert missing.json()["error"]["type"] == "not_found_error"


def test_stream_disconnect_after_n_events(emu: Emulator, client: Client) -> None:
    emu.fault("disconnect", after=3)
    seen: list[Any] = []
    stream = client.chat.completions.create(messages=HI, stream=True)
    with pytest.raises(APIConnectionError, match="interrupted after 3 chunk"):
        drain(stream, seen)
    assert len(seen) == 3
    assert client.chat.completions.create(messages=HI).choices  # the pool still works


def test_dropped_whole_body_is_retried(
    emu: Emulator, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sdk_transport, "retry_delay", lambda *args, **kwargs: 0.0)
    emu.fault("disconnect", after=1)
    completion = client.chat.completions.create(messages=HI)
    assert completion._retries_taken == 1
    assert completion.choices[0].message.content == ECHO


def test_malformed_and_inband_error_events(emu: Emulator, client: Client) -> None:
    emu.fault("malformed", after=2)
    emu.fault("inband_error", after=2)
    seen: list[Any] = []
    with pytest.raises(StreamError, match="not valid JSON"):
        drain(client.chat.completions.create(messages=HI, stream=True), seen)
    assert len(seen) == 2
    with pytest.raises(StreamError, match="Failed to execute chat") as caught:
        drain(client.chat.completions.create(messages=HI, stream=True), [])
    assert caught.value.code == 500


def test_slow_drip_arrives_whole(emu: Emulator, client: Client) -> None:
    emu.fault("slow", delay=0.02, text="slow and steady")
    with client.chat.completions.stream(messages=HI) as stream:
        texts = list(stream.text_stream)
    assert texts == ["slow ", "and ", "steady"]


@pytest.mark.anyio
async def test_async_stream_faults_and_retries(emu: Emulator, url: str) -> None:
    emu.error(502, retry_after=0)
    emu.fault("disconnect", after=2)
    emu.fault("slow", delay=0.01, text="a b c")
    async with async_client(url) as client:
        seen: list[Any] = []
        stream = await client.chat.completions.create(messages=HI, stream=True)
        assert stream.retries_taken == 1
        with pytest.raises(APIConnectionError):
            await adrain(stream, seen)
        assert len(seen) == 2
        async with client.chat.completions.stream(messages=HI) as events:
            texts = [text async for text in events.text_stream]
        assert texts == ["a ", "b ", "c"]
        completion = await client.chat.completions.create(messages=HI)
    assert completion.choices[0].message.content == ECHO


# -- the official openai SDK --------------------------------------------------------------


@pytest.fixture
def openai_client(url: str) -> Iterator[Any]:
    openai = pytest.importorskip("openai")
    with openai.OpenAI(base_url=f"{url}/v1", api_key="inf-loopback", max_retries=0) as c:
        yield c


def test_openai_sdk_non_streamed(emu: Emulator, openai_client: Any) -> None:
    completion = openai_client.chat.completions.create(model="claude-4-5-sonnet", messages=HI)
    assert completion.choices[0].message.content == ECHO
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.total_tokens > 0
    assert emu.requests[-1].body == {"model": "claude-4-5-sonnet", "messages": HI}


def test_openai_sdk_streamed_heroku_framing(emu: Emulator, openai_client: Any) -> None:
    stream = openai_client.chat.completions.create(
        model="claude-4-5-sonnet", messages=HI, stream=True
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == ECHO
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].usage is not None


def test_openai_sdk_streamed_tool_calls(emu: Emulator, openai_client: Any) -> None:
    emu.reply(text="Let me check.", tool_calls=[{"name": "get_weather", "arguments": {"c": 1}}])
    with openai_client.chat.completions.stream(model="claude-4-5-sonnet", messages=HI) as stream:
        final = stream.get_final_completion()
    call = final.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"c": 1}
    assert final.choices[0].message.content == "Let me check."


def test_openai_sdk_sees_heroku_errors(emu: Emulator, openai_client: Any) -> None:
    openai = pytest.importorskip("openai")
    with pytest.raises(openai.BadRequestError):
        openai_client.chat.completions.create(model="claude-4-5-sonnet", messages=HI, temperature=2)


def test_openai_sdk_streamed_openai_framing() -> None:
    openai = pytest.importorskip("openai")
    emulator = Emulator(framing="openai")
    emulator.reply(text="Framed the OpenAI way.")
    with (
        serving(emulator) as url,
        openai.OpenAI(base_url=f"{url}/v1", api_key="x", max_retries=0) as client,
    ):
        stream = client.chat.completions.create(model="nova-lite", messages=HI, stream=True)
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        completion = client.chat.completions.create(model="nova-lite", messages=HI)
    assert text == "Framed the OpenAI way."
    assert completion.choices[0].message.content == ECHO
    assert completion.model == "nova-lite"
