"""``client.chat.completions``: create a completion, whole or streamed, or stream typed events."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Literal, overload

from typing_extensions import Unpack

from .._chat_stream import AsyncChatCompletionStreamManager, ChatCompletionStreamManager
from .._streaming import AsyncStream, Stream
from ..types.chat import ChatCompletion, ChatCompletionChunk
from ..types.chat_params import ChatCompletionCreateParams
from ._chat_call import build_chat_call, parse_chat_completion

if TYPE_CHECKING:
    from .._client import AsyncClient, Client

__all__ = ["AsyncChat", "AsyncCompletions", "Chat", "Completions"]


class AsyncCompletions:
    """``POST /v1/chat/completions`` on an ``AsyncClient``."""

    __slots__ = ("_client",)

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

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
        settings = self._client._settings
        call = build_chat_call(settings, params, stream=stream)
        outcome = await self._client._driver.run(settings, call)
        return AsyncStream(outcome) if stream else parse_chat_completion(outcome)

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
        settings = self._client._settings
        call = build_chat_call(settings, params, stream=True, method_name="stream")

        async def open_stream() -> AsyncStream[ChatCompletionChunk]:
            return AsyncStream(await self._client._driver.run(settings, call))

        return AsyncChatCompletionStreamManager(open_stream)


class Completions:
    """``POST /v1/chat/completions`` on a ``Client``."""

    __slots__ = ("_client",)

    def __init__(self, client: Client) -> None:
        self._client = client

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
        settings = self._client._settings
        call = build_chat_call(settings, params, stream=stream)
        outcome = self._client._driver.run(settings, call)
        return Stream(outcome) if stream else parse_chat_completion(outcome)

    def stream(self, **params: Unpack[ChatCompletionCreateParams]) -> ChatCompletionStreamManager:
        """Stream typed events; use with ``with``. Nothing is sent before entering.

        ```python
        with client.chat.completions.stream(messages=messages) as stream:
            for text in stream.text_stream:
                print(text, end="")
        ```
        """
        settings = self._client._settings
        call = build_chat_call(settings, params, stream=True, method_name="stream")
        return ChatCompletionStreamManager(lambda: Stream(self._client._driver.run(settings, call)))


class AsyncChat:
    __slots__ = ("__dict__", "_client")

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    @cached_property
    def completions(self) -> AsyncCompletions:
        return AsyncCompletions(self._client)


class Chat:
    __slots__ = ("__dict__", "_client")

    def __init__(self, client: Client) -> None:
        self._client = client

    @cached_property
    def completions(self) -> Completions:
        return Completions(self._client)
