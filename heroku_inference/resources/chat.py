"""``client.chat.completions``: create a completion, whole or streamed, or stream typed events."""

from __future__ import annotations

from functools import cached_property
from typing import Literal, overload

from typing_extensions import Unpack

from .._chat_stream import (
    AsyncChatCompletionStream,
    AsyncChatCompletionStreamManager,
    ChatCompletionStream,
    ChatCompletionStreamManager,
)
from .._context import AsyncContext, SyncContext
from .._sse import chat_chunk_decoder
from .._streaming import AsyncStream, Stream
from ..types.chat import ChatCompletion, ChatCompletionChunk
from ..types.chat_params import ChatCompletionCreateParams
from ._chat_call import build_chat_call, parse_chat_completion
from ._chat_raw import AsyncCompletionsWithRawResponse, CompletionsWithRawResponse

__all__ = ["AsyncChat", "AsyncCompletions", "Chat", "Completions"]


class AsyncCompletions:
    """``POST /v1/chat/completions`` on an ``AsyncClient``."""

    __slots__ = ("_context",)

    def __init__(self, context: AsyncContext) -> None:
        self._context = context

    @overload
    async def create(
        self, *, stream: Literal[False] = False, **params: Unpack[ChatCompletionCreateParams]
    ) -> ChatCompletion: ...
    @overload
    async def create(
        self, *, stream: Literal[True], **params: Unpack[ChatCompletionCreateParams]
    ) -> AsyncStream[ChatCompletionChunk]: ...
    @overload
    async def create(
        self, *, stream: bool, **params: Unpack[ChatCompletionCreateParams]
    ) -> ChatCompletion | AsyncStream[ChatCompletionChunk]: ...

    async def create(
        self, *, stream: bool = False, **params: Unpack[ChatCompletionCreateParams]
    ) -> ChatCompletion | AsyncStream[ChatCompletionChunk]:
        """Create a chat completion; with ``stream=True``, a stream of typed chunks.

        ```python
        completion = await client.chat.completions.create(
            messages=[{"role": "user", "content": "Hello!"}], max_tokens=100,
        )
        ```
        """
        settings = self._context.settings
        call = build_chat_call(settings, params, stream=stream)
        outcome = await self._context.driver.run(settings, call)
        if stream:
            return AsyncStream(outcome, chat_chunk_decoder(outcome.errors))
        return parse_chat_completion(outcome)

    def stream(
        self, **params: Unpack[ChatCompletionCreateParams]
    ) -> AsyncChatCompletionStreamManager:
        """Stream typed events; use with ``async with``. Nothing is sent before entering.

        ```python
        async with client.chat.completions.stream(messages=messages) as stream:
            async for event in stream:
                if event.type == "content.delta":
                    print(event.delta, end="")
        ```
        """
        settings = self._context.settings
        call = build_chat_call(settings, params, stream=True, method_name="stream")
        driver = self._context.driver

        async def open_stream() -> AsyncChatCompletionStream:
            outcome = await driver.run(settings, call)
            return AsyncChatCompletionStream(
                AsyncStream(outcome, chat_chunk_decoder(outcome.errors))
            )

        return AsyncChatCompletionStreamManager(open_stream)

    @property
    def with_raw_response(self) -> AsyncCompletionsWithRawResponse:
        """``create()`` returning the HTTP response with ``parse()``."""
        return AsyncCompletionsWithRawResponse(self._context)


class Completions:
    """``POST /v1/chat/completions`` on a ``Client``."""

    __slots__ = ("_context",)

    def __init__(self, context: SyncContext) -> None:
        self._context = context

    @overload
    def create(
        self, *, stream: Literal[False] = False, **params: Unpack[ChatCompletionCreateParams]
    ) -> ChatCompletion: ...
    @overload
    def create(
        self, *, stream: Literal[True], **params: Unpack[ChatCompletionCreateParams]
    ) -> Stream[ChatCompletionChunk]: ...
    @overload
    def create(
        self, *, stream: bool, **params: Unpack[ChatCompletionCreateParams]
    ) -> ChatCompletion | Stream[ChatCompletionChunk]: ...

    def create(
        self, *, stream: bool = False, **params: Unpack[ChatCompletionCreateParams]
    ) -> ChatCompletion | Stream[ChatCompletionChunk]:
        """Create a chat completion; with ``stream=True``, a stream of typed chunks.

        ```python
        completion = client.chat.completions.create(
            messages=[{"role": "user", "content": "Hello!"}], max_tokens=100,
        )
        ```
        """
        settings = self._context.settings
        call = build_chat_call(settings, params, stream=stream)
        outcome = self._context.driver.run(settings, call)
        if stream:
            return Stream(outcome, chat_chunk_decoder(outcome.errors))
        return parse_chat_completion(outcome)

    def stream(self, **params: Unpack[ChatCompletionCreateParams]) -> ChatCompletionStreamManager:
        """Stream typed events; use with ``with``. Nothing is sent before entering.

        ```python
        with client.chat.completions.stream(messages=messages) as stream:
            for text in stream.text_stream:
                print(text, end="")
        ```
        """
        settings = self._context.settings
        call = build_chat_call(settings, params, stream=True, method_name="stream")
        driver = self._context.driver

        def open_stream() -> ChatCompletionStream:
            outcome = driver.run(settings, call)
            return ChatCompletionStream(Stream(outcome, chat_chunk_decoder(outcome.errors)))

        return ChatCompletionStreamManager(open_stream)

    @property
    def with_raw_response(self) -> CompletionsWithRawResponse:
        """``create()`` returning the HTTP response with ``parse()``."""
        return CompletionsWithRawResponse(self._context)


class AsyncChat:
    """``client.chat`` on an ``AsyncClient``."""

    __slots__ = ("__dict__", "_context")

    def __init__(self, context: AsyncContext) -> None:
        self._context = context

    @cached_property
    def completions(self) -> AsyncCompletions:
        return AsyncCompletions(self._context)


class Chat:
    """``client.chat`` on a ``Client``."""

    __slots__ = ("__dict__", "_context")

    def __init__(self, context: SyncContext) -> None:
        self._context = context

    @cached_property
    def completions(self) -> Completions:
        return Completions(self._context)
