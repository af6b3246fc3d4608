"""The queue of scripted answers: replies, agent runs, errors and faults.

Each request to a model endpoint takes the first item that applies to it: a chat reply to
chat, an agent run to the agents endpoint, an error or a fault to the endpoint it names (any
of them when it names none).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias, get_args

from ._errors import ErrorReply

__all__ = [
    "ENDPOINTS",
    "Endpoint",
    "FaultKind",
    "Item",
    "Script",
    "ScriptedAgentRun",
    "ScriptedError",
    "ScriptedFault",
    "ScriptedReply",
    "ToolCallSpec",
    "tool_call_specs",
]

FaultKind = Literal[
    "disconnect",
    "disconnect_mid_event",
    "truncate",
    "malformed",
    "nested",
    "oversized",
    "inband_error",
    "slow",
    "hang",
    "not_streamed",
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
Endpoint = Literal["chat", "embeddings", "images", "rerank", "agents"]
ENDPOINTS: tuple[str, ...] = get_args(Endpoint)


@dataclass(frozen=True, slots=True)
class ToolCallSpec:
    """A tool call the emulated model makes; ``arguments`` is the JSON text sent."""

    name: str
    arguments: str
    id: str | None = None


@dataclass(frozen=True, slots=True)
class ScriptedReply:
    """What the emulated model answers. ``None`` fields are filled in by the engine."""

    text: str | None = None
    reasoning: str | None = None
    tool_calls: tuple[ToolCallSpec, ...] = ()
    usage: Mapping[str, Any] | None = None
    finish_reason: str | None = None


@dataclass(frozen=True, slots=True)
class ScriptedAgentRun:
    """One agent run: steps shaped like messages (see ``_agents``), then an ``agent.error``
    with ``error`` as its message when it is set."""

    steps: tuple[Mapping[str, Any], ...]
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ScriptedError:
    """An error response, sent before the request is validated (like the edge would), to the
    next request of ``endpoint`` (of any model endpoint when ``None``)."""

    reply: ErrorReply
    endpoint: Endpoint | None = None


@dataclass(frozen=True, slots=True)
class ScriptedFault:
    """A reply (scripted, or the default one when ``reply`` is ``None``) that goes wrong.

    ``after`` counts the events sent before the fault; ``delay`` is the slow drip's pause
    between events; ``body`` is the in-band error's payload; ``size`` is the oversized
    event's bytes or the nested event's depth.
    """

    kind: FaultKind
    after: int
    delay: float
    body: Mapping[str, Any] | None = None
    reply: ScriptedReply | None = None
    size: int = 0
    endpoint: Endpoint | None = None
    agent_run: ScriptedAgentRun | None = None


Item: TypeAlias = ScriptedReply | ScriptedAgentRun | ScriptedError | ScriptedFault


def applies(item: Item, endpoint: str) -> bool:
    """Whether a request to ``endpoint`` takes ``item``."""
    if isinstance(item, ScriptedReply):
        return endpoint == "chat"
    if isinstance(item, ScriptedAgentRun):
        return endpoint == "agents"
    return item.endpoint is None or item.endpoint == endpoint


class Script:
    """A thread-safe queue of items; the ASGI server may run in another thread than the test."""

    def __init__(self) -> None:
        self._items: deque[Item] = deque()
        self._lock = threading.Lock()

    def push(self, item: Item, times: int = 1) -> None:
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise ValueError(f"times must be an integer >= 1, got {times!r}")
        with self._lock:
            self._items.extend([item] * times)

    def take(
        self, validate: Callable[[], ErrorReply | None], endpoint: str = "chat"
    ) -> tuple[Item | None, ErrorReply | None]:
        """The answer to one request to ``endpoint``: ``(item, None)`` or ``(None, validation
        error)``; the item is the first one that applies to the endpoint, if any.

        A scripted error is sent whatever the request; otherwise the request is validated
        first, and an invalid request leaves the queue as it was.
        """
        with self._lock:
            position = next(
                (i for i, item in enumerate(self._items) if applies(item, endpoint)), None
            )
            head = self._items[position] if position is not None else None
            if isinstance(head, ScriptedError):
                del self._items[position]  # type: ignore[arg-type]
                return head, None
            problem = validate()
            if problem is not None:
                return None, problem
            if position is not None:
                del self._items[position]
            return head, None

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def pending(self) -> list[Item]:
        with self._lock:
            return list(self._items)


def tool_call_specs(tool_calls: Iterable[Mapping[str, Any]] | None) -> tuple[ToolCallSpec, ...]:
    """``[{"name": ..., "arguments": dict or JSON string, "id"?: ...}]`` to specs."""
    if tool_calls is None:
        return ()
    if isinstance(tool_calls, Mapping | str):
        raise TypeError("tool_calls must be a list of {'name': ..., 'arguments': ...} dicts")
    specs: list[ToolCallSpec] = []
    for position, call in enumerate(tool_calls):
        if not isinstance(call, Mapping) or not isinstance(call.get("name"), str):
            raise TypeError(f"tool_calls[{position}] must be a dict with a 'name' string")
        arguments = call.get("arguments", {})
        if not isinstance(arguments, str):
            arguments = json.dumps(arguments)
        call_id = call.get("id")
        specs.append(ToolCallSpec(call["name"], arguments, str(call_id) if call_id else None))
    return tuple(specs)


def check_fault(kind: str, after: int, delay: float, size: int = 1) -> None:
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault {kind!r}; choose one of {', '.join(FAULT_KINDS)}")
    if isinstance(after, bool) or not isinstance(after, int) or after < 0:
        raise ValueError(f"after must be an integer >= 0, got {after!r}")
    if isinstance(delay, bool) or not isinstance(delay, int | float) or not delay >= 0:
        raise ValueError(f"delay must be a number of seconds >= 0, got {delay!r}")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be an integer >= 1, got {size!r}")
