"""What the emulated model answers: a scripted reply made whole, or the default reply.

The default reply is deterministic: it echoes the last user message, or, right after tool
results, reports what the tools returned; it calls a tool when ``tool_choice`` forces one
(with arguments that fit the tool's schema), adds reasoning when
``extended_thinking.include_reasoning`` is set, and honours ``max_tokens`` (finish
``length``) and ``stop``. Token counts are estimates:
about four characters per prompt token, one token per streamed word.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._examples import example_arguments
from ._script import ScriptedReply, ToolCallSpec

__all__ = ["GREETING", "Answer", "answer", "words"]

GREETING = "Hello from the Heroku Inference emulator!"
_ECHO_WORDS = 40
_WORD = re.compile(r"\s*\S+\s*")


@dataclass(frozen=True, slots=True)
class Answer:
    """A reply with every field decided: what the renderer turns into bytes."""

    text: str | None
    reasoning: str | None
    tool_calls: tuple[ToolCallSpec, ...]
    usage: dict[str, Any]
    finish_reason: str


def words(text: str) -> list[str]:
    """``text`` in streamable pieces, one word and its trailing space each."""
    pieces = _WORD.findall(text)
    return pieces if pieces else ([text] if text else [])


def answer(request: Mapping[str, Any], scripted: ScriptedReply | None) -> Answer:
    """The whole answer to a valid chat request, scripted or not."""
    if scripted is None:
        scripted, finish = _default(request)
    else:
        finish = scripted.finish_reason or ("tool_calls" if scripted.tool_calls else "stop")
    completion_tokens = _completion_tokens(scripted)
    usage = _usage(scripted.usage, _prompt_tokens(request), completion_tokens)
    return Answer(scripted.text, scripted.reasoning, scripted.tool_calls, usage, finish)


def _default(request: Mapping[str, Any]) -> tuple[ScriptedReply, str]:
    reasoning = None
    thinking = request.get("extended_thinking")
    said = _last_user_text(request.get("messages") or [])
    if (
        isinstance(thinking, Mapping)
        and thinking.get("include_reasoning") is True
        and thinking.get("enabled", True) is not False
    ):
        reasoning = (
            f"The user wrote {len(words(said))} word(s). "
            "I am an emulator, so I will echo them back."
        )
    tool = _forced_tool(request)
    if tool is not None:
        name, arguments = tool
        call = ToolCallSpec(name, json.dumps(arguments))
        return ScriptedReply(f"Calling {name}.", reasoning, (call,)), "tool_calls"
    results = _tool_results(request.get("messages") or [])
    if results:
        pieces = words("The tools returned: " + "; ".join(results) + ".")
    else:
        pieces = words(GREETING + (f" You said: {_shorten(said)}" if said else ""))
    finish = "stop"
    text = "".join(pieces)
    for stop in _stops(request.get("stop")):
        cut = text.find(stop)
        if cut >= 0:
            text = text[:cut]
    pieces = words(text)
    limit = request.get("max_tokens", request.get("max_completion_tokens"))
    if isinstance(limit, int) and len(pieces) > limit:
        pieces, finish = pieces[:limit], "length"
    return ScriptedReply("".join(pieces), reasoning), finish


def _tool_results(messages: list[Any]) -> list[str]:
    """``name: content`` for each tool result that ends the history (none otherwise)."""
    trailing: list[Mapping[str, Any]] = []
    for message in reversed(messages):
        if not (isinstance(message, Mapping) and message.get("role") == "tool"):
            break
        trailing.insert(0, message)
    if not trailing:
        return []
    names: dict[str, str] = {}
    for message in messages:
        if isinstance(message, Mapping) and message.get("role") == "assistant":
            for call in message.get("tool_calls") or []:
                if isinstance(call, Mapping) and isinstance(call.get("function"), Mapping):
                    names[str(call.get("id"))] = str(call["function"].get("name"))
    return [
        f"{names.get(str(m.get('tool_call_id')), 'a tool')}: {_shorten(_text_of(m.get('content')))}"
        for m in trailing
    ]


def _last_user_text(messages: list[Any]) -> str:
    for message in reversed(messages):
        if isinstance(message, Mapping) and message.get("role") == "user":
            return " ".join(_text_of(message.get("content")).split())
    return ""


def _text_of(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(part.get("text") or "")
            for part in content
            if isinstance(part, Mapping) and part.get("type") == "text"
        )
    return ""


def _shorten(text: str) -> str:
    pieces = words(text)
    if len(pieces) <= _ECHO_WORDS:
        return text
    return "".join(pieces[:_ECHO_WORDS]).rstrip() + "..."


def _stops(stop: object) -> list[str]:
    if isinstance(stop, str):
        return [stop] if stop else []
    if isinstance(stop, list):
        return [s for s in stop if isinstance(s, str) and s]
    return []


def _forced_tool(request: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    tools = [t for t in request.get("tools") or [] if isinstance(t, Mapping)]
    choice = request.get("tool_choice")
    if not tools or choice in (None, "none", "auto"):
        return None
    wanted = None
    if isinstance(choice, Mapping):
        wanted = (choice.get("function") or {}).get("name")
    for tool in tools:
        function = tool.get("function") or {}
        if wanted is None or function.get("name") == wanted:
            return str(function.get("name")), example_arguments(function.get("parameters"))
    return None


def _prompt_tokens(request: Mapping[str, Any]) -> int:
    characters = 0
    messages = request.get("messages") or []
    for message in messages:
        if isinstance(message, Mapping):
            characters += len(_text_of(message.get("content"))) + 12
    if request.get("tools"):
        characters += len(json.dumps(request["tools"]))
    return max(1, math.ceil(characters / 4))


def _completion_tokens(reply: ScriptedReply) -> int:
    tokens = len(words(reply.text or "")) + len(words(reply.reasoning or ""))
    for call in reply.tool_calls:
        tokens += 2 + math.ceil(len(call.arguments) / 4)
    return max(1, tokens)


def _usage(scripted: Mapping[str, Any] | None, prompt: int, completion: int) -> dict[str, Any]:
    if scripted is None:
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
    usage = dict(scripted)
    if "total_tokens" not in usage:
        parts = (usage.get("prompt_tokens"), usage.get("completion_tokens"))
        if all(isinstance(p, int) for p in parts):
            usage["total_tokens"] = sum(p for p in parts if isinstance(p, int))
    return usage
