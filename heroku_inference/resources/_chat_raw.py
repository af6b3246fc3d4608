"""``client.chat.completions.with_raw_response``: ``create()`` returning the HTTP response
(status, headers, request id, rate limits) with ``parse()`` for the completion or stream."""

from __future__ import annotations

import functools
from typing import Any, Literal, overload

from typing_extensions import Unpack

from .._context import AsyncContext, SyncContext
from .._raw_response import RawResponse
from .._sse import chat_chunk_decoder
from .._streaming import AsyncStream, Stream
from ..types.chat import ChatCompletion, ChatCompletionChunk
from ..types.chat_params import ChatCompletionCreateParams
from ._chat_call import build_chat_call, parse_chat_completion

__all__ = ["AsyncCompletionsWithRawResponse", "CompletionsWithRawResponse"]


class AsyncCompletionsWithRawResponse:
    """``client.chat.completions.with_raw_response`` on an ``AsyncClient``.

    ```python
    raw = await client.chat.completions.with_raw_response.create(messages=messages)
    print(raw.headers.get("x-ratelimit-remaining-requests"))
    completion = raw.parse()
    ```
    """

    __slots__ = ("_context",)

    def __init__(self, context: AsyncContext) -> None:
        self._context = context

    @overload
    async def create(
        self, *, stream: Literal[False] = False, **params: Unpack[ChatCompletionCreateParams]
    ) -> RawResponse[ChatCompletion]: ...
    @overload
    async def create(
        self, *, stream: Literal[True], **params: Unpack[ChatCompletionCreateParams]
    ) -> RawResponse[AsyncStream[ChatCompletionChunk]]: ...

    async def create(self, *, stream: bool = False, **params: Any) -> RawResponse[Any]:
        settings = self._context.settings
        call = build_chat_call(settings, params, stream=stream)
        outcome = await self._context.driver.run(settings, call)
        if stream:
            chunks = AsyncStream(outcome, chat_chunk_decoder(outcome.errors))
            return RawResponse(outcome, lambda: chunks, stream=chunks)
        return RawResponse(outcome, functools.partial(parse_chat_completion, outcome))


class CompletionsWithRawResponse:
    """``client.chat.completions.with_raw_response`` on a ``Client``."""

    __slots__ = ("_context",)

    def __init__(self, context: SyncContext) -> None:
        self._context = context

    @overload
    def create(
        self, *, stream: Literal[False] = False, **params: Unpack[ChatCompletionCreateParams]
    ) -> RawResponse[ChatCompletion]: ...
    @overload
    def create(
        self, *, stream: Literal[True], **params: Unpack[ChatCompletionCreateParams]
    ) -> RawResponse[Stream[ChatCompletionChunk]]: ...

    def create(self, *, stream: bool = False, **params: Any) -> RawResponse[Any]:
        settings = self._context.settings
        call = build_chat_call(settings, params, stream=stream)
        outcome = self._context.driver.run(settings, call)
        if stream:
            chunks = Stream(outcome, chat_chunk_decoder(outcome.errors))
            return RawResponse(outcome, lambda: chunks, stream=chunks)
        return RawResponse(outcome, functools.partial(parse_chat_completion, outcome))
