"""Tool calls of one streamed choice, put back together from their fragments.

Fragments belong to a call by ``index``. Servers that leave ``index`` out are tolerated: a
known id names its call; a new id starts the next call, unless the call started last has no
id yet (then it is that call's late id); a fragment without an id continues the call started
last.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pydantic
import pydantic_core

from ._events import (
    ChatCompletionStreamEvent,
    ToolCallArgumentsDeltaEvent,
    ToolCallArgumentsDoneEvent,
)
from ._fragments import merge_extra, parse_json
from .types.chat import Function, ToolCall, ToolCallDelta

__all__ = ["ToolCallAssembly", "ToolCalls"]

Events = list[ChatCompletionStreamEvent] | None
"""Where events go; ``None`` when nobody will read them, so they are never built."""


class ToolCallAssembly:
    """One tool call: what has arrived of it so far."""

    __slots__ = ("arguments", "done", "extra", "id", "index", "may_be_complete", "name", "type")

    def __init__(self, index: int) -> None:
        self.index = index
        self.id: str | None = None
        self.type: str | None = None
        self.name: str | None = None
        self.arguments: list[str] = []  # append-only: delta events keep a reference to it
        self.extra: dict[str, Any] = {}
        self.may_be_complete = False  # the last fragment ends with "}" or "]"
        self.done = False

    def build(self) -> ToolCall:
        function = Function.model_construct(name=self.name or "", arguments="".join(self.arguments))
        values: dict[str, Any] = dict(self.extra)
        values.update(id=self.id or "", type=self.type or "function", function=function)
        return ToolCall.model_construct(set(values), **values)


class ToolCalls:
    """The tool calls of one choice, by index, and the events they produce."""

    __slots__ = ("_by_id", "_by_index", "_choice_index", "_current", "_latest")

    def __init__(self, choice_index: int) -> None:
        self._choice_index = choice_index
        self._by_index: dict[int, ToolCallAssembly] = {}
        self._by_id: dict[str, ToolCallAssembly] = {}
        self._current: ToolCallAssembly | None = None  # the call that got the last fragment
        self._latest: ToolCallAssembly | None = None  # the call started last

    def __bool__(self) -> bool:
        return bool(self._by_index)

    def take(self, delta: ToolCallDelta, events: Events) -> None:
        """Add one fragment to its call."""
        index = delta.index if delta.index is not None else self._index_of(delta)
        call = self._by_index.get(index)
        if call is None:
            call = self._by_index[index] = self._latest = ToolCallAssembly(index)
        current = self._current
        if call is not current:
            if current is not None and current.may_be_complete and not current.done:
                # Calls may interleave, so the call left behind is done only if its
                # arguments are already complete JSON (no JSON object extends another).
                current.may_be_complete = False
                self._finish(current, events, only_if_complete=True)
            self._current = call
        if delta.id and delta.id != call.id:
            call.id = delta.id
            self._by_id[delta.id] = call
        if delta.type:
            call.type = delta.type
        function = delta.function
        if function is not None:
            if function.name:
                call.name = function.name
            if text := function.arguments:
                arguments = call.arguments
                arguments.append(text)
                if stripped := text.rstrip():
                    call.may_be_complete = stripped[-1] in "}]"
                if events is not None:
                    events.append(
                        ToolCallArgumentsDeltaEvent(
                            self._choice_index,
                            index,
                            call.name,
                            text,
                            arguments,
                            len(arguments),
                            call.id,
                        )
                    )
        if delta.__pydantic_extra__:
            merge_extra(call.extra, delta.__pydantic_extra__, concat=False)

    def _index_of(self, delta: ToolCallDelta) -> int:
        known = self._by_id.get(delta.id) if delta.id else None
        if known is not None:
            return known.index
        latest = self._latest
        if latest is None:
            return 0
        if delta.id and latest.id:
            return max(self._by_index) + 1
        return latest.index

    def missing(self, raw_calls: list[Any]) -> Iterator[ToolCallDelta]:
        """The tool calls of a whole ``message`` (sent by some servers in the finishing chunk)
        that the fragments did not bring, as fragments to ``take()`` one after another."""
        known_ids = {call.id for call in self._by_index.values() if call.id}
        for position, raw in enumerate(raw_calls):
            if not isinstance(raw, dict):
                continue
            function = raw.get("function")
            if isinstance(function, dict) and isinstance(function.get("arguments"), dict | list):
                encoded = pydantic_core.to_json(function["arguments"]).decode()
                function = {**function, "arguments": encoded}
            try:
                delta = ToolCallDelta.model_validate({**raw, "function": function})
            except pydantic.ValidationError:
                continue
            if delta.index is None:
                delta.index = position
            if delta.index not in self._by_index and not (delta.id and delta.id in known_ids):
                yield delta

    def close(self, events: Events) -> None:
        """Every call not done yet is done (the choice has finished)."""
        for index in sorted(self._by_index):
            call = self._by_index[index]
            if not call.done:
                self._finish(call, events)

    def _finish(
        self, call: ToolCallAssembly, events: Events, *, only_if_complete: bool = False
    ) -> None:
        if events is None:
            call.done = True
            return
        arguments = "".join(call.arguments)
        parsed = parse_json(arguments)
        if only_if_complete and parsed is None:
            return
        call.done = True
        events.append(
            ToolCallArgumentsDoneEvent(
                self._choice_index, call.index, call.id, call.name, arguments, parsed
            )
        )

    def build(self) -> list[ToolCall]:
        return [self._by_index[index].build() for index in sorted(self._by_index)]
