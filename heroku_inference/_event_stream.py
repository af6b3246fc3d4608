"""Typed events over a raw stream: the base of every streaming helper, and their managers.

An event stream reads items (chunks) from a raw ``AsyncStream``/``Stream`` and hands each one
to a ``Reducer``, a pure object that turns items into events and gathers the result (the
chat ``ChatCompletionAccumulator``, the agents transcript). What the raw stream's end and
errors mean is decided here, once per driver:

- the raw stream stops only after its terminator: the reducer's last events follow;
- an ``APIError`` ends the stream; reading on (or asking for the result) raises it again.

Helper streams are plain iterator objects rather than generators: a generator left suspended
when the caller breaks out would be finalised by the garbage collector later (trio warns about
each one), while these hold nothing that needs closing but the raw stream.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import TracebackType
from typing import Generic, Protocol, TypeVar

import httpx
import pydantic

from ._exceptions import APIError
from ._rate_limits import RateLimits
from ._streaming import AsyncStream, Stream

__all__ = [
    "AsyncEventStream",
    "AsyncStreamManager",
    "EventStream",
    "Reducer",
    "StreamManager",
]

ItemT = TypeVar("ItemT", bound=pydantic.BaseModel)
ItemT_contra = TypeVar("ItemT_contra", contravariant=True)
EventT = TypeVar("EventT")
StreamT = TypeVar("StreamT", bound="_Closeable")
AsyncStreamT = TypeVar("AsyncStreamT", bound="_AsyncCloseable")


class Reducer(Protocol[ItemT_contra, EventT]):
    """Turns a stream's items into events and gathers its result. Pure: no I/O."""

    def add(self, item: ItemT_contra) -> list[EventT]:
        """Take in one item; return the events it produced."""
        ...

    def consume(self, item: ItemT_contra) -> None:
        """Take in one item without building events (nobody will read them)."""
        ...

    def finish(self) -> list[EventT]:
        """The events still owed once the stream has ended."""
        ...


class _EventStreamBase(Generic[ItemT, EventT]):
    """What both drivers share: the reducer, the events not yet handed out, and the end."""

    _raw: AsyncStream[ItemT] | Stream[ItemT]

    def _start(self, reducer: Reducer[ItemT, EventT]) -> None:
        self._reducer = reducer
        self._pending: deque[EventT] = deque()
        self._ended = False
        self._error: APIError | None = None

    @property
    def response(self) -> httpx.Response:
        return self._raw.response

    @property
    def request_id(self) -> str | None:
        """The id the server gave this request, if any."""
        return self._raw.request_id

    @property
    def retries_taken(self) -> int:
        """Retries the request took before the stream began."""
        return self._raw.retries_taken

    @property
    def rate_limits(self) -> RateLimits | None:
        """The response's ``x-ratelimit-*`` headers, typed (``None`` without any)."""
        return self._raw.rate_limits

    def _add(self, item: ItemT) -> None:
        self._pending.extend(self._reducer.add(item))

    def _stopped(self) -> None:
        """The raw stream reached its terminator: queue the reducer's last events."""
        self._ended = True
        self._pending.extend(self._reducer.finish())


class AsyncEventStream(_EventStreamBase[ItemT, EventT]):
    """Typed events over an ``AsyncStream``; use it in ``async with`` (via its manager)."""

    def __init__(self, raw: AsyncStream[ItemT], reducer: Reducer[ItemT, EventT]) -> None:
        self._raw: AsyncStream[ItemT] = raw
        self._start(reducer)

    def __aiter__(self) -> AsyncIterator[EventT]:
        return self

    async def __anext__(self) -> EventT:
        pending = self._pending
        if not pending:
            await self._read(self._add, until_event=True)
            if not pending:
                raise StopAsyncIteration
        return pending.popleft()

    async def until_done(self) -> None:
        """Read the stream to its end (building no events)."""
        self._pending.clear()
        await self._read(self._reducer.consume, until_event=False)
        self._pending.clear()

    async def _read(self, take: Callable[[ItemT], None], *, until_event: bool) -> None:
        """Read items into ``take`` until an event is pending (``until_event``) or the end."""
        pending = self._pending
        next_item = self._raw.__anext__
        while not self._ended and not (until_event and pending):
            if self._error is not None:
                raise self._error
            try:
                item = await next_item()
            except StopAsyncIteration:
                self._stopped()
            except APIError as error:
                self._error = error
                raise
            else:
                take(item)

    async def aclose(self) -> None:
        """Close the response now. Safe to call more than once."""
        await self._raw.aclose()


class EventStream(_EventStreamBase[ItemT, EventT]):
    """Typed events over a ``Stream``; use it in ``with`` (via its manager)."""

    def __init__(self, raw: Stream[ItemT], reducer: Reducer[ItemT, EventT]) -> None:
        self._raw: Stream[ItemT] = raw
        self._start(reducer)

    def __iter__(self) -> Iterator[EventT]:
        return self

    def __next__(self) -> EventT:
        pending = self._pending
        if not pending:
            self._read(self._add, until_event=True)
            if not pending:
                raise StopIteration
        return pending.popleft()

    def until_done(self) -> None:
        """Read the stream to its end (building no events)."""
        self._pending.clear()
        self._read(self._reducer.consume, until_event=False)
        self._pending.clear()

    def _read(self, take: Callable[[ItemT], None], *, until_event: bool) -> None:
        """Read items into ``take`` until an event is pending (``until_event``) or the end."""
        pending = self._pending
        next_item = self._raw.__next__
        while not self._ended and not (until_event and pending):
            if self._error is not None:
                raise self._error
            try:
                item = next_item()
            except StopIteration:
                self._stopped()
            except APIError as error:
                self._error = error
                raise
            else:
                take(item)

    def close(self) -> None:
        """Close the response now. Safe to call more than once."""
        self._raw.close()


class _AsyncCloseable(Protocol):
    async def aclose(self) -> None: ...


class _Closeable(Protocol):
    def close(self) -> None: ...


class AsyncStreamManager(Generic[AsyncStreamT]):
    """Opens a stream on ``async with`` (nothing is sent before) and closes it on exit."""

    def __init__(self, open_stream: Callable[[], Awaitable[AsyncStreamT]]) -> None:
        self._open = open_stream
        self._stream: AsyncStreamT | None = None

    async def __aenter__(self) -> AsyncStreamT:
        self._stream = await self._open()
        return self._stream

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._stream is not None:
            await self._stream.aclose()


class StreamManager(Generic[StreamT]):
    """Opens a stream on ``with`` (nothing is sent before) and closes it on exit."""

    def __init__(self, open_stream: Callable[[], StreamT]) -> None:
        self._open = open_stream
        self._stream: StreamT | None = None

    def __enter__(self) -> StreamT:
        self._stream = self._open()
        return self._stream

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._stream is not None:
            self._stream.close()
