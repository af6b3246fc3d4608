"""``client.agents.stream()``: the events of an agent run, its text, and the collected result.

Built like the chat stream helper: an ``AgentEventDecoder`` turns SSE events into the typed
``AgentEvent`` union (raising ``AgentError`` at an ``agent.error``, once the events before it
have been delivered), a raw ``AsyncStream``/``Stream`` reads them with the usual closing and
pool hygiene, and the pure ``AgentTranscript`` reducer collects the ``AgentResult``.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pydantic
from httpx_sse import ServerSentEvent

from ._call_errors import CallErrors
from ._event_stream import AsyncEventStream, AsyncStreamManager, EventStream, StreamManager
from ._exceptions import AgentError
from ._models import set_origin
from ._sse import EventDecoder
from ._streaming import AsyncStream, Stream
from .types.agents import (
    AgentCompletion,
    AgentErrorEvent,
    AgentEvent,
    AgentMessage,
    AgentResult,
    ToolCompletion,
)
from .types.chat import ChatCompletionMessage, Usage

__all__ = [
    "AgentStream",
    "AgentStreamManager",
    "AgentTranscript",
    "AsyncAgentStream",
    "AsyncAgentStreamManager",
]


@functools.cache
def _validate_event() -> Callable[[str], AgentEvent]:
    validate: Callable[[str], AgentEvent] = pydantic.TypeAdapter(AgentEvent).validate_json
    return validate


class AgentEventDecoder(EventDecoder[AgentEvent]):
    """Decodes the agents endpoint's events; an ``agent.error`` raises ``AgentError``, whether
    it comes as an ``event: message`` or an ``event: error``."""

    __slots__ = ()

    def __init__(self, errors: CallErrors) -> None:
        super().__init__(errors, _validate_event(), "an agent event")

    def decode(self, sse: ServerSentEvent) -> AgentEvent | None:
        if sse.event == "error" and '"agent.error"' in sse.data:
            sse = ServerSentEvent(event="message", data=sse.data, id=sse.id, retry=sse.retry)
        item = super().decode(sse)
        if isinstance(item, AgentErrorEvent):
            raise self.errors.stream(
                f"The agent failed: {item.text()}",
                body=item.to_dict(),
                raw=sse.data,
                cls=AgentError,
            )
        return item


class AgentTranscript:
    """The pure reducer of an agent run: every event goes out as it is, and is collected
    into an ``AgentResult``.

    ```python
    transcript = AgentTranscript()
    for event in relayed_events:
        transcript.add(event)
    result = transcript.result()
    ```
    """

    __slots__ = ("_events", "_final", "_id", "_messages", "_model", "_usage")

    def __init__(self) -> None:
        self._events: list[AgentEvent] = []
        self._messages: list[AgentMessage] = []
        self._final: ChatCompletionMessage | None = None
        self._id = ""
        self._model = ""
        self._usage = [0, 0, 0]

    def add(self, item: AgentEvent) -> list[AgentEvent]:
        self.consume(item)
        return [item]

    def consume(self, item: AgentEvent) -> None:
        self._events.append(item)
        if isinstance(item, AgentCompletion | ToolCompletion):
            self._id = self._id or item.id
            message = item.message
            if message is not None:
                self._messages.append(message)
        if isinstance(item, AgentCompletion):
            self._model = item.model or self._model
            if item.message is not None:
                self._final = item.message
            usage = item.usage
            if usage is not None:
                self._usage[0] += usage.prompt_tokens
                self._usage[1] += usage.completion_tokens
                self._usage[2] += usage.total_tokens

    def finish(self) -> list[AgentEvent]:
        return []

    def result(self) -> AgentResult:
        """The run so far (a new object each time)."""
        prompt, completion, total = self._usage
        # Built from objects already validated: nothing to check again.
        return AgentResult.model_construct(
            id=self._id,
            model=self._model,
            messages=list(self._messages),
            final=self._final,
            usage=Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=total),
            events=list(self._events),
        )


class AsyncAgentStream(AsyncEventStream[AgentEvent, AgentEvent]):
    """The events of one agent run (from ``agents.stream()``), whole objects as they come.

    ```python
    async with client.agents.stream(messages=messages, tools=tools) as run:
        async for event in run:
            if event.object == "tool.completion":
                print("tool:", event.message.content if event.message else None)
        result = await run.get_final_result()
    ```
    """

    def __init__(self, raw: AsyncStream[AgentEvent]) -> None:
        self._transcript = AgentTranscript()
        super().__init__(raw, self._transcript)

    @property
    def text_stream(self) -> AsyncIterator[str]:
        """The assistant's text of each turn, as the turns arrive."""
        return _AsyncTextStream(self)

    @property
    def current_result(self) -> AgentResult:
        """The run as far as the stream has gone."""
        return _with_origin(self._transcript.result(), self)

    async def get_final_result(self) -> AgentResult:
        """Read the run to its end and return it collected.

        Raises ``AgentError`` if the agent failed, and the stream's other errors as usual.
        """
        await self.until_done()
        return self.current_result


class AgentStream(EventStream[AgentEvent, AgentEvent]):
    """The events of one agent run (from ``agents.stream()``), whole objects as they come.

    ```python
    with client.agents.stream(messages=messages, tools=tools) as run:
        for text in run.text_stream:
            print(text)
        result = run.get_final_result()
    ```
    """

    def __init__(self, raw: Stream[AgentEvent]) -> None:
        self._transcript = AgentTranscript()
        super().__init__(raw, self._transcript)

    @property
    def text_stream(self) -> Iterator[str]:
        """The assistant's text of each turn, as the turns arrive."""
        return _TextStream(self)

    @property
    def current_result(self) -> AgentResult:
        """The run as far as the stream has gone."""
        return _with_origin(self._transcript.result(), self)

    def get_final_result(self) -> AgentResult:
        """Read the run to its end and return it collected.

        Raises ``AgentError`` if the agent failed, and the stream's other errors as usual.
        """
        self.until_done()
        return self.current_result


def _with_origin(result: AgentResult, stream: AsyncAgentStream | AgentStream) -> AgentResult:
    return set_origin(
        result,
        request_id=stream.request_id,
        retries_taken=stream.retries_taken,
        rate_limits=stream.rate_limits,
    )


def _text_of(event: Any) -> str | None:
    if isinstance(event, AgentCompletion):
        message = event.message
        if message is not None and message.content:
            return message.content
    return None


class _AsyncTextStream:
    __slots__ = ("_events",)

    def __init__(self, events: AsyncAgentStream) -> None:
        self._events = events

    def __aiter__(self) -> _AsyncTextStream:
        return self

    async def __anext__(self) -> str:
        while True:
            text = _text_of(await self._events.__anext__())
            if text is not None:
                return text


class _TextStream:
    __slots__ = ("_events",)

    def __init__(self, events: AgentStream) -> None:
        self._events = events

    def __iter__(self) -> _TextStream:
        return self

    def __next__(self) -> str:
        while True:
            text = _text_of(self._events.__next__())
            if text is not None:
                return text


class AsyncAgentStreamManager(AsyncStreamManager[AsyncAgentStream]):
    """Starts the run on ``async with`` (nothing is sent before) and closes it on exit."""


class AgentStreamManager(StreamManager[AgentStream]):
    """Starts the run on ``with`` (nothing is sent before) and closes it on exit."""
