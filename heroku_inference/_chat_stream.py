"""``client.chat.completions.stream()``: typed events, text deltas and the final completion.

The manager sends nothing until it is entered; leaving the block closes the response.

The helper streams are plain iterator objects rather than generators: a generator left
suspended when the caller breaks out would be finalised by the garbage collector later
(trio warns about each one), while these hold nothing that needs closing but the raw stream.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import TracebackType

import httpx

from ._accumulate import ChatCompletionAccumulator
from ._events import ChatCompletionStreamEvent
from ._exceptions import APIError
from ._streaming import AsyncStream, Stream
from .types.chat import ChatCompletion, ChatCompletionChunk

__all__ = [
    "AsyncChatCompletionStream",
    "AsyncChatCompletionStreamManager",
    "ChatCompletionStream",
    "ChatCompletionStreamManager",
]


class _Snapshot:
    """What both helper streams share: the accumulator, the events not yet handed out, and
    what happens when the raw stream stops."""

    _raw: AsyncStream[ChatCompletionChunk] | Stream[ChatCompletionChunk]

    def _start(self) -> None:
        self._accumulator = ChatCompletionAccumulator()
        self._pending: deque[ChatCompletionStreamEvent] = deque()
        self._ended = False
        self._error: APIError | None = None

    @property
    def response(self) -> httpx.Response:
        return self._raw.response

    @property
    def request_id(self) -> str | None:
        return self._raw.request_id

    @property
    def retries_taken(self) -> int:
        """Retries the request took before the stream began."""
        return self._raw.retries_taken

    @property
    def current_completion(self) -> ChatCompletion:
        """The completion as far as the stream has gone (a new object each time)."""
        completion = self._accumulator.completion()
        completion._request_id = self._raw.request_id
        completion._retries_taken = self._raw.retries_taken
        return completion

    def _failed(self, error: APIError) -> None:
        self._error = error

    def _stopped(self) -> None:
        """The raw stream has no more chunks: queue the final ``.done`` events once if it
        reached its terminator; otherwise raise, so an unfinished stream never looks done."""
        if self._ended:
            return
        if self._error is not None:
            raise self._error
        unfinished = self._raw._unfinished()
        if unfinished is not None:
            raise unfinished
        self._ended = True
        self._pending.extend(self._accumulator.finish())


class AsyncChatCompletionStream(_Snapshot):
    """Typed events of one streamed chat completion (from ``chat.completions.stream()``).

    ```python
    async with client.chat.completions.stream(messages=messages) as stream:
        async for text in stream.text_stream:
            print(text, end="", flush=True)
        final = await stream.get_final_completion()
    ```
    """

    def __init__(self, raw: AsyncStream[ChatCompletionChunk]) -> None:
        self._raw: AsyncStream[ChatCompletionChunk] = raw
        self._start()

    def __aiter__(self) -> AsyncIterator[ChatCompletionStreamEvent]:
        return self

    async def __anext__(self) -> ChatCompletionStreamEvent:
        pending = self._pending
        while not pending:
            if self._ended:
                raise StopAsyncIteration
            try:
                chunk = await self._raw._iterator.__anext__()
            except StopAsyncIteration:
                self._stopped()
            except APIError as error:
                self._failed(error)
                raise
            else:
                pending.extend(self._accumulator.add(chunk))
        return pending.popleft()

    @property
    def text_stream(self) -> AsyncIterator[str]:
        """The content text deltas only, as they arrive."""
        return _AsyncTextStream(self)

    async def until_done(self) -> None:
        """Read the stream to its end."""
        self._pending.clear()
        consume = self._accumulator.consume  # nobody reads these events: build none
        next_chunk = self._raw._iterator.__anext__
        while not self._ended:
            try:
                chunk = await next_chunk()
            except StopAsyncIteration:
                self._stopped()
            except APIError as error:
                self._failed(error)
                raise
            else:
                consume(chunk)
        self._pending.clear()

    async def get_final_completion(self) -> ChatCompletion:
        """Read the stream to its end and return the reassembled completion.

        Raises the stream's error (``StreamError``, ``APIConnectionError``) if it failed, or
        a ``StreamError`` if it was closed before the server finished it.
        """
        await self.until_done()
        return self.current_completion

    async def aclose(self) -> None:
        """Close the response now. Safe to call more than once."""
        await self._raw.aclose()


class _AsyncTextStream:
    __slots__ = ("_events",)

    def __init__(self, events: AsyncChatCompletionStream) -> None:
        self._events = events

    def __aiter__(self) -> _AsyncTextStream:
        return self

    async def __anext__(self) -> str:
        while True:
            event = await self._events.__anext__()
            if event.type == "content.delta":
                return event.delta


class AsyncChatCompletionStreamManager:
    """Opens the stream on ``async with`` and closes it on exit."""

    def __init__(self, open_stream: Callable[[], Awaitable[AsyncStream[ChatCompletionChunk]]]):
        self._open = open_stream
        self._stream: AsyncChatCompletionStream | None = None

    async def __aenter__(self) -> AsyncChatCompletionStream:
        self._stream = AsyncChatCompletionStream(await self._open())
        return self._stream

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._stream is not None:
            await self._stream.aclose()


class ChatCompletionStream(_Snapshot):
    """Typed events of one streamed chat completion (from ``chat.completions.stream()``).

    ```python
    with client.chat.completions.stream(messages=messages) as stream:
        for text in stream.text_stream:
            print(text, end="", flush=True)
        final = stream.get_final_completion()
    ```
    """

    def __init__(self, raw: Stream[ChatCompletionChunk]) -> None:
        self._raw: Stream[ChatCompletionChunk] = raw
        self._start()

    def __iter__(self) -> Iterator[ChatCompletionStreamEvent]:
        return self

    def __next__(self) -> ChatCompletionStreamEvent:
        pending = self._pending
        while not pending:
            if self._ended:
                raise StopIteration
            try:
                chunk = next(self._raw._iterator)
            except StopIteration:
                self._stopped()
            except APIError as error:
                self._failed(error)
                raise
            else:
                pending.extend(self._accumulator.add(chunk))
        return pending.popleft()

    @property
    def text_stream(self) -> Iterator[str]:
        """The content text deltas only, as they arrive."""
        return _TextStream(self)

    def until_done(self) -> None:
        """Read the stream to its end."""
        self._pending.clear()
        consume = self._accumulator.consume  # nobody reads these events: build none
        next_chunk = self._raw._iterator.__next__
        while not self._ended:
            try:
                chunk = next_chunk()
            except StopIteration:
                self._stopped()
            except APIError as error:
                self._failed(error)
                raise
            else:
                consume(chunk)
        self._pending.clear()

    def get_final_completion(self) -> ChatCompletion:
        """Read the stream to its end and return the reassembled completion.

        Raises the stream's error (``StreamError``, ``APIConnectionError``) if it failed, or
        a ``StreamError`` if it was closed before the server finished it.
        """
        self.until_done()
        return self.current_completion

    def close(self) -> None:
        """Close the response now. Safe to call more than once."""
        self._raw.close()


class _TextStream:
    __slots__ = ("_events",)

    def __init__(self, events: ChatCompletionStream) -> None:
        self._events = events

    def __iter__(self) -> _TextStream:
        return self

    def __next__(self) -> str:
        while True:
            event = self._events.__next__()
            if event.type == "content.delta":
                return event.delta


class ChatCompletionStreamManager:
    """Opens the stream on ``with`` and closes it on exit."""

    def __init__(self, open_stream: Callable[[], Stream[ChatCompletionChunk]]) -> None:
        self._open = open_stream
        self._stream: ChatCompletionStream | None = None

    def __enter__(self) -> ChatCompletionStream:
        self._stream = ChatCompletionStream(self._open())
        return self._stream

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._stream is not None:
            self._stream.close()
