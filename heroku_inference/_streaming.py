"""``AsyncStream`` and ``Stream``: typed items from a streamed response, always closed.

This is the chunk-level interface every streaming helper builds on (the chat stream helper,
the agents stream, the tool runner). Its contract:

- iterating yields the decoder's items (``ChatCompletionChunk``s for chat) in order;
- iteration stops (``StopIteration``/``StopAsyncIteration``) only after the server's
  terminator, so a normal end always means a whole response (``finished`` is then true);
- every other end raises an ``APIError``: ``StreamError`` (in-band error, malformed event,
  truncated body, or reading on after an error or a close) or ``APIConnectionError``;
- the response is closed at the end, on ``break`` inside ``with``/``async with``, on errors
  and on cancellation. A stream that reached its terminator reads the rest of the body first,
  so the connection goes back to the pool instead of being dropped.

The item generators hold the response and the decoder, never the stream object, so a sync
``Stream`` dropped without ``with`` is closed by ``__del__`` as soon as it is unreferenced.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from types import TracebackType
from typing import Generic, TypeVar

import anyio
import httpx
import pydantic
from httpx_sse import EventSource, ServerSentEvent, SSEError

from ._exceptions import APIError
from ._rate_limits import RateLimits
from ._sse import EventDecoder
from ._telemetry import Observation
from ._transport import Outcome

__all__ = ["AsyncStream", "Stream"]

T = TypeVar("T", bound=pydantic.BaseModel)

_DRAIN_EVENTS = 64
"""Events read after the terminator, at most, to reach the end of the body."""
_DRAIN_SECONDS = 2.0
_SETTLE_EVENTS = 1024
_SETTLE_SECONDS = 0.25


class _StreamBase(Generic[T]):
    __slots__ = ("_decoder", "_observation", "response")

    def __init__(self, outcome: Outcome, decoder: EventDecoder[T]) -> None:
        self.response: httpx.Response = outcome.response
        self._decoder = decoder
        self._observation = outcome.observation

    def _closed(self) -> None:
        # A stream closed before it was ever read never ran its generator's ``finally``.
        if self._observation is not None:
            self._observation.end(GeneratorExit())

    @property
    def request_id(self) -> str | None:
        """The id the server gave this request, if any."""
        return self._decoder.errors.request_id

    @property
    def retries_taken(self) -> int:
        """Retries the request took before the stream began."""
        return self._decoder.errors.retries_taken

    @property
    def rate_limits(self) -> RateLimits | None:
        """The response's ``x-ratelimit-*`` headers, typed (``None`` without any)."""
        return RateLimits.from_headers(self.response.headers)

    @property
    def finished(self) -> bool:
        """Whether the server's terminator has arrived: the response is whole."""
        return self._decoder.done


def _map_error(exc: Exception, response: httpx.Response, decoder: EventDecoder[T]) -> APIError:
    if response.is_closed:
        # Closed by the caller (a "stop" button in another task): say so, not what the
        # transport below made of it ("bad file descriptor", "pop from an empty deque").
        return decoder.closed_early()
    if isinstance(exc, SSEError):
        kind = response.headers.get("content-type", "none")
        return decoder.errors.stream(
            f"Expected a text/event-stream response, got content type {kind!r}: "
            "the server did not stream this response"
        )
    return decoder.errors.connection(exc, interrupted_after=decoder.count)


async def _aiter_items(
    response: httpx.Response, decoder: EventDecoder[T]
) -> AsyncGenerator[T, None]:
    events = EventSource(response).aiter_sse()
    try:
        async for sse in events:
            item = decoder.decode(sse)
            if item is not None:
                yield item
            elif decoder.done:
                break
        if not decoder.done:
            raise decoder.truncated()
        await _adrain(events)
    except (httpx.RequestError, SSEError) as exc:
        raise _map_error(exc, response, decoder) from exc
    finally:
        with anyio.CancelScope(shield=True):
            await response.aclose()
            await _asettle(events)


async def _adrain(events: AsyncGenerator[ServerSentEvent, None]) -> None:
    # After the terminator: read to the end of the body (bounded), so the connection is
    # reusable. A failure here loses nothing; the connection is then just not reused.
    with anyio.move_on_after(_DRAIN_SECONDS):
        try:
            drained = 0
            async for _ in events:
                drained += 1
                if drained >= _DRAIN_EVENTS:
                    break
        except (httpx.HTTPError, SSEError):
            pass


async def _asettle(events: AsyncGenerator[ServerSentEvent, None]) -> None:
    # httpx reads bodies through a chain of async generators (httpx-sse's, httpx's, httpcore's)
    # and closing the outer one abandons the inner ones half-way, which trio reports as a
    # ResourceWarning for each (encode/httpx#3686). Once the response is closed, resuming the
    # chain fails at once (or ends the body), which runs every generator to its end.
    with anyio.move_on_after(_SETTLE_SECONDS):
        try:
            for _ in range(_SETTLE_EVENTS):
                await events.__anext__()
        except StopAsyncIteration:
            return
        except Exception:
            pass
    await events.aclose()


