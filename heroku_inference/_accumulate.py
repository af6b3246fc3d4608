"""``ChatCompletionAccumulator``: streamed chunks back into a ``ChatCompletion``, with typed
events along the way. Each choice is put together by a ``ChoiceAssembly``."""

from __future__ import annotations

from typing import Any

from ._choice_assembly import ChoiceAssembly
from ._events import ChatCompletionStreamEvent, ChunkEvent
from ._fragments import joined
from .types.chat import ChatCompletion, ChatCompletionChunk, Usage

__all__ = ["ChatCompletionAccumulator"]

# Random padding OpenAI adds to every chunk; it means nothing once the stream is reassembled.
_IGNORED_TOP_LEVEL = frozenset({"obfuscation"})


class ChatCompletionAccumulator:
    """Rebuilds a ``ChatCompletion`` from streamed chunks, reporting typed events as it goes.

    It does no I/O, so it works on chunks relayed from anywhere::

        acc = ChatCompletionAccumulator()
        for chunk in chunks:
            for event in acc.add(chunk):
                if event.type == "content.delta":
                    print(event.delta, end="")
        acc.finish()  # .done events a stream without a finish_reason still owes
        completion = acc.completion()

    ``.done`` events: reasoning is done when the answer (content, refusal or a tool call)
    starts; a tool call is done when the stream moves on to another call and its arguments
    already form complete JSON; everything still open is done when the choice's
    ``finish_reason`` arrives. No ``.done`` event is emitted twice.
    """

    __slots__ = ("_choices", "_created", "_extra", "_fingerprint", "_id", "_model", "_usage")

    def __init__(self) -> None:
        self._id = ""
        self._model = ""
        self._created = 0
        self._fingerprint: str | None = None
        self._usage: Usage | None = None
        self._extra: dict[str, Any] = {}
        self._choices: dict[int, ChoiceAssembly] = {}

    def add(self, chunk: ChatCompletionChunk) -> list[ChatCompletionStreamEvent]:
        """Take in one chunk; return the events it produced, its ``ChunkEvent`` first."""
        events: list[ChatCompletionStreamEvent] = [ChunkEvent(chunk)]
        self._take(chunk, events)
        return events

    def consume(self, chunk: ChatCompletionChunk) -> None:
        """Take in one chunk like ``add()`` without building events: for when only the final
        completion matters. Events for what it took in are not emitted later either."""
        self._take(chunk, None)

    def finish(self) -> list[ChatCompletionStreamEvent]:
        """Return the ``.done`` events not yet emitted, for every choice. Idempotent."""
        events: list[ChatCompletionStreamEvent] = []
        for index in sorted(self._choices):
            self._choices[index].close(events)
        return events

    def completion(self) -> ChatCompletion:
        """The completion built so far: a new object on every call, safe to call mid-stream."""
        values: dict[str, Any] = joined(self._extra)
        values.update(
            id=self._id,
            object="chat.completion",
            created=self._created,
            model=self._model,
            choices=[self._choices[index].build() for index in sorted(self._choices)],
        )
        if self._fingerprint is not None:
            values["system_fingerprint"] = self._fingerprint
        if self._usage is not None:
            values["usage"] = self._usage.model_copy(deep=True)
        return ChatCompletion.model_construct(set(values), **values)

    def _take(
        self, chunk: ChatCompletionChunk, events: list[ChatCompletionStreamEvent] | None
    ) -> None:
        if value := chunk.id:
            self._id = value
        if value := chunk.model:
            self._model = value
        if created := chunk.created:
            self._created = created
        if fingerprint := chunk.system_fingerprint:
            self._fingerprint = fingerprint
        if chunk.usage is not None:
            self._usage = chunk.usage
        if extra := chunk.__pydantic_extra__:
            for key, value in extra.items():
                if key not in _IGNORED_TOP_LEVEL and (value is not None or key not in self._extra):
                    self._extra[key] = value
        choices = self._choices
        for choice in chunk.choices:
            assembly = choices.get(choice.index)
            if assembly is None:
                assembly = choices[choice.index] = ChoiceAssembly(choice.index)
            assembly.take(choice, events)
