"""What a relayed reply says, whatever stream it came from: a few neutral parts.

Sources (``_sources``) turn their items into parts; each protocol (``_events_protocol``,
``_ai_sdk``) turns parts into server-sent events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

__all__ = [
    "Failure",
    "Finish",
    "Part",
    "ReasoningDelta",
    "ReasoningEnd",
    "StepEnd",
    "StepStart",
    "TextDelta",
    "TextEnd",
    "ToolInputDelta",
    "ToolInputDone",
    "ToolInputStart",
    "ToolOutput",
]


@dataclass(frozen=True, slots=True)
class StepStart:
    """One model call begins (a tool runner makes one per round)."""


@dataclass(frozen=True, slots=True)
class StepEnd:
    """That model call has ended."""


@dataclass(frozen=True, slots=True)
class TextDelta:
    delta: str


@dataclass(frozen=True, slots=True)
class TextEnd:
    """The text block that was open is complete."""


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    delta: str


@dataclass(frozen=True, slots=True)
class ReasoningEnd:
    """The reasoning block that was open is complete."""


@dataclass(frozen=True, slots=True)
class ToolInputStart:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class ToolInputDelta:
    id: str
    delta: str


@dataclass(frozen=True, slots=True)
class ToolInputDone:
    """A tool call's whole input: the parsed JSON, or the raw text when it is not JSON."""

    id: str
    name: str
    input: Any


@dataclass(frozen=True, slots=True)
class ToolOutput:
    id: str
    name: str
    output: Any
    is_error: bool = False


@dataclass(frozen=True, slots=True)
class Finish:
    """The reply is whole: why the model stopped, and the tokens used (as the server said)."""

    finish_reason: str | None
    usage: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Failure:
    """The reply failed; ``type`` names the error class."""

    message: str
    type: str


Part: TypeAlias = (
    StepStart
    | StepEnd
    | TextDelta
    | TextEnd
    | ReasoningDelta
    | ReasoningEnd
    | ToolInputStart
    | ToolInputDelta
    | ToolInputDone
    | ToolOutput
    | Finish
    | Failure
)
