"""Typed events of a chat-completion stream, as produced by ``ChatCompletionAccumulator.add()``.

Every event is a small slotted dataclass whose ``type`` (a class attribute) is a string
literal, so checking it narrows the union for type checkers. Events are built once per
chunk on the hot path, so they are plain, not frozen: treat them as read-only::

    for event in accumulator.add(chunk):
        if event.type == "content.delta":
            print(event.delta, end="")
        elif event.type == "tool_calls.function.arguments.done":
            run(event.name, event.parsed_arguments)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal, TypeAlias

import pydantic_core

from .types.chat import ChatCompletionChunk, Reasoning

__all__ = [
    "ChatCompletionStreamEvent",
    "ChunkEvent",
    "ContentDeltaEvent",
    "ContentDoneEvent",
    "ReasoningDeltaEvent",
    "ReasoningDoneEvent",
    "RefusalDeltaEvent",
    "RefusalDoneEvent",
    "ToolCallArgumentsDeltaEvent",
    "ToolCallArgumentsDoneEvent",
]


@dataclass(slots=True)
class ChunkEvent:
    """A chunk as it arrived; always the first event of the chunk's batch."""

    type: ClassVar[Literal["chunk"]] = "chunk"
    chunk: ChatCompletionChunk


@dataclass(slots=True)
class ContentDeltaEvent:
    """A non-empty fragment of a choice's text."""

    type: ClassVar[Literal["content.delta"]] = "content.delta"
    choice_index: int
    delta: str


@dataclass(slots=True)
class ContentDoneEvent:
    """A choice's whole text, once the choice has finished."""

    type: ClassVar[Literal["content.done"]] = "content.done"
    choice_index: int
    content: str


@dataclass(slots=True)
class RefusalDeltaEvent:
    """A non-empty fragment of a choice's refusal."""

    type: ClassVar[Literal["refusal.delta"]] = "refusal.delta"
    choice_index: int
    delta: str


@dataclass(slots=True)
class RefusalDoneEvent:
    """A choice's whole refusal, once the choice has finished."""

    type: ClassVar[Literal["refusal.done"]] = "refusal.done"
    choice_index: int
    refusal: str


@dataclass(slots=True)
class ReasoningDeltaEvent:
    """A non-empty fragment of the model's thinking."""

    type: ClassVar[Literal["reasoning.delta"]] = "reasoning.delta"
    choice_index: int
    delta: str


@dataclass(slots=True)
class ReasoningDoneEvent:
    """The whole reasoning of a choice (thinking and signature), once the answer has started."""

    type: ClassVar[Literal["reasoning.done"]] = "reasoning.done"
    choice_index: int
    reasoning: Reasoning


@dataclass(slots=True)
class ToolCallArgumentsDeltaEvent:
    """A non-empty fragment of a tool call's JSON arguments.

    ``arguments`` (the text so far) and ``partial_arguments()`` (that text parsed as far as it
    goes) are computed only when asked for, so ignoring them costs nothing.
    """

    type: ClassVar[Literal["tool_calls.function.arguments.delta"]] = (
        "tool_calls.function.arguments.delta"
    )
    choice_index: int
    index: int
    """The tool call's index within the choice."""
    name: str | None
    """The function's name, if it has arrived yet."""
    arguments_delta: str
    _fragments: list[str] = field(repr=False, compare=False)
    _count: int = field(repr=False)
    id: str | None = None
    """The tool call's id, if it has arrived yet."""

    @property
    def arguments(self) -> str:
        """The arguments received up to and including this fragment."""
        return "".join(self._fragments[: self._count])

    def partial_arguments(self) -> object:
        """The arguments so far parsed as partial JSON (an unfinished trailing string is left
        out), or ``None`` when there is nothing parseable yet."""
        text = self.arguments
        if not text:
            return None
        try:
            return pydantic_core.from_json(text, allow_partial=True)
        except ValueError:
            return None


@dataclass(slots=True)
class ToolCallArgumentsDoneEvent:
    """A tool call whose arguments are complete.

    ``parsed_arguments`` is the decoded JSON, or ``None`` when ``arguments`` is not valid JSON.
    """

    type: ClassVar[Literal["tool_calls.function.arguments.done"]] = (
        "tool_calls.function.arguments.done"
    )
    choice_index: int
    index: int
    id: str | None
    name: str | None
    arguments: str
    parsed_arguments: object | None


ChatCompletionStreamEvent: TypeAlias = (
    ChunkEvent
    | ContentDeltaEvent
    | ContentDoneEvent
    | RefusalDeltaEvent
    | RefusalDoneEvent
    | ReasoningDeltaEvent
    | ReasoningDoneEvent
    | ToolCallArgumentsDeltaEvent
    | ToolCallArgumentsDoneEvent
)
"""Any event of a chat-completion stream; ``event.type`` tells which."""
