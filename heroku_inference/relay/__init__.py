"""Relaying a stream to a browser as server-sent events. No dependencies beyond the SDK's.

``to_sse(stream, protocol=...)`` takes a chat stream helper (or its manager, not yet
entered), a raw chunk stream, a tool runner or an agents stream, async or sync, and gives the
bytes of a ``text/event-stream`` response:

- ``protocol="events"``: this SDK's small format (``text``, ``reasoning``, ``tool_call``,
  ``tool_result``, ``finish``, ``error``, ``done`` events, each with one line of JSON);
- ``protocol="ai-sdk"``: the Vercel AI SDK UI message stream protocol v1, for ``useChat``
  front ends (send ``headers("ai-sdk")`` with the response).

An upstream error becomes an ``error`` event, never a silently truncated reply; when the
browser goes away, the upstream stream is closed at once.

```python
from starlette.responses import StreamingResponse

from heroku_inference.relay import headers, to_sse

async def chat(request):
    stream = client.chat.completions.stream(messages=[{"role": "user", "content": "Hi"}])
    return StreamingResponse(
        to_sse(stream, protocol="ai-sdk"), headers=headers("ai-sdk"), media_type="text/event-stream"
    )
```

FastAPI users: ``heroku_inference.fastapi`` builds on FastAPI's own ``EventSourceResponse``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from typing import Any

from ._ai_sdk import AI_SDK_HEADERS
from ._frames import Frame
from ._relay import ProtocolName, aframes, encoder_for, frames
from ._ui_messages import messages_from_ui

__all__ = [
    "AI_SDK_HEADERS",
    "Frame",
    "ProtocolName",
    "headers",
    "messages_from_ui",
    "sse_frames",
    "to_sse",
]

_SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


def headers(protocol: ProtocolName = "events") -> dict[str, str]:
    """The response headers a relayed stream should carry (not the content type)."""
    return {**_SSE_HEADERS, **(AI_SDK_HEADERS if protocol == "ai-sdk" else {})}


def sse_frames(
    stream: Any, protocol: ProtocolName = "events", *, message_id: str | None = None
) -> AsyncIterator[Frame] | Iterator[Frame]:
    """The relayed stream as ``Frame`` objects (event name and data), for a framework that
    writes server-sent events itself (``heroku_inference.fastapi`` does)."""
    encoder = encoder_for(protocol, message_id)
    if _is_async(stream):
        return aframes(stream, encoder)
    return frames(stream, encoder)


def to_sse(
    stream: Any, protocol: ProtocolName = "events", *, message_id: str | None = None
) -> AsyncIterator[bytes] | Iterator[bytes]:
    """The relayed stream as the bytes of a ``text/event-stream`` body: an async iterator for
    an async stream, an iterator for a sync one."""
    encoder = encoder_for(protocol, message_id)
    if _is_async(stream):
        return _aencoded(aframes(stream, encoder))
    return _encoded(frames(stream, encoder))


async def _aencoded(source: AsyncGenerator[Frame, None]) -> AsyncIterator[bytes]:
    try:
        async for frame in source:
            yield frame.encode()
    finally:  # closed early (the browser went away): close the relay, and so the upstream
        await source.aclose()


def _encoded(source: Generator[Frame, None, None]) -> Iterator[bytes]:
    try:
        for frame in source:
            yield frame.encode()
    finally:
        source.close()


def _is_async(stream: Any) -> bool:
    return hasattr(stream, "__aiter__") or hasattr(stream, "__aenter__")
