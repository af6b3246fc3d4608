"""Driving a stream through parts to frames: once for async streams, once for sync ones.

The relay owns the stream it is given: it enters it (a stream manager, a tool runner)
itself, so an error while opening is relayed too, and leaves or closes it however the relay
ends: at once when the browser goes away (the server stops iterating, or cancels the task).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncGenerator, Generator
from typing import Any, Literal, Protocol

import anyio

from .._exceptions import HerokuInferenceError
from ._ai_sdk import AiSdkProtocol
from ._events_protocol import EventsProtocol
from ._frames import Frame
from ._parts import Part
from ._sources import PartsOf

__all__ = ["Encoder", "ProtocolName", "aframes", "encoder_for", "frames"]

logger = logging.getLogger("heroku_inference")

ProtocolName = Literal["events", "ai-sdk"]
"""The protocols a relay speaks: this SDK's ``events``, or the Vercel AI SDK's ``ai-sdk``."""
_UNEXPECTED = "The server failed while streaming the reply."


class Encoder(Protocol):
    message_id: str

    def open(self) -> list[Frame]: ...

    def encode(self, part: Part) -> list[Frame]: ...


def encoder_for(name: str, message_id: str | None) -> Encoder:
    message_id = message_id or f"msg_{uuid.uuid4().hex}"
    if name == "events":
        return EventsProtocol(message_id)
    if name == "ai-sdk":
        return AiSdkProtocol(message_id)
    raise ValueError(f"protocol must be 'events' or 'ai-sdk', got {name!r}")


def _failure(error: Exception) -> tuple[str, str]:
    if isinstance(error, HerokuInferenceError):
        logger.warning("relayed stream failed: %s: %s", type(error).__name__, error)
        return str(error), type(error).__name__
    return _UNEXPECTED, "InternalError"


async def aframes(source: Any, encoder: Encoder) -> AsyncGenerator[Frame, None]:
    """The frames of an async stream (or stream manager), closing it at the end."""
    parts = PartsOf()
    stream: Any = None
    try:
        for frame in encoder.open():
            yield frame
        stream = await source.__aenter__() if hasattr(source, "__aenter__") else source
        async for item in stream:
            for part in parts.take(item):
                for frame in encoder.encode(part):
                    yield frame
        failed = None
    except Exception as error:  # relayed, never a silently truncated reply
        failed = error
    finally:
        await _aclose(source, stream)
    ending = parts.finish() if failed is None else parts.fail(*_failure(failed))
    for part in ending:
        for frame in encoder.encode(part):
            yield frame
    if failed is not None and not isinstance(failed, HerokuInferenceError):
        raise failed


def frames(source: Any, encoder: Encoder) -> Generator[Frame, None, None]:
    """The frames of a sync stream (or stream manager), closing it at the end."""
    parts = PartsOf()
    stream: Any = None
    try:
        yield from encoder.open()
        stream = source.__enter__() if hasattr(source, "__enter__") else source
        for item in stream:
            for part in parts.take(item):
                yield from encoder.encode(part)
        failed = None
    except Exception as error:  # relayed, never a silently truncated reply
        failed = error
    finally:
        _close(source, stream)
    ending = parts.finish() if failed is None else parts.fail(*_failure(failed))
    for part in ending:
        yield from encoder.encode(part)
    if failed is not None and not isinstance(failed, HerokuInferenceError):
        raise failed


async def _aclose(source: Any, stream: Any) -> None:
    """Leave what was entered; close what was not (or could not be) entered."""
    with anyio.CancelScope(shield=True):
        if stream is not None and hasattr(source, "__aexit__"):
            await source.__aexit__(None, None, None)
        elif hasattr(source, "aclose"):
            await source.aclose()


def _close(source: Any, stream: Any) -> None:
    """Leave what was entered; close what was not (or could not be) entered."""
    if stream is not None and hasattr(source, "__exit__"):
        source.__exit__(None, None, None)
    elif hasattr(source, "close"):
        source.close()
