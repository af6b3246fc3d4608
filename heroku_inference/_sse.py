"""Server-sent events to typed items, without I/O.

httpx-sse frames the bytes into events; an ``EventDecoder`` decides what each event means: an
item, a keep-alive to skip, the terminator (``data: [DONE]`` or ``event: done``), or an error
(``event: error``, a payload holding ``error``, a payload that is not an item).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Generic, TypeVar

import pydantic
from httpx_sse import ServerSentEvent

from ._call_errors import CallErrors
from ._error_bodies import parse_error_body
from ._exceptions import StreamError
from ._models import json_validator
from .types.chat import ChatCompletionChunk

__all__ = ["EventDecoder", "chat_chunk_decoder"]

T = TypeVar("T", bound=pydantic.BaseModel)

_SKIPPED_EVENTS = frozenset({"ping", "keep-alive", "keepalive", "heartbeat"})


class EventDecoder(Generic[T]):
    """Decodes one stream's events in order; ``done`` turns true at the terminator.

    ``decode`` returns an item, or ``None`` for an event that carries none (keep-alives,
    ``id:``/``retry:``-only events, the terminator). It raises ``StreamError`` for an error
    event or a payload that ``validate`` rejects, carrying the raw text. ``count`` is the
    number of items decoded so far.

    ```python
    decoder = EventDecoder(errors, json_validator(ChatCompletionChunk), "a chat completion chunk")
    ```
    """

    __slots__ = ("_validate", "count", "done", "errors", "kind")

    def __init__(self, errors: CallErrors, validate: Callable[[str], T], kind: str) -> None:
        self.done = False
        self.count = 0
        self.errors = errors
        self.kind = kind
        """What an item is, for messages: e.g. ``"a chat completion chunk"``."""
        self._validate = validate

    def decode(self, sse: ServerSentEvent) -> T | None:
        data = sse.data
        event = sse.event
        if data == "[DONE]" or event == "done":
            self.done = True
            return None
        if event == "error":
            raise self._server_error(data)
        if not data or event in _SKIPPED_EVENTS:
            return None
        try:
            item = self._validate(data)
        except pydantic.ValidationError as exc:
            raise self._malformed(data, exc) from None
        extra = item.__pydantic_extra__
        if extra and extra.get("error"):
            raise self._server_error(data)
        self.count += 1
        return item

    def truncated(self) -> StreamError:
        """The error for a stream whose body ended before its terminator."""
        return self.errors.stream(
            "The stream ended before the server finished it: no [DONE] terminator after "
            f"{self.count} chunk(s). The response is incomplete; the connection was probably "
            "cut by a proxy or the server."
        )

    def closed_early(self) -> StreamError:
        """The error for reading on (or asking for the result) after the stream was closed
        before its terminator, by the caller or by an earlier error or cancellation."""
        return self.errors.stream(
            f"The stream was closed before it finished, after {self.count} chunk(s); "
            "the response is incomplete."
        )

    def _server_error(self, data: str) -> StreamError:
        parsed = parse_error_body(data)
        code = f" (code {parsed.code})" if parsed.code is not None else ""
        return self.errors.stream(
            f"The server sent an error in the stream: {parsed.message or 'no message'}{code}",
            body=parsed.body,
            raw=data,
            type=parsed.type,
            code=parsed.code,
        )

    def _malformed(self, data: str, exc: pydantic.ValidationError) -> StreamError:
        try:
            value = json.loads(data)
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            what = "is not valid JSON"
        else:
            if isinstance(value, dict) and value.get("error"):
                return self._server_error(data)
            what = f"is not {self.kind} ({exc.error_count()} validation error(s))"
        shown = data if len(data) <= 200 else data[:199] + "…"
        return self.errors.stream(f"The server sent an event that {what}: {shown!r}", raw=data)


def chat_chunk_decoder(errors: CallErrors) -> EventDecoder[ChatCompletionChunk]:
    """The decoder of a streamed chat completion."""
    return EventDecoder(errors, json_validator(ChatCompletionChunk), "a chat completion chunk")
