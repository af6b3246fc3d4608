"""What the tool runner reports: typed events, its result, and its errors.

Events are slotted dataclasses whose ``type`` is a class attribute, like the chat stream's
(``_events.py``), so ``event.type == "tool_call.result"`` narrows the union::

    async for event in run:
        if event.type == "tool_call.start":
            print(f"calling {event.name}({event.arguments})")
        elif event.type == "tool_call.result":
            print(("failed: " if event.is_error else "") + event.content)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeAlias

from ._events import ChatCompletionStreamEvent
from .types.chat import ChatCompletion

__all__ = [
    "RoundDoneEvent",
    "ToolCallResultEvent",
    "ToolCallStartEvent",
    "ToolRunEvent",
    "ToolRunResult",
]


@dataclass(slots=True)
class ToolCallStartEvent:
    """A tool call about to run (on the async client, the calls of a turn run together)."""

    type: ClassVar[Literal["tool_call.start"]] = "tool_call.start"
    round: int
    """The round (model call) that asked for it, from 1."""
    index: int
    """Its position among the calls of that round."""
    id: str
    name: str
    arguments: str
    """The arguments as the model sent them (JSON text)."""


@dataclass(slots=True)
class ToolCallResultEvent:
    """A tool call's result, as it was given to the model.

    ``content`` is the text sent back; ``output`` what the function returned (``None`` on an
    error); ``error`` the exception when ``is_error`` (the tool raised, its arguments did not
    fit, or no tool has that name).
    """

    type: ClassVar[Literal["tool_call.result"]] = "tool_call.result"
    round: int
    index: int
    id: str
    name: str
    content: str
    output: Any
    is_error: bool
    error: BaseException | None


@dataclass(slots=True)
class RoundDoneEvent:
    """A round is over: the model answered and the tools it called (if any) have run.

    ``final`` is true for the round whose completion ends the run.
    """

    type: ClassVar[Literal["round.done"]] = "round.done"
    round: int
    completion: ChatCompletion
    final: bool


ToolRunEvent: TypeAlias = (
    ToolCallStartEvent | ToolCallResultEvent | RoundDoneEvent | ChatCompletionStreamEvent
)
"""Any event of a tool run; the chat stream's events come only with ``stream=True``."""


@dataclass(frozen=True, slots=True)
class ToolRunResult:
    """How a tool run ended: the last completion, the whole history, and the rounds it took.

    ``messages`` holds the messages given to ``run_tools()`` and every assistant turn and tool
    result after them, ready to send again with a new user message appended.
    """

    completion: ChatCompletion
    messages: list[Any]
    rounds: int
