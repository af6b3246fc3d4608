"""``AsyncStream`` and ``Stream``: typed chunks from a streamed response, always closed.

The response is closed at the end, on ``break`` inside ``with``/``async with``, on errors and on
cancellation. A stream that reached its terminator reads the rest of the body first, so the
connection goes back to the pool instead of being dropped.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from types import TracebackType
from typing import Generic, TypeVar, cast

import anyio
import httpx
from httpx_sse import EventSource, SSEError

from ._exceptions import APIError, StreamError, connection_error, request_id_of
from ._sse import ChunkDecoder
from ._transport import Outcome
from .types.chat import ChatCompletionChunk

__all__ = ["AsyncStream", "Stream"]

T = TypeVar("T")

_DRAIN_EVENTS = 64
"""Events read after the terminator, at most, to reach the end of the body."""
_DRAIN_SECONDS = 2.0


class _StreamBase:
    __slots__ = ("_closed", "_decoder", "response", "retries_taken")

    def __init__(self, outcome: Outcome) -> None:
        self.response: httpx.Response = outcome.response
        self.retries_taken: int = outcome.retries_taken
        self._decoder = ChunkDecoder(outcome.response.request)
        self._closed = False

    @property
    def request_id(self) -> str | None:
        return request_id_of(self.response)

    def _map_error(self, exc: Exception) -> APIError:
        request = self.response.request
        if isinstance(exc, SSEError):
            kind = self.response.headers.get("content-type", "none")
            return StreamError(
                f"Expected a text/event-stream response, got content type {kind!r}",
                request=request,
            )
        error = connection_error(exc, request)
        error.message = f"{error.message}; the stream was interrupted after " + (
            f"{self._decoder.events} chunk(s)"
        )
        error.args = (error.message,)
        return error


class AsyncStream(_StreamBase, Generic[T]):
    """An async iterator of typed chunks. Use it in ``async with`` so it is always closed.

    ```python
    stream = await client.chat.completions.create(messages=messages, stream=True)
    async with stream:
        async for chunk in stream:
            print(chunk.choices[0].delta.content or "", end="") if chunk.choices else None
    ```
    """

    __slots__ = ("_iterator",)

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome)
        self._iterator = self._iterate()

    def __aiter__(self) -> AsyncIterator[T]:
        return self

    async def __anext__(self) -> T:
        return await self._iterator.__anext__()

    async def __aenter__(self) -> AsyncStream[T]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the response now. Safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        with anyio.CancelScope(shield=True):
            if not getattr(self._iterator, "ag_running", False):
                await self._iterator.aclose()
            await self.response.aclose()

    async def _iterate(self) -> AsyncGenerator[T, None]:
        decoder = self._decoder
        events = EventSource(self.response).aiter_sse()
        try:
            async for sse in events:
                chunk = decoder.decode(sse)
                if chunk is not None:
                    yield cast(T, chunk)
                elif decoder.done:
                    break
            if not decoder.done:
                raise decoder.truncated()
            with anyio.move_on_after(_DRAIN_SECONDS):
                drained = 0
                async for _ in events:
                    drained += 1
                    if drained >= _DRAIN_EVENTS:
                        break
        except (httpx.RequestError, SSEError) as exc:
            raise self._map_error(exc) from exc
        finally:
            self._closed = True
            with anyio.CancelScope(shield=True):
                await events.aclose()
                await self.response.aclose()


class Stream(_StreamBase, Generic[T]):
    """An iterator of typed chunks. Use it in ``with`` so it is always closed.

    ```python
    with client.chat.completions.create(messages=messages, stream=True) as stream:
        for chunk in stream:
            ...
    ```
    """

    __slots__ = ("_iterator",)

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome)
        self._iterator = self._iterate()

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        return self._iterator.__next__()

    def __enter__(self) -> Stream[T]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the response now. Safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        self._iterator.close()
        self.response.close()

    def __del__(self) -> None:
        # A sync stream dropped mid-iteration (``break`` without ``with``) closes at once.
        if not getattr(self, "_closed", True):
            self.close()

    def _iterate(self) -> Generator[T, None, None]:
        decoder = self._decoder
        events = EventSource(self.response).iter_sse()
        try:
            for sse in events:
                chunk = decoder.decode(sse)
                if chunk is not None:
                    yield cast(T, chunk)
                elif decoder.done:
                    break
            if not decoder.done:
                raise decoder.truncated()
            for drained, _ in enumerate(events, 1):
                if drained >= _DRAIN_EVENTS:
                    break
        except (httpx.RequestError, SSEError) as exc:
            raise self._map_error(exc) from exc
        finally:
            self._closed = True
            close = getattr(events, "close", None)
            if close is not None:
                close()
            self.response.close()


# The raw streams of chat completions.
AsyncChunkStream = AsyncStream[ChatCompletionChunk]
ChunkStream = Stream[ChatCompletionChunk]
