"""One choice of a streamed chat completion, put back together from its deltas.

Text arrives as fragments kept in lists and joined only when asked for, so the work is linear
in the stream. ``.done`` events: reasoning is done when the answer (content, refusal or a tool
call) starts; everything still open is done when the choice finishes. None is owed twice.
"""

from __future__ import annotations

import enum
from typing import Any

from ._events import (
    ContentDeltaEvent,
    ContentDoneEvent,
    ReasoningDeltaEvent,
    ReasoningDoneEvent,
    RefusalDeltaEvent,
    RefusalDoneEvent,
)
from ._fragments import TextPart, joined, merge_extra
from ._tool_call_assembly import Events, ToolCalls
from .types.chat import (
    ChatCompletionMessage,
    Choice,
    ChoiceLogprobs,
    ChunkChoice,
    Reasoning,
    ReasoningDelta,
    TokenLogprob,
)

__all__ = ["ChoiceAssembly"]


class ReasoningPhase(enum.Enum):
    ABSENT = "absent"  # no thinking yet
    STREAMING = "streaming"  # thinking is arriving
    DONE = "done"  # the answer started; ``reasoning.done`` is owed no more


_ABSENT = ReasoningPhase.ABSENT
_STREAMING = ReasoningPhase.STREAMING
_DONE = ReasoningPhase.DONE


