"""Server-sent events to chat chunks, without I/O.

httpx-sse frames the bytes into events; ``ChunkDecoder`` decides what each event means:
a chunk, a keep-alive to skip, the terminator (``data: [DONE]`` or ``event: done``), or an
error (``event: error``, a payload holding ``error``, a payload that is not a chunk).
"""

from __future__ import annotations

import json

import httpx
import pydantic
from httpx_sse import ServerSentEvent

from ._exceptions import StreamError, parse_error_body
from ._models import json_validator
from .types.chat import ChatCompletionChunk

__all__ = ["ChunkDecoder"]

_SKIPPED_EVENTS = frozenset({"ping", "keep-alive", "keepalive", "heartbeat"})


class ChunkDecoder:
    """Decodes one stream's events in order; ``done`` turns true at the terminator.

    ``decode`` returns a chunk, or ``None`` for an event that carries none (keep-alives,
    ``id:``/``retry:``-only events, the terminator). It raises ``StreamError`` for an error
    event or a payload that is not a chunk, carrying the raw text.
    """

    __slots__ = ("_validate", "done", "events", "request", "retries_taken")

    def __init__(self, request: httpx.Request | None = None, retries_taken: int = 0) -> None:
        self.done = False
        self.events = 0
        self.request = request
        self.retries_taken = retries_taken
        """Retries the request took before the stream began; every error here carries it."""
        self._validate = json_validator(ChatCompletionChunk)

    def decode(self, sse: ServerSentEvent) -> ChatCompletionChunk | None:
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
            chunk = self._validate(data)
        except pydantic.ValidationError as exc:
            raise self._malformed(data, exc) from None
        extra = chunk.__pydantic_extra__
        if extra and extra.get("error"):
            raise self._server_error(data)
        self.events += 1
        return chunk

    def _tagged(self, error: StreamError) -> StreamError:
        error.retries_taken = self.retries_taken
        return error

    def truncated(self) -> StreamError:
        """The error for a stream whose body ended before its terminator."""
        return self._tagged(
            StreamError(
                "The stream ended before the server finished it: no [DONE] terminator after "
                f"{self.events} chunk(s). The completion is incomplete; the connection was "
                "probably cut by a proxy or the server.",
                request=self.request,
            )
        )

    def closed_early(self) -> StreamError:
        """The error for reading on (or asking for the result) after the stream was closed
        before its terminator, by the caller or by an earlier error or cancellation."""
        return self._tagged(
            StreamError(
                f"The stream was closed before it finished, after {self.events} chunk(s); "
                "the completion is incomplete.",
                request=self.request,
            )
        )

    def _server_error(self, data: str) -> StreamError:
        body, message, type_, code = parse_error_body(data)
        return self._tagged(
            StreamError(
                f"The server sent an error in the stream: {message or 'no message'}"
                + (f" (code {code})" if code is not None else ""),
                request=self.request,
                body=body,
                raw=data,
                type=type_,
                code=code,
            )
        )

    def _malformed(self, data: str, exc: pydantic.ValidationError) -> StreamError:
        try:
            value = json.loads(data)
        except ValueError:
            what = "is not valid JSON"
        else:
            if isinstance(value, dict) and value.get("error"):
                return self._server_error(data)
            what = f"is not a chat completion chunk ({exc.error_count()} validation error(s))"
        shown = data if len(data) <= 200 else data[:199] + "…"
        return self._tagged(
            StreamError(
                f"The server sent an event that {what}: {shown!r}",
                request=self.request,
                raw=data,
            )
        )