async def _aobserved(
    items: AsyncGenerator[T, None], observation: Observation, decoder: EventDecoder[T]
) -> AsyncGenerator[T, None]:
    """``items``, reported to telemetry: each item, then the end (whole, failed, closed)."""
    failure: BaseException | None = None
    try:
        async for item in items:
            observation.item(item)
            yield item
    except BaseException as error:
        failure = error
        raise
    finally:
        try:
            await items.aclose()
        finally:
            observation.end(failure if failure is not None or not decoder.done else None)


def _observed(
    items: Generator[T, None, None], observation: Observation, decoder: EventDecoder[T]
) -> Generator[T, None, None]:
    """``items``, reported to telemetry: each item, then the end (whole, failed, closed)."""
    failure: BaseException | None = None
    try:
        for item in items:
            observation.item(item)
            yield item
    except BaseException as error:
        failure = error
        raise
    finally:
        try:
            items.close()
        finally:
            observation.end(failure if failure is not None or not decoder.done else None)


class AsyncStream(_StreamBase[T]):
    """An async iterator of typed items. Use it in ``async with`` so it is always closed.

    ```python
    stream = await client.chat.completions.create(messages=messages, stream=True)
    async with stream:
        async for chunk in stream:
            print(chunk.choices[0].delta.content or "", end="") if chunk.choices else None
    ```
    """

    __slots__ = ("_iterator",)

    def __init__(self, outcome: Outcome, decoder: EventDecoder[T]) -> None:
        super().__init__(outcome, decoder)
        self._iterator = _aiter_items(self.response, decoder)
        if outcome.observation is not None:
            self._iterator = _aobserved(self._iterator, outcome.observation, decoder)

    def __aiter__(self) -> AsyncIterator[T]:
        return self

    async def __anext__(self) -> T:
        try:
            return await self._iterator.__anext__()
        except StopAsyncIteration:
            if self._decoder.done:
                raise
            raise self._decoder.closed_early() from None  # read on after an error or close

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
        with anyio.CancelScope(shield=True):
            if not getattr(self._iterator, "ag_running", False):
                await self._iterator.aclose()
            await self.response.aclose()
        self._closed()

    def __del__(self) -> None:
        # An async stream cannot be closed from here (closing awaits): say so, as an
        # unclosed file or socket does, rather than hold a pool connection in silence.
        response: httpx.Response | None = getattr(self, "response", None)
        if response is not None and not response.is_closed:
            warnings.warn(
                "an AsyncStream was dropped without being closed, keeping its connection "
                "busy: use it in `async with`, or await its aclose()",
                ResourceWarning,
                stacklevel=2,
                source=self,
            )


def _iter_items(response: httpx.Response, decoder: EventDecoder[T]) -> Generator[T, None, None]:
    events = EventSource(response).iter_sse()
    try:
        for sse in events:
            item = decoder.decode(sse)
            if item is not None:
                yield item
            elif decoder.done:
                break
        if not decoder.done:
            raise decoder.truncated()
        _drain(events)
    except (httpx.RequestError, SSEError) as exc:
        raise _map_error(exc, response, decoder) from exc
    finally:
        response.close()
        close = getattr(events, "close", None)
        if close is not None:
            close()


def _drain(events: Iterator[ServerSentEvent]) -> None:
    try:
        for drained, _ in enumerate(events, 1):
            if drained >= _DRAIN_EVENTS:
                break
    except (httpx.HTTPError, SSEError):
        pass


class Stream(_StreamBase[T]):
    """An iterator of typed items. Use it in ``with`` so it is always closed.

    ```python
    with client.chat.completions.create(messages=messages, stream=True) as stream:
        for chunk in stream:
            ...
    ```
    """

    __slots__ = ("_iterator",)

    def __init__(self, outcome: Outcome, decoder: EventDecoder[T]) -> None:
        super().__init__(outcome, decoder)
        self._iterator = _iter_items(self.response, decoder)
        if outcome.observation is not None:
            self._iterator = _observed(self._iterator, outcome.observation, decoder)

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        try:
            return self._iterator.__next__()
        except StopIteration:
            if self._decoder.done:
                raise
            raise self._decoder.closed_early() from None  # read on after an error or close

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
        if not getattr(self._iterator, "gi_running", False):
            self._iterator.close()
        self.response.close()
        self._closed()

    def __del__(self) -> None:
        # A sync stream dropped mid-iteration (``break`` without ``with``) closes at once.
        response: httpx.Response | None = getattr(self, "response", None)
        if response is not None and not response.is_closed and hasattr(self, "_iterator"):
            self.close()
