"""``protocol="ai-sdk"``: the Vercel AI SDK's UI message stream protocol, v1.

What ``useChat`` (React, Vue, Svelte) reads, so an AI SDK front end works against a Python
backend unchanged. Every event is ``data: {json}`` with a ``type``; the response carries the
header ``x-vercel-ai-ui-message-stream: v1``; the stream ends with ``data: [DONE]``.
Reference: ``content/docs/04-ai-sdk-ui/50-stream-protocol.mdx`` in vercel/ai.
"""

from __future__ import annotations

import itertools
from typing import Any

from ._frames import Frame, json_text
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

__all__ = ["AI_SDK_HEADERS", "AiSdkProtocol"]

AI_SDK_HEADERS = {"x-vercel-ai-ui-message-stream": "v1"}

_FINISH_REASONS = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool-calls",
    "content_filter": "content-filter",
}


class AiSdkProtocol:
    """Parts to UI message stream chunks, with ids for the text and reasoning blocks."""

    def __init__(self, message_id: str) -> None:
        self.message_id = message_id
        self._ids = itertools.count(1)
        self._text: str | None = None
        self._reasoning: str | None = None
        self._started_tools: set[str] = set()

    def open(self) -> list[Frame]:
        return [_chunk({"type": "start", "messageId": self.message_id})]

    def encode(self, part: Part) -> list[Frame]:
        if isinstance(part, TextDelta):
            frames: list[Frame] = []
            if self._text is None:
                self._text = f"text-{next(self._ids)}"
                frames.append(_chunk({"type": "text-start", "id": self._text}))
            frames.append(_chunk({"type": "text-delta", "id": self._text, "delta": part.delta}))
            return frames
        if isinstance(part, TextEnd):
            return self._end_text()
        if isinstance(part, ReasoningDelta):
            frames = []
            if self._reasoning is None:
                self._reasoning = f"reasoning-{next(self._ids)}"
                frames.append(_chunk({"type": "reasoning-start", "id": self._reasoning}))
            frames.append(
                _chunk({"type": "reasoning-delta", "id": self._reasoning, "delta": part.delta})
            )
            return frames
        if isinstance(part, ReasoningEnd):
            return self._end_reasoning()
        if isinstance(part, ToolInputStart):
            self._started_tools.add(part.id)
            return [
                _chunk({"type": "tool-input-start", "toolCallId": part.id, "toolName": part.name})
            ]
        if isinstance(part, ToolInputDelta):
            return [
                _chunk(
                    {
                        "type": "tool-input-delta",
                        "toolCallId": part.id,
                        "inputTextDelta": part.delta,
                    }
                )
            ]
        if isinstance(part, ToolInputDone):
            return [
                _chunk(
                    {
                        "type": "tool-input-available",
                        "toolCallId": part.id,
                        "toolName": part.name,
                        "input": part.input,
                    }
                )
            ]
        if isinstance(part, ToolOutput):
            return self._tool_output(part)
        if isinstance(part, StepStart):
            return [_chunk({"type": "start-step"})]
        if isinstance(part, StepEnd):
            return [*self._end_text(), *self._end_reasoning(), _chunk({"type": "finish-step"})]
        if isinstance(part, Finish):
            finish: dict[str, Any] = {"type": "finish"}
            if part.finish_reason:
                finish["finishReason"] = _FINISH_REASONS.get(part.finish_reason, "other")
            return [_chunk(finish), Frame(None, "[DONE]")]
        assert isinstance(part, Failure)
        return [_chunk({"type": "error", "errorText": part.message}), Frame(None, "[DONE]")]

    def _tool_output(self, part: ToolOutput) -> list[Frame]:
        frames: list[Frame] = []
        if part.id not in self._started_tools:  # a result for a call made elsewhere
            self._started_tools.add(part.id)
            frames.append(
                _chunk(
                    {
                        "type": "tool-input-available",
                        "toolCallId": part.id,
                        "toolName": part.name,
                        "input": None,
                    }
                )
            )
        if part.is_error:
            error = part.output if isinstance(part.output, str) else json_text(part.output)
            frames.append(
                _chunk({"type": "tool-output-error", "toolCallId": part.id, "errorText": error})
            )
        else:
            frames.append(
                _chunk(
                    {"type": "tool-output-available", "toolCallId": part.id, "output": part.output}
                )
            )
        return frames

    def _end_text(self) -> list[Frame]:
        if self._text is None:
            return []
        frame = _chunk({"type": "text-end", "id": self._text})
        self._text = None
        return [frame]

    def _end_reasoning(self) -> list[Frame]:
        if self._reasoning is None:
            return []
        frame = _chunk({"type": "reasoning-end", "id": self._reasoning})
        self._reasoning = None
        return [frame]


def _chunk(value: dict[str, Any]) -> Frame:
    return Frame(None, json_text(value))