class ChoiceAssembly:
    """What has arrived of one choice so far."""

    __slots__ = (
        "choice_extra",
        "content",
        "finish_reason",
        "index",
        "logprobs_content",
        "logprobs_refusal",
        "logprobs_seen",
        "message_extra",
        "reasoning_extra",
        "reasoning_phase",
        "refusal",
        "role",
        "signature",
        "thinking",
        "tool_calls",
    )

    def __init__(self, index: int) -> None:
        self.index = index
        self.role: str | None = None
        self.content = TextPart(ContentDeltaEvent, ContentDoneEvent)
        self.refusal = TextPart(RefusalDeltaEvent, RefusalDoneEvent)
        self.thinking: list[str] = []
        self.signature: list[str] = []
        self.reasoning_extra: dict[str, Any] = {}
        self.reasoning_phase = _ABSENT
        self.tool_calls = ToolCalls(index)
        self.finish_reason: str | None = None
        self.logprobs_seen = False
        self.logprobs_content: list[TokenLogprob] | None = None
        self.logprobs_refusal: list[TokenLogprob] | None = None
        self.message_extra: dict[str, Any] = {}  # unknown delta fields, kept on the message
        self.choice_extra: dict[str, Any] = {}  # unknown choice fields, kept on the choice

    def take(self, choice: ChunkChoice, events: Events) -> None:
        """Take in one chunk's delta of this choice."""
        delta = choice.delta
        if (role := delta.role) is not None:
            self.role = role
        if (reasoning := delta.reasoning) is not None:
            self._reasoning(reasoning, events)
        if text := delta.reasoning_content:
            self._thinking(text, events)
        if (text := delta.content) is not None:
            self._text(self.content, text, events)
        if (text := delta.refusal) is not None:
            self._text(self.refusal, text, events)
        if delta.tool_calls:
            self._end_reasoning(events)
            for fragment in delta.tool_calls:
                self.tool_calls.take(fragment, events)
        if delta.__pydantic_extra__:
            merge_extra(self.message_extra, delta.__pydantic_extra__, concat=True)
        if extra := choice.__pydantic_extra__:
            self._choice_fields(extra, events)
        if (logprobs := choice.logprobs) is not None:
            self.logprobs_seen = True
            self.logprobs_content = _extend(self.logprobs_content, logprobs.content)
            self.logprobs_refusal = _extend(self.logprobs_refusal, logprobs.refusal)
        if choice.finish_reason:
            self.finish_reason = choice.finish_reason
            self.close(events)

    def close(self, events: Events) -> None:
        """Owe every ``.done`` event not yet owed (the choice has finished)."""
        self._end_reasoning(events)
        self._close_text(self.content, events)
        self._close_text(self.refusal, events)
        self.tool_calls.close(events)

    def build(self) -> Choice:
        """The choice as far as it has arrived."""
        message: dict[str, Any] = joined(self.message_extra)
        message["role"] = self.role or "assistant"
        message["content"] = self.content.text()
        if self.refusal.fragments is not None:
            message["refusal"] = self.refusal.text()
        if self.tool_calls:
            message["tool_calls"] = self.tool_calls.build()
        reasoning = self.reasoning()
        if reasoning is not None:
            message["reasoning"] = reasoning
        values: dict[str, Any] = dict(self.choice_extra)
        values.update(
            index=self.index,
            message=ChatCompletionMessage.model_construct(set(message), **message),
            finish_reason=self.finish_reason,
        )
        if self.logprobs_seen:
            logprobs = {  # copies: a snapshot
                "content": _extend(None, self.logprobs_content),
                "refusal": _extend(None, self.logprobs_refusal),
            }
            fields_set = {key for key, value in logprobs.items() if value is not None}
            values["logprobs"] = ChoiceLogprobs.model_construct(fields_set, **logprobs)
        return Choice.model_construct(set(values), **values)

    def reasoning(self) -> Reasoning | None:
        """The reasoning so far, or ``None`` when there is none."""
        if not (self.thinking or self.signature):
            return None
        values: dict[str, Any] = joined(self.reasoning_extra)
        if self.thinking:
            values["thinking"] = "".join(self.thinking)
        if self.signature:
            values["signature"] = "".join(self.signature)
        return Reasoning.model_construct(set(values), **values)

    # -- fragments -------------------------------------------------------------------------

    def _reasoning(self, delta: ReasoningDelta, events: Events) -> None:
        if text := delta.thinking:
            self._thinking(text, events)
        if text := delta.signature:
            self.signature.append(text)
            if self.reasoning_phase is _ABSENT:
                self.reasoning_phase = _STREAMING
        if delta.__pydantic_extra__:
            merge_extra(self.reasoning_extra, delta.__pydantic_extra__, concat=True)

    def _thinking(self, text: str, events: Events) -> None:
        self.thinking.append(text)
        if self.reasoning_phase is _ABSENT:
            self.reasoning_phase = _STREAMING
        if events is not None:
            events.append(ReasoningDeltaEvent(self.index, text))

    def _text(self, part: TextPart, text: str, events: Events) -> None:
        fragments = part.fragments
        if fragments is None:
            fragments = part.fragments = []
        if text:
            if self.reasoning_phase is _STREAMING:
                self._end_reasoning(events)
            fragments.append(text)
            if events is not None:
                events.append(part.delta_event(self.index, text))

    def _choice_fields(self, extra: dict[str, Any], events: Events) -> None:
        for key, value in extra.items():
            if key == "message":
                self._whole_message(value, events)
            elif value is not None or key not in self.choice_extra:
                self.choice_extra[key] = value

    def _whole_message(self, message: object, events: Events) -> None:
        # Some servers put a whole ``message`` in the finishing chunk: take what the deltas
        # did not already bring.
        if not isinstance(message, dict):
            return
        content = message.get("content")
        if isinstance(content, str) and not self.content.fragments:
            self._text(self.content, content, events)
        calls = message.get("tool_calls")
        if isinstance(calls, list):
            for fragment in self.tool_calls.missing(calls):
                self._end_reasoning(events)
                self.tool_calls.take(fragment, events)

    # -- done events -----------------------------------------------------------------------

    def _end_reasoning(self, events: Events) -> None:
        if self.reasoning_phase is not _STREAMING:
            return
        self.reasoning_phase = _DONE
        if events is not None and (reasoning := self.reasoning()) is not None:
            events.append(ReasoningDoneEvent(self.index, reasoning))

    def _close_text(self, part: TextPart, events: Events) -> None:
        if part.fragments is not None and not part.done:
            part.done = True
            if events is not None:
                events.append(part.done_event(self.index, "".join(part.fragments)))


def _extend(
    tokens: list[TokenLogprob] | None, more: list[TokenLogprob] | None
) -> list[TokenLogprob] | None:
    if more is None:
        return tokens
    if tokens is None:
        return list(more)
    tokens.extend(more)
    return tokens
