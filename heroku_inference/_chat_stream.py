"""``client.chat.completions.stream()``: typed events, text deltas and the final completion.

The manager sends nothing until it is entered; leaving the block closes the response.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Generator, Iterator
from types import TracebackType

from ._accumulate import ChatCompletionAccumulator
from ._events import ChatCompletionStreamEvent
from ._streaming import AsyncStream, Stream
from .types.chat import ChatCompletion, ChatCompletionChunk

__all__ = [
    "AsyncChatCompletionStream",
    "AsyncChatCompletionStreamManager",
    "ChatCompletionStream",
    "ChatCompletionStreamManager",
]


class _Snapshot:
    """What both helper streams share: the accumulator and the completion built so far."""

    _accumulator: ChatCompletionAccumulator
    _raw: AsyncStream[ChatCompletionChunk] | Stream[ChatCompletionChunk]

    @property
    def current_completion(self) -> ChatCompletion:
        """The completion as far as the stream has gone (a new object each time)."""
        return self._tagged(self._accumulator.completion())

    @property
    def request_id(self) -> str | None:
        return self._raw.request_id

    def _tagged(self, completion: ChatCompletion) -> ChatCompletion:
        completion._request_id = self._raw.request_id
        completion._retries_taken = self._raw.retries_taken
        return completion


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
        self._accumulator = ChatCompletionAccumulator()
        self._events = self._iterate()

    @property
    def response(self) -> object:
        return self._raw.response

    def __aiter__(self) -> AsyncIterator[ChatCompletionStreamEvent]:
        return self._events

    async def __anext__(self) -> ChatCompletionStreamEvent:
        return await self._events.__anext__()

    @property
    def text_stream(self) -> AsyncIterator[str]:
        """The content text deltas only, as they arrive."""
        return self._text()

    async def until_done(self) -> None:
        """Read the stream to its end."""
        async for _ in self._events:
            pass

    async def get_final_completion(self) -> ChatCompletion:
        """Read the stream to its end and return the reassembled completion."""
        await self.until_done()
        return self.current_completion

    async def aclose(self) -> None:
        """Close the response now. Safe to call more than once."""
        await self._raw.aclose()

    async def _iterate(self) -> AsyncGenerator[ChatCompletionStreamEvent, None]:
        add = self._accumulator.add
        async for chunk in self._raw:
            for event in add(chunk):
                yield event
        for event in self._accumulator.finish():
            yield event

    async def _text(self) -> AsyncGenerator[str, None]:
        async for event in self._events:
            if event.type == "content.delta":
                yield event.delta


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
        self._accumulator = ChatCompletionAccumulator()
        self._events = self._iterate()

    @property
    def response(self) -> object:
        return self._raw.response

    def __iter__(self) -> Iterator[ChatCompletionStreamEvent]:
        return self._events

    def __next__(self) -> ChatCompletionStreamEvent:
        return self._events.__next__()

    @property
    def text_stream(self) -> Iterator[str]:
        """The content text deltas only, as they arrive."""
        return self._text()

    def until_done(self) -> None:
        """Read the stream to its end."""
        for _ in self._events:
            pass

    def get_final_completion(self) -> ChatCompletion:
        """Read the stream to its end and return the reassembled completion."""
        self.until_done()
        return self.current_completion

    def close(self) -> None:
        """Close the response now. Safe to call more than once."""
        self._raw.close()

    def _iterate(self) -> Generator[ChatCompletionStreamEvent, None, None]:
        add = self._accumulator.add
        for chunk in self._raw:
            yield from add(chunk)
        yield from self._accumulator.finish()

    def _text(self) -> Generator[str, None, None]:
        for event in self._events:
            if event.type == "content.delta":
                yield event.delta


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
