"""Items of any stream the relay takes, as neutral parts.

- raw chunks (``ChatCompletionChunk``, from ``create(stream=True)``): put through a
  ``ChatCompletionAccumulator`` and read as the helper's events;
- the chat helper's events (``chat.completions.stream()``), by their ``type``;
- the tool runner's events (``run_tools(stream=True)``): the chat events of each round, plus
  ``tool_call.result`` and ``round.done``;
- the agents stream's whole objects, by their ``object`` (``chat.completion``,
  ``tool.completion``, ``tool.error``, ``agent.error``).

Only the first choice is relayed (Heroku answers with one).
"""

from __future__ import annotations

import json
from typing import Any

from .._accumulate import ChatCompletionAccumulator
from ..types.chat import ChatCompletionChunk
from ._parts import (
    Failure,
    Finish,
    Part,
    ReasoningDelta,
    ReasoningEnd,
    StepEnd,
    StepStart,
    TextDelta,
    TextEnd,
    ToolInputDelta,
    ToolInputDone,
    ToolInputStart,
    ToolOutput,
)

__all__ = ["PartsOf"]


class PartsOf:
    """Turns one stream's items into parts, keeping what blocks are open."""

    def __init__(self) -> None:
        self._accumulator: ChatCompletionAccumulator | None = None
        self._in_step = False
        self._text_open = False
        self._reasoning_open = False
        self._tool_ids: dict[int, str] = {}  # tool-call index -> the id relayed for it
        self._tool_names: dict[str, str] = {}  # every tool call relayed, by id
        self._text_in_step = False
        self._finish_reason: str | None = None
        self._step_usage: dict[str, Any] | None = None
        self._usage: dict[str, Any] | None = None  # summed over the steps

    def take(self, item: Any) -> list[Part]:
        parts: list[Part] = []
        if isinstance(item, ChatCompletionChunk):
            if self._accumulator is None:
                self._accumulator = ChatCompletionAccumulator()
            for event in self._accumulator.add(item):
                self._event(event, parts)
        elif isinstance(getattr(item, "type", None), str):
            self._event(item, parts)
        elif isinstance(getattr(item, "object", None), str):
            self._agent_object(item, parts)
        return parts

    def finish(self) -> list[Part]:
        """The parts a whole reply still owes."""
        parts: list[Part] = []
        if self._accumulator is not None:
            for event in self._accumulator.finish():
                self._event(event, parts)
        self._end_step(parts)
        parts.append(Finish(self._finish_reason, self._usage))
        return parts

    def fail(self, message: str, kind: str) -> list[Part]:
        """The parts of a reply that failed: open blocks closed, then the failure."""
        parts: list[Part] = []
        self._close_blocks(parts)
        parts.append(Failure(message, kind))
        return parts

    # -- chat events (and the tool runner's) -------------------------------------------------

    def _event(self, event: Any, parts: list[Part]) -> None:
        kind: str = event.type
        if getattr(event, "choice_index", 0):
            return
        if kind == "chunk":
            self._chunk(event.chunk)
        elif kind in ("content.delta", "refusal.delta"):
            self._start_step(parts)
            self._end_reasoning(parts)
            self._text_open = self._text_in_step = True
            parts.append(TextDelta(event.delta))
        elif kind in ("content.done", "refusal.done"):
            self._end_text(parts)
        elif kind == "reasoning.delta":
            self._start_step(parts)
            self._reasoning_open = True
            parts.append(ReasoningDelta(event.delta))
        elif kind == "reasoning.done":
            self._end_reasoning(parts)
        elif kind == "tool_calls.function.arguments.delta":
            call_id = self._tool_start(event.index, event.id, event.name, parts)
            parts.append(ToolInputDelta(call_id, event.arguments_delta))
        elif kind == "tool_calls.function.arguments.done":
            call_id = self._tool_start(event.index, event.id, event.name, parts)
            given = event.parsed_arguments
            parts.append(
                ToolInputDone(
                    call_id, event.name or "", event.arguments if given is None else given
                )
            )
        elif kind == "tool_call.start":
            self._runner_call(event, parts)
        elif kind == "tool_call.result":
            self._tool_result(event, parts)
        elif kind == "round.done":
            self._round_done(event.completion, parts)

    def _chunk(self, chunk: ChatCompletionChunk) -> None:
        if chunk.usage is not None:
            self._step_usage = chunk.usage.to_dict()
        for choice in chunk.choices:
            if choice.index == 0 and choice.finish_reason:
                self._finish_reason = choice.finish_reason

    def _runner_call(self, event: Any, parts: list[Part]) -> None:
        """A call the runner is about to run; already relayed when the round streamed."""
        if event.id in self._tool_names:
            return
        self._start_step(parts)
        self._close_blocks(parts)
        self._tool_names[event.id] = event.name
        parts.append(ToolInputStart(event.id, event.name))
        parts.append(ToolInputDone(event.id, event.name, _parsed(event.arguments)))

    def _round_done(self, completion: Any, parts: list[Part]) -> None:
        """A round of the runner is over. Unstreamed, its text arrives only now."""
        choices = completion.choices
        message = choices[0].message if choices else None
        text = getattr(message, "content", None)
        if not self._text_in_step and isinstance(text, str) and text:
            self._start_step(parts)
            parts.append(TextDelta(text))
            parts.append(TextEnd())
        if choices and choices[0].finish_reason:
            self._finish_reason = choices[0].finish_reason
        if completion.usage is not None:
            self._step_usage = completion.usage.to_dict()
        self._end_step(parts)
        self._tool_ids.clear()

    def _tool_start(
        self, index: int, call_id: str | None, name: str | None, parts: list[Part]
    ) -> str:
        relayed = self._tool_ids.get(index)
        if relayed is None:
            self._start_step(parts)
            self._close_blocks(parts)
            relayed = self._tool_ids[index] = call_id or f"call_{index}"
            self._tool_names[relayed] = name or ""
            parts.append(ToolInputStart(relayed, name or ""))
        return relayed

    def _tool_result(self, event: Any, parts: list[Part]) -> None:
        call = getattr(event, "call", None) or event
        call_id = str(getattr(call, "id", None) or getattr(event, "tool_call_id", "") or "")
        name = str(getattr(call, "name", None) or self._tool_names.get(call_id, ""))
        output = getattr(event, "output", None)
        if output is None:
            output = getattr(event, "content", None)
        parts.append(
            ToolOutput(call_id, name, _jsonable(output), bool(getattr(event, "is_error", False)))
        )

    # -- agents objects ------------------------------------------------------------------------

    def _agent_object(self, item: Any, parts: list[Part]) -> None:
        kind: str = item.object
        if kind == "chat.completion":
            self._agent_turn(item, parts)
        elif kind == "tool.completion":
            message = _first_message(item)
            call_id = str(getattr(message, "tool_call_id", "") or "")
            name = str(getattr(message, "name", "") or self._tool_names.get(call_id, ""))
            parts.append(ToolOutput(call_id, name, getattr(message, "content", None)))
        elif kind == "tool.error":
            call_id = str(getattr(item, "tool_call_id", None) or getattr(item, "id", "") or "")
            name = str(getattr(item, "name", "") or "")
            error = getattr(item, "error", None) or getattr(item, "message", "")
            parts.append(ToolOutput(call_id, name, str(error), is_error=True))
        elif kind == "agent.error":
            message = getattr(item, "message", None) or getattr(item, "error", "") or "agent error"
            parts.extend(self.fail(str(message), "AgentError"))

    def _agent_turn(self, item: Any, parts: list[Part]) -> None:
        self._start_step(parts)
        message = _first_message(item)
        text = getattr(message, "content", None)
        if isinstance(text, str) and text:
            self._text_in_step = True
            parts.append(TextDelta(text))
            parts.append(TextEnd())
        for call in getattr(message, "tool_calls", None) or ():
            function = call.function
            self._tool_names[call.id] = function.name
            parts.append(ToolInputStart(call.id, function.name))
            parts.append(ToolInputDone(call.id, function.name, _parsed(function.arguments)))
        usage = getattr(item, "usage", None)
        if usage is not None and hasattr(usage, "to_dict") and usage.to_dict():
            self._step_usage = usage.to_dict()
        choices = getattr(item, "choices", None) or ()
        if choices and getattr(choices[0], "finish_reason", None):
            self._finish_reason = choices[0].finish_reason
        self._end_step(parts)

    # -- blocks --------------------------------------------------------------------------------

    def _start_step(self, parts: list[Part]) -> None:
        if not self._in_step:
            self._in_step = True
            parts.append(StepStart())

    def _end_step(self, parts: list[Part]) -> None:
        self._close_blocks(parts)
        if self._step_usage is not None:
            self._usage = _summed(self._usage, self._step_usage)
            self._step_usage = None
        if self._in_step:
            self._in_step = False
            self._text_in_step = False
            parts.append(StepEnd())

    def _end_text(self, parts: list[Part]) -> None:
        if self._text_open:
            self._text_open = False
            parts.append(TextEnd())

    def _end_reasoning(self, parts: list[Part]) -> None:
        if self._reasoning_open:
            self._reasoning_open = False
            parts.append(ReasoningEnd())

    def _close_blocks(self, parts: list[Part]) -> None:
        self._end_reasoning(parts)
        self._end_text(parts)


def _summed(total: dict[str, Any] | None, step: dict[str, Any]) -> dict[str, Any]:
    """Token counts added up over steps (counters that are not numbers: the last one's)."""
    if total is None:
        return dict(step)
    summed = dict(total)
    for key, value in step.items():
        before = summed.get(key)
        both_numbers = isinstance(value, int | float) and isinstance(before, int | float)
        summed[key] = before + value if both_numbers else value
    return summed


def _first_message(item: Any) -> Any:
    choices = getattr(item, "choices", None) or ()
    return getattr(choices[0], "message", None) if choices else None


def _parsed(arguments: object) -> object:
    if not isinstance(arguments, str):
        return arguments
    try:
        return json.loads(arguments)
    except (ValueError, RecursionError):
        return arguments


def _jsonable(value: object) -> object:
    """A tool's output as JSON can carry it (models as dicts, anything else as text)."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return str(value)
    return value
