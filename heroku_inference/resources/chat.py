"""``client.chat.completions``: create a completion, whole or streamed, or stream typed events."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

import pydantic
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
from .._tool_defaults import DEFAULT_MAX_CONCURRENCY, DEFAULT_MAX_ROUNDS, DEFAULT_OUTPUT_RETRIES
from ..types.chat import ChatCompletion, ChatCompletionChunk
from ..types.chat_params import (
    ChatCompletionCreateParams,
    ChatCompletionRequestParams,
    ChatCompletionRunToolsParams,
    ToolParam,
)
from ._chat_call import build_chat_call, parse_chat_completion
from ._chat_raw import AsyncCompletionsWithRawResponse, CompletionsWithRawResponse

if TYPE_CHECKING:  # imported when used: a chat-only process never loads the tool machinery
    from .._tool import Tool
    from .._tool_rounds import ToolLoop
    from .._tool_runner import AsyncToolRunner, ToolRunner
    from ..types.chat_parsed import ParsedChatCompletion

__all__ = ["AsyncChat", "AsyncCompletions", "Chat", "Completions"]

M = TypeVar("M", bound=pydantic.BaseModel)


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

    def run_tools(
        self,
        *,
        tools: Iterable[Tool | ToolParam],
        max_rounds: int = DEFAULT_MAX_ROUNDS,
        stream: bool = False,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        raise_tool_errors: bool = False,
        **params: Unpack[ChatCompletionRunToolsParams],
    ) -> AsyncToolRunner:
        """Call the model, run the tools it asks for, and again, until it answers.

        Use it with ``async with``; nothing is sent before. The calls of a round run
        concurrently (at most ``max_concurrency``; plain ``def`` tools in worker threads). A
        tool that raises gives the model an error result (``raise_tool_errors=True`` raises
        it instead). ``stream=True`` streams each round and passes on its chat events.

        ```python
        async with client.chat.completions.run_tools(messages=messages, tools=[get_weather]) as run:
            result = await run.until_done()
        ```
        """
        from .._tool_runner import AsyncToolRunner

        loop = _loop(tools, max_rounds, raise_tool_errors, params, is_async=True)
        return AsyncToolRunner(self._context, loop, stream=stream, max_concurrency=max_concurrency)

    async def parse(
        self,
        *,
        response_format: type[M],
        output_retries: int = DEFAULT_OUTPUT_RETRIES,
        **params: Unpack[ChatCompletionRequestParams],
    ) -> ParsedChatCompletion[M]:
        """A completion whose ``choices[0].message.parsed`` is a validated ``response_format``.

        The model answers by calling a tool whose schema is the model's; invalid arguments
        are sent back to it ``output_retries`` times, then ``StructuredOutputError``.

        ```python
        completion = await client.chat.completions.parse(messages=messages, response_format=Person)
        person = completion.choices[0].message.parsed
        ```
        """
        from .._structured import parse_async

        return await parse_async(self._context, response_format, output_retries, params)

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

    def run_tools(
        self,
        *,
        tools: Iterable[Tool | ToolParam],
        max_rounds: int = DEFAULT_MAX_ROUNDS,
        stream: bool = False,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        raise_tool_errors: bool = False,
        **params: Unpack[ChatCompletionRunToolsParams],
    ) -> ToolRunner:
        """Call the model, run the tools it asks for, and again, until it answers.

        Use it with ``with``; nothing is sent before. The calls of a round run one after
        the other, in this thread (``max_concurrency`` is accepted for the async signature). A
        tool that raises gives the model an error result (``raise_tool_errors=True`` raises
        it instead). ``stream=True`` streams each round and passes on its chat events.

        ```python
        with client.chat.completions.run_tools(messages=messages, tools=[get_weather]) as run:
            result = run.until_done()
        ```
        """
        from .._tool_runner import ToolRunner

        loop = _loop(tools, max_rounds, raise_tool_errors, params, is_async=False)
        del max_concurrency  # one at a time, in this thread
        return ToolRunner(self._context, loop, stream=stream)

    def parse(
        self,
        *,
        response_format: type[M],
        output_retries: int = DEFAULT_OUTPUT_RETRIES,
        **params: Unpack[ChatCompletionRequestParams],
    ) -> ParsedChatCompletion[M]:
        """A completion whose ``choices[0].message.parsed`` is a validated ``response_format``.

        The model answers by calling a tool whose schema is the model's; invalid arguments
        are sent back to it ``output_retries`` times, then ``StructuredOutputError``.

        ```python
        completion = client.chat.completions.parse(messages=messages, response_format=Person)
        person = completion.choices[0].message.parsed
        ```
        """
        from .._structured import parse_sync

        return parse_sync(self._context, response_format, output_retries, params)

    @property
    def with_raw_response(self) -> CompletionsWithRawResponse:
        """``create()`` returning the HTTP response with ``parse()``."""
        return CompletionsWithRawResponse(self._context)


def _loop(
    tools: Iterable[Any],
    max_rounds: int,
    raise_tool_errors: bool,
    params: ChatCompletionRunToolsParams,
    *,
    is_async: bool,
) -> ToolLoop:
    rest = {key: value for key, value in params.items() if key != "messages"}
    if "messages" not in params:
        raise TypeError("run_tools() missing required keyword argument: 'messages'")
    from .._tool_rounds import ToolLoop

    return ToolLoop(
        messages=params["messages"],
        tools=tools,
        params=rest,
        max_rounds=max_rounds,
        raise_tool_errors=raise_tool_errors,
        is_async=is_async,
    )


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
