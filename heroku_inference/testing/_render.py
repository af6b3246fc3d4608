"""An ``Answer`` as the bytes Heroku sends: one JSON body, or SSE events in either framing.

Streams look like ``tests/fixtures/chat_*.sse``: the role in the first chunk, reasoning then
content deltas one word each, tool calls (``id`` and name first, then the arguments in
fragments, interleaved by ``index``), a finish chunk carrying ``usage``, then the terminator.
Faults are applied here, on the list of events.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ._errors import error_details
from ._plan import DISCONNECT, HANG, Delay, Part
from ._reply import Answer, words
from ._script import ScriptedFault

__all__ = [
    "FRAMINGS",
    "Framing",
    "Meta",
    "body_parts",
    "completion",
    "event_parts",
    "json_parts",
    "sse_event",
    "stream_parts",
]

Framing = Literal["heroku", "openai"]
FRAMINGS: tuple[str, ...] = ("heroku", "openai")
FINGERPRINT = "heroku-inf-emulator"
ARGUMENT_FRAGMENTS = 3


@dataclass(frozen=True, slots=True)
class Meta:
    """What every chunk of one response shares."""

    id: str
    created: int
    model: str
    sequence: int

    def tool_call_id(self, index: int) -> str:
        return f"tooluse_emulator{self.sequence:06d}x{index}"

    def envelope(self, kind: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": kind,
            "created": self.created,
            "model": self.model,
            "system_fingerprint": FINGERPRINT,
        }


def completion(answer: Answer, meta: Meta) -> dict[str, Any]:
    """The non-streamed body, shaped like ``tests/fixtures/chat_completion.json``."""
    message: dict[str, Any] = {"role": "assistant", "content": answer.text, "refusal": None}
    if answer.tool_calls:
        message["tool_calls"] = [
            {
                "id": call.id or meta.tool_call_id(index),
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
            for index, call in enumerate(answer.tool_calls)
        ]
    if answer.reasoning is not None:
        message["reasoning"] = {"thinking": answer.reasoning}
    choice = {"index": 0, "message": message, "finish_reason": answer.finish_reason}
    return {**meta.envelope("chat.completion"), "choices": [choice], "usage": answer.usage}


def chunks(answer: Answer, meta: Meta) -> list[dict[str, Any]]:
    """The ``chat.completion.chunk`` payloads of a streamed answer, in order."""
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
    deltas += [{"reasoning": {"thinking": piece}} for piece in words(answer.reasoning or "")]
    deltas += [{"content": piece} for piece in words(answer.text or "")]
    fragments: list[list[str]] = []
    for index, call in enumerate(answer.tool_calls):
        header = {
            "index": index,
            "id": call.id or meta.tool_call_id(index),
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        deltas.append({"tool_calls": [header]})
        fragments.append(_split(call.arguments, ARGUMENT_FRAGMENTS))
    for round_ in range(max((len(f) for f in fragments), default=0)):
        for index, parts in enumerate(fragments):
            if round_ < len(parts):
                call_delta = {"index": index, "function": {"arguments": parts[round_]}}
                deltas.append({"tool_calls": [call_delta]})
    payloads = [_chunk(meta, delta, None) for delta in deltas]
    payloads.append({**_chunk(meta, {}, answer.finish_reason), "usage": answer.usage})
    return payloads


def stream_parts(
    answer: Answer, meta: Meta, framing: Framing, fault: ScriptedFault | None
) -> list[Part]:
    """The SSE body, one event per part, with ``fault`` applied."""
    events = [sse_event(payload, framing) for payload in chunks(answer, meta)]

    def oversized(size: int) -> bytes:
        return sse_event(_chunk(meta, {"content": _filler(size)}, None), framing)

    return event_parts(events, framing, fault, _malformed(meta, framing), oversized)


def event_parts(
    events: list[bytes],
    framing: Framing,
    fault: ScriptedFault | None,
    malformed: bytes,
    oversized: Callable[[int], bytes] | None = None,
) -> list[Part]:
    """SSE ``events`` and the terminator, one per part, with ``fault`` applied (``malformed``
    is the broken event a ``"malformed"`` fault inserts; ``oversized(size)`` the big event an
    ``"oversized"`` fault inserts, where the endpoint has one)."""
    end = _terminator(framing)
    if fault is None:
        return [*events, end]
    head, tail = events[: fault.after], events[fault.after :]
    if fault.kind == "hang":
        return [HANG]
    if fault.kind == "disconnect":
        return [*head, DISCONNECT]
    if fault.kind == "disconnect_mid_event":
        cut = tail[0] if tail else end
        return [*head, cut[: len(cut) // 2], DISCONNECT]
    if fault.kind == "nested":
        return [*head, _data_event(_nested(fault.size), framing), *tail, end]
    if fault.kind == "oversized" and oversized is not None:
        return [*head, oversized(fault.size), *tail, end]
    if fault.kind == "truncate":
        return [*head]  # the body ends cleanly, without a terminator
    if fault.kind == "malformed":
        return [*head, malformed, *tail, end]
    if fault.kind == "inband_error":
        return [*head, _error_event(fault.body, framing)]
    parts: list[Part] = []
    for position, event in enumerate([*events, end]):
        if position and position >= fault.after:
            parts.append(Delay(fault.delay))
        parts.append(event)
    return parts


def body_parts(answer: Answer, meta: Meta, fault: ScriptedFault | None) -> list[Part]:
    """The non-streamed JSON body with ``fault`` applied (the body is one event)."""
    if fault is not None and fault.kind == "oversized":
        answer = dataclasses.replace(answer, text=_filler(fault.size))
    return json_parts(_json(completion(answer, meta)), fault)


def json_parts(body: bytes, fault: ScriptedFault | None) -> list[Part]:
    """A JSON body with ``fault`` applied (the body counts as one event)."""
    if fault is None or fault.kind in ("oversized", "not_streamed"):
        return [body]
    if fault.kind == "hang":
        return [HANG]
    if fault.kind == "nested":
        return [_nested(fault.size)]
    if fault.kind == "disconnect_mid_event":
        return [body[: len(body) // 2], DISCONNECT]
    if fault.kind == "disconnect":
        return [body[: len(body) // 2], DISCONNECT] if fault.after else [DISCONNECT]
    if fault.kind in ("malformed", "truncate"):
        return [body[: len(body) // 2]]
    if fault.kind == "inband_error":
        return [_json(_error_payload(fault.body))]
    return [Delay(fault.delay), body]


def _chunk(meta: Meta, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return {**meta.envelope("chat.completion.chunk"), "choices": [choice]}


def _split(text: str, count: int) -> list[str]:
    if not text:
        return []
    size = max(1, -(-len(text) // count))
    return [text[start : start + size] for start in range(0, len(text), size)]


def _json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def sse_event(payload: Mapping[str, Any], framing: Framing) -> bytes:
    """One SSE event carrying ``payload`` in ``framing``."""
    data = _json(payload)
    if framing == "heroku":
        return b"event:message\ndata:" + data + b"\n\n"
    return b"data: " + data + b"\n\n"


def _data_event(data: bytes, framing: Framing) -> bytes:
    return (b"event:message\ndata:" if framing == "heroku" else b"data: ") + data + b"\n\n"


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


_FILL = "All work and no play makes a very long event. "


def _filler(size: int) -> str:
    """``size`` characters of text (one byte each in UTF-8)."""
    return (_FILL * (size // len(_FILL) + 1))[:size]


def _terminator(framing: Framing) -> bytes:
    return b"event:done\ndata:[DONE]\n\n" if framing == "heroku" else b"data: [DONE]\n\n"


def _error_payload(body: Mapping[str, Any] | None) -> Mapping[str, Any]:
    # As in Heroku's mid-stream transcript: the deterministic failure.
    return body if body is not None else {"error": error_details(500, "Failed to execute chat")}


def _error_event(body: Mapping[str, Any] | None, framing: Framing) -> bytes:
    data = _json(_error_payload(body))
    if framing == "heroku":
        return b"event:error\ndata:" + data + b"\n\n"
    return b"data: " + data + b"\n\n"


def _malformed(meta: Meta, framing: Framing) -> bytes:
    broken = _json(_chunk(meta, {"content": "truncated"}, None))[:-12]
    if framing == "heroku":
        return b"event:message\ndata:" + broken + b"\n\n"
    return b"data: " + broken + b"\n\n"
