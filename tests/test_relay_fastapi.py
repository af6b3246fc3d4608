"""heroku_inference.fastapi and the relay over real loopback: FastAPI's EventSourceResponse,
a shared client per app, and a browser that goes away mid-reply."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

fastapi = pytest.importorskip("fastapi")

from fastapi import Depends, FastAPI  # noqa: E402
from fastapi.sse import EventSourceResponse  # noqa: E402

from heroku_inference import AsyncClient  # noqa: E402
from heroku_inference.fastapi import (  # noqa: E402
    InferenceClient,
    ai_sdk_headers,
    client_for,
    sse_events,
)
from heroku_inference.relay import messages_from_ui  # noqa: E402
from heroku_inference.testing import Emulator, create_app  # noqa: E402

from .servers import serving, wait_for  # noqa: E402


def relay_app(upstream: str, closed: threading.Event) -> FastAPI:
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        async with client_for(
            app, lambda: AsyncClient(base_url=upstream, api_key="any", model="claude-4-5-sonnet")
        ):
            yield

    app = FastAPI(lifespan=lifespan)

    @app.post("/chat", response_class=EventSourceResponse)
    async def chat(body: dict[str, Any], client: InferenceClient) -> Any:
        try:
            stream = client.chat.completions.stream(messages=body["messages"])
            async for event in sse_events(stream):
                yield event
        finally:
            closed.set()

    @app.post(
        "/api/chat", response_class=EventSourceResponse, dependencies=[Depends(ai_sdk_headers)]
    )
    async def ai_chat(body: dict[str, Any], client: InferenceClient) -> Any:
        stream = client.chat.completions.stream(messages=messages_from_ui(body["messages"]))
        async for event in sse_events(stream, protocol="ai-sdk"):
            yield event

    @app.post("/tools", response_class=EventSourceResponse)
    async def tools(body: dict[str, Any], client: InferenceClient) -> Any:
        from .test_relay import weather_tool

        run = client.chat.completions.run_tools(
            messages=body["messages"], tools=[weather_tool()], stream=True
        )
        async for event in sse_events(run):
            yield event

    @app.get("/pool")
    async def pool(client: InferenceClient) -> dict[str, str]:
        return {"pool": repr(client._http._transport._pool)}

    return app


@pytest.fixture
def upstream() -> Iterator[tuple[Emulator, str]]:
    emulator = Emulator()
    with serving(create_app(emulator)) as url:
        yield emulator, url


@pytest.fixture
def relay(upstream: tuple[Emulator, str]) -> Iterator[tuple[str, threading.Event]]:
    closed = threading.Event()
    with serving(relay_app(upstream[1], closed)) as url:
        yield url, closed


def test_the_events_protocol_through_fastapi(
    upstream: tuple[Emulator, str], relay: tuple[str, threading.Event]
) -> None:
    emulator, _ = upstream
    emulator.reply(text="Hello from upstream")
    url, _ = relay
    response = httpx.post(f"{url}/chat", json={"messages": [{"role": "user", "content": "Hi"}]})
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"
    events = re.findall(r"event: (\w+)\ndata: (.*)\n", response.text)
    text = "".join(json.loads(data)["delta"] for name, data in events if name == "text")
    assert text == "Hello from upstream"
    assert [name for name, _ in events][-2:] == ["finish", "done"]


def test_the_ai_sdk_protocol_through_fastapi(
    upstream: tuple[Emulator, str], relay: tuple[str, threading.Event]
) -> None:
    emulator, _ = upstream
    emulator.reply(text="Hi there")
    url, _ = relay
    posted = {
        "id": "chat-1",
        "trigger": "submit-message",
        "messages": [{"id": "m1", "role": "user", "parts": [{"type": "text", "text": "Hello"}]}],
    }
    response = httpx.post(f"{url}/api/chat", json=posted)
    assert response.headers["x-vercel-ai-ui-message-stream"] == "v1"
    assert emulator.requests[-1].body["messages"] == [{"role": "user", "content": "Hello"}]
    lines = [line[6:] for line in response.text.splitlines() if line.startswith("data: ")]
    assert lines[-1] == "[DONE]"
    chunks = [json.loads(line) for line in lines[:-1]]
    assert "".join(c["delta"] for c in chunks if c["type"] == "text-delta") == "Hi there"


def test_a_browser_that_goes_away_closes_the_upstream_at_once(
    upstream: tuple[Emulator, str], relay: tuple[str, threading.Event]
) -> None:
    emulator, _ = upstream
    emulator.fault("slow", delay=0.2, text=" ".join(["word"] * 200))  # 40 s if read to the end
    url, closed = relay
    with httpx.Client(timeout=10) as browser:
        with browser.stream(
            "POST", f"{url}/chat", json={"messages": [{"role": "user", "content": "Hi"}]}
        ) as response:
            for line in response.iter_lines():
                if line.startswith("data:"):
                    break  # one event arrived: now go away mid-reply
        wait_for(closed.is_set, what="the relay to end its stream")
        # The relay's client holds no connection busy with the abandoned upstream stream.
        wait_for(
            lambda: "Requests: 0 active" in browser.get(f"{url}/pool").json()["pool"],
            what="the upstream request to end",
        )
        pool = browser.get(f"{url}/pool").json()["pool"]
    assert "Connections: 0 active" in pool
    stream_request = emulator.requests[0]
    assert stream_request.body["stream"] is True


def test_get_client_without_the_lifespan_says_what_to_do() -> None:
    from fastapi.testclient import TestClient

    app = FastAPI()

    @app.get("/")
    async def index(client: InferenceClient) -> dict[str, str]:
        return {}

    with pytest.raises(RuntimeError, match=r"FastAPI\(lifespan=lifespan\)"):
        TestClient(app).get("/")


def test_a_tool_run_through_fastapis_producer_task(
    upstream: tuple[Emulator, str], relay: tuple[str, threading.Event]
) -> None:
    # FastAPI iterates the endpoint from a producer task while another task writes: the
    # runner must hold no cancel scope across its events (PEP 789).
    from .test_relay import script_tool_round

    emulator, _ = upstream
    script_tool_round(emulator)
    url, _ = relay
    response = httpx.post(
        f"{url}/tools", json={"messages": [{"role": "user", "content": "Weather?"}]}, timeout=30
    )
    events = re.findall(r"event: (\w+)\ndata: (.*)\n", response.text)
    names = [name for name, _ in events]
    assert "tool_result" in names
    assert names[-2:] == ["finish", "done"]
    result = json.loads(next(data for name, data in events if name == "tool_result"))
    assert result["output"] == {"city": "Paris", "sky": "sunny"}


@pytest.mark.anyio
async def test_sse_events_closed_at_a_yield_closes_the_upstream() -> None:
    emulator = Emulator()
    emulator.reply(text="one two three four five six")
    client = emulator.async_client()
    raw = await client.chat.completions.create(
        messages=[{"role": "user", "content": "Hi"}], stream=True
    )
    events = sse_events(raw)
    first = await events.__anext__()
    assert first.event == "text"
    await events.aclose()  # what FastAPI's exit stack does when the browser goes away
    assert raw.response.is_closed
