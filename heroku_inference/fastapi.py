"""FastAPI: one shared ``AsyncClient`` per app, and streams relayed as server-sent events on
FastAPI's own ``EventSourceResponse`` (its keep-alive pings and headers included).

Needs FastAPI 0.135 or later (``pip install 'heroku-inference[fastapi]'``).

```python
from fastapi import Depends, FastAPI
from fastapi.sse import EventSourceResponse

from heroku_inference.fastapi import InferenceClient, ai_sdk_headers, lifespan, sse_events
from heroku_inference.relay import messages_from_ui

app = FastAPI(lifespan=lifespan)  # one AsyncClient for the app, closed at shutdown


@app.post("/api/chat", response_class=EventSourceResponse, dependencies=[Depends(ai_sdk_headers)])
async def chat(body: dict, client: InferenceClient):
    stream = client.chat.completions.stream(messages=messages_from_ui(body["messages"]))
    async for event in sse_events(stream, protocol="ai-sdk"):
        yield event
```

Hand ``sse_events`` the stream manager itself (not entered): it opens the stream, relays an
error while opening as an ``error`` event, and closes the upstream stream at once when the
browser goes away.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response

try:
    from fastapi.sse import ServerSentEvent
except ImportError as exc:  # pragma: no cover - depends on the installed FastAPI
    raise ImportError(
        "heroku_inference.fastapi needs FastAPI 0.135 or later (fastapi.sse); "
        "pip install 'heroku-inference[fastapi]'"
    ) from exc

from ._client import AsyncClient
from .relay import AI_SDK_HEADERS, ProtocolName, sse_frames

__all__ = [
    "InferenceClient",
    "ai_sdk_headers",
    "client_for",
    "get_client",
    "lifespan",
    "sse_events",
]

STATE_KEY = "heroku_inference_client"


@asynccontextmanager
async def client_for(
    app: FastAPI, factory: Callable[[], AsyncClient] = AsyncClient
) -> AsyncIterator[AsyncClient]:
    """Make one ``AsyncClient`` for ``app`` (``get_client`` hands it out), closing it at the
    end; for composing with a lifespan of your own.

    ```python
    @asynccontextmanager
    async def my_lifespan(app):
        async with client_for(app), database(app):
            yield
    ```
    """
    client = factory()
    setattr(app.state, STATE_KEY, client)
    try:
        yield client
    finally:
        await client.aclose()
        delattr(app.state, STATE_KEY)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """``FastAPI(lifespan=lifespan)``: one ``AsyncClient()`` (from the environment) per app."""
    async with client_for(app):
        yield


def get_client(request: Request) -> AsyncClient:
    """The app's shared client (a dependency)."""
    client = getattr(request.app.state, STATE_KEY, None)
    if not isinstance(client, AsyncClient):
        raise RuntimeError(
            "No AsyncClient on this app: create the app with FastAPI(lifespan=lifespan), or "
            "enter client_for(app) in your own lifespan."
        )
    return client


InferenceClient = Annotated[AsyncClient, Depends(get_client)]
"""A path operation's parameter type that receives the app's shared client."""


def ai_sdk_headers(response: Response) -> None:
    """A dependency adding ``x-vercel-ai-ui-message-stream: v1``, which ``useChat`` needs."""
    response.headers.update(AI_SDK_HEADERS)


async def sse_events(
    stream: Any, protocol: ProtocolName = "events", *, message_id: str | None = None
) -> AsyncIterator[ServerSentEvent]:
    """The relayed stream as FastAPI ``ServerSentEvent``s, for a path operation with
    ``response_class=EventSourceResponse`` to yield."""
    frames = sse_frames(stream, protocol, message_id=message_id)
    if not isinstance(frames, AsyncGenerator):
        raise TypeError("sse_events() takes an async stream or stream manager (AsyncClient's)")
    try:
        async for frame in frames:
            yield ServerSentEvent(event=frame.event, raw_data=frame.data)
    finally:  # abandoned at a yield (the browser went away): close the relay, and its upstream
        await frames.aclose()
