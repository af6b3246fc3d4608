"""The tool runner's rounds, without I/O: what to send, what the model asked for, what to
append. Both drivers (``_tool_runner.py``) make the same decisions through it.

A round is one model call and the tools it asked for. The loop ends on a reply without tool
calls (or one cut off by ``max_tokens``: its calls may be truncated, so none is run). After
``max_rounds`` rounds that still called tools, the next request raises ``MaxRoundsExceeded``
instead of being sent; the history then ends with the last round's tool results, so it can
be sent again as it is.

Thinking (``extended_thinking``, or ``reasoning_effort`` on Claude) stays on while the history
does not continue a tool loop, which in practice means the first round: Heroku cannot take back
the signed thinking block that Claude requires on the turn that called the tools, and answers
400. Later rounds are sent without thinking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ._message_rules import tool_result_content
from ._thinking_checks import needs_thinking_off, without_thinking
from ._tool import FunctionTool, Tool
from ._tool_defaults import DEFAULT_MAX_CONCURRENCY, DEFAULT_MAX_ROUNDS
from ._tool_errors import MaxRoundsExceeded, ToolArgumentsError, UnknownToolError
from ._tool_events import (
    RoundDoneEvent,
    ToolCallResultEvent,
    ToolCallStartEvent,
    ToolRunResult,
)
from .resources._chat_call import replayable_message
from .types.chat import ChatCompletion, ChatCompletionMessage

__all__ = ["DEFAULT_MAX_CONCURRENCY", "DEFAULT_MAX_ROUNDS", "PlannedCall", "ToolLoop"]

METHOD = "run_tools"


@dataclass(slots=True)
class PlannedCall:
    """One tool call of a round: ready to run (``run``), or already failed (``error``)."""

    index: int
    id: str
    name: str
    arguments: str
    tool: FunctionTool[..., Any] | None
    run: Callable[[], Any] | None
    error: Exception | None


class ToolLoop:
    """The state of one tool run: its history, its tools and its rounds."""

    def __init__(
        self,
        *,
        messages: Iterable[Any],
        tools: Iterable[Any],
        params: Mapping[str, Any],
        max_rounds: int,
        raise_tool_errors: bool,
        is_async: bool,
    ) -> None:
        if isinstance(max_rounds, bool) or not isinstance(max_rounds, int) or max_rounds < 1:
            raise ValueError(f"{METHOD}(): max_rounds must be an integer >= 1, got {max_rounds!r}")
        if isinstance(messages, str | bytes | Mapping) or not isinstance(messages, Iterable):
            raise TypeError(f"{METHOD}(): messages must be a list of messages")
        if isinstance(tools, str | bytes | Mapping) or not isinstance(tools, Iterable):
            raise TypeError(f"{METHOD}(): tools must be a list of tools")
        self.tools = list(tools)
        self.runnable = _runnable(self.tools, is_async)
        self.history: list[Any] = list(messages)
        self.params = dict(params)
        self.max_rounds = max_rounds
        self.raise_tool_errors = raise_tool_errors
        self.rounds = 0
        self.completion: ChatCompletion | None = None
        self._exceeded: MaxRoundsExceeded | None = None

    def request_params(self) -> dict[str, Any]:
        """The keyword arguments of the next model call; raises ``MaxRoundsExceeded`` when
        the rounds are spent."""
        if self._exceeded is not None:
            raise self._exceeded
        params = {**self.params, "messages": self.history, "tools": self.tools}
        if self.rounds and _forces_a_tool(params.get("tool_choice")):
            # A forced choice holds for the first round only: forced on every round, the
            # model could never answer and the run could never end.
            del params["tool_choice"]
        return without_thinking(params) if needs_thinking_off(self.history) else params

    def take_completion(self, completion: ChatCompletion) -> list[PlannedCall]:
        """Record the model's reply; return the tool calls to run (none: the run is over)."""
        self.rounds += 1
        self.completion = completion
        if not completion.choices:
            return []
        choice = completion.choices[0]
        message = choice.message
        planned = [] if choice.finish_reason == "length" else self._plan(message)
        self.history.append(replayable_message(message))
        return planned

    def _plan(self, message: ChatCompletionMessage) -> list[PlannedCall]:
        planned = []
        for index, call in enumerate(message.tool_calls or []):
            name, arguments = call.function.name, call.function.arguments
            tool = self.runnable.get(name)
            run: Callable[[], Any] | None = None
            error: Exception | None = None
            if tool is None:
                known = ", ".join(sorted(self.runnable)) or "none"
                error = UnknownToolError(f"there is no tool named {name!r}; the tools are: {known}")
            else:
                try:
                    run = tool.bind(arguments)
                except ToolArgumentsError as exc:
                    error = exc
            planned.append(PlannedCall(index, call.id, name, arguments, tool, run, error))
        return planned

    def start_event(self, call: PlannedCall) -> ToolCallStartEvent:
        return ToolCallStartEvent(self.rounds, call.index, call.id, call.name, call.arguments)

    def result_event(
        self, call: PlannedCall, output: Any, error: Exception | None
    ) -> ToolCallResultEvent:
        """A call's outcome as the model will see it. An exception the tool raised is
        re-raised here instead when the run was asked to (``raise_tool_errors``)."""
        if error is None:
            content = tool_result_content(output, strict=False)
        elif call.error is not None:
            content = f"Error: {error}"
            if isinstance(error, ToolArgumentsError):
                content += f"\nCall {call.name} again with corrected arguments."
        else:
            if self.raise_tool_errors:
                raise error
            content = f"Error: {type(error).__name__}: {error}"
        return ToolCallResultEvent(
            self.rounds, call.index, call.id, call.name, content, output, error is not None, error
        )

    def finish_round(self, results: list[ToolCallResultEvent]) -> RoundDoneEvent:
        """Append the round's results in call order, whatever order they finished in."""
        assert self.completion is not None
        for event in sorted(results, key=lambda event: event.index):
            self.history.append(
                {"role": "tool", "tool_call_id": event.id, "content": event.content}
            )
        if self.rounds >= self.max_rounds:
            self._exceeded = MaxRoundsExceeded(
                f"The model still called tools after max_rounds={self.max_rounds} rounds. "
                "Their results are in .messages: pass them to run_tools() again to go on, "
                "or raise max_rounds.",
                messages=list(self.history),
                completion=self.completion,
            )
        return RoundDoneEvent(self.rounds, self.completion, final=False)

    def final_round(self) -> RoundDoneEvent:
        assert self.completion is not None
        return RoundDoneEvent(self.rounds, self.completion, final=True)

    def result(self) -> ToolRunResult:
        assert self.completion is not None
        return ToolRunResult(self.completion, list(self.history), self.rounds)


def _forces_a_tool(choice: object) -> bool:
    return choice == "required" or isinstance(choice, Mapping)


def _runnable(tools: list[Any], is_async: bool) -> dict[str, FunctionTool[..., Any]]:
    runnable: dict[str, FunctionTool[..., Any]] = {}
    for position, item in enumerate(tools):
        if not isinstance(item, Tool | Mapping):
            raise TypeError(
                f"{METHOD}(): tools[{position}] must be a @tool function, a Tool or a tool "
                f"dict, got {type(item).__name__}"
            )
        if not isinstance(item, FunctionTool):
            continue  # offered to the model, but nothing to run: a call gets an error result
        if item.name in runnable:
            raise ValueError(f"{METHOD}(): two tools are named {item.name!r}")
        if item.is_async and not is_async:
            raise TypeError(
                f"{METHOD}(): tool {item.name!r} is an async function, which the sync Client "
                "cannot run (it starts no event loop); use AsyncClient, or make it a plain def"
            )
        runnable[item.name] = item
    return runnable
