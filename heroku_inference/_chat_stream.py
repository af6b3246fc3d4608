"""``client.chat.completions.stream()``: typed events, text deltas and the final completion.

The manager sends nothing until it is entered; leaving the block closes the response.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from ._accumulate import ChatCompletionAccumulator
from ._event_stream import AsyncEventStream, AsyncStreamManager, EventStream, StreamManager
from ._events import ChatCompletionStreamEvent
from ._models import set_origin
from ._streaming import AsyncStream, Stream
from .types.chat import ChatCompletion, ChatCompletionChunk

__all__ = [
    "AsyncChatCompletionStream",
    "AsyncChatCompletionStreamManager",
    "ChatCompletionStream",
    "ChatCompletionStreamManager",
]


class AsyncChatCompletionStream(AsyncEventStream[ChatCompletionChunk, ChatCompletionStreamEvent]):
    """Typed events of one streamed chat completion (from ``chat.completions.stream()``).

    ```python
    async with client.chat.completions.stream(messages=messages) as stream:
        async for text in stream.text_stream:
            print(text, end="", flush=True)
        final = await stream.get_final_completion()
    ```
    """

    def __init__(self, raw: AsyncStream[ChatCompletionChunk]) -> None:
        self._accumulator = ChatCompletionAccumulator()
        super().__init__(raw, self._accumulator)

    @property
    def text_stream(self) -> AsyncIterator[str]:
        """The content text deltas only, as they arrive."""
        return _AsyncTextStream(self)

    @property
    def current_completion(self) -> ChatCompletion:
        """The completion as far as the stream has gone (a new object each time)."""
        completion = self._accumulator.completion()
        return set_origin(
            completion,
            request_id=self.request_id,
            retries_taken=self.retries_taken,
            rate_limits=self.rate_limits,
        )

    async def get_final_completion(self) -> ChatCompletion:
        """Read the stream to its end and return the reassembled completion.

        Raises the stream's error (``StreamError``, ``APIConnectionError``) if it failed, or
        a ``StreamError`` if it was closed before the server finished it.
        """
        await self.until_done()
        return self.current_completion


class ChatCompletionStream(EventStream[ChatCompletionChunk, ChatCompletionStreamEvent]):
    """Typed events of one streamed chat completion (from ``chat.completions.stream()``).

    ```python
    with client.chat.completions.stream(messages=messages) as stream:
        for text in stream.text_stream:
            print(text, end="", flush=True)
        final = stream.get_final_completion()
    ```
    """

    def __init__(self, raw: Stream[ChatCompletionChunk]) -> None:
        self._accumulator = ChatCompletionAccumulator()
        super().__init__(raw, self._accumulator)

    @property
    def text_stream(self) -> Iterator[str]:
        """The content text deltas only, as they arrive."""
        return _TextStream(self)

    @property
    def current_completion(self) -> ChatCompletion:
        """The completion as far as the stream has gone (a new object each time)."""
        completion = self._accumulator.completion()
        return set_origin(
            completion,
            request_id=self.request_id,
            retries_taken=self.retries_taken,
            rate_limits=self.rate_limits,
        )

    def get_final_completion(self) -> ChatCompletion:
        """Read the stream to its end and return the reassembled completion.

        Raises the stream's error (``StreamError``, ``APIConnectionError``) if it failed, or
        a ``StreamError`` if it was closed before the server finished it.
        """
        self.until_done()
        return self.current_completion


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


class AsyncChatCompletionStreamManager(AsyncStreamManager[AsyncChatCompletionStream]):
    """Opens the stream on ``async with`` and closes it on exit."""


class ChatCompletionStreamManager(StreamManager[ChatCompletionStream]):
    """Opens the stream on ``with`` and closes it on exit."""
