"""``POST /v1/agents/heroku`` emulated: Heroku's checks, and runs as whole-object events.

A run is a list of steps shaped like messages, turned into the events Heroku sends (see
``tests/fixtures/agents_mcp.heroku.sse``): an assistant step is a ``chat.completion`` (with
usage), a tool step a ``tool.completion`` (``usage: {}``, ``finish_reason: ""``, no
``model``), a tool step with ``error`` a ``tool.error``; ``error=`` ends the run with an
``agent.error``. Every event of a run shares its ``id``.

With no run scripted, the agent calls the first tool it was given (if any) once, gets a
result, and answers by echoing the last user message.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._catalog import CHAT, Catalog
from ._checks import bad, check_body, check_model, is_int, is_number
from ._errors import ErrorReply
from ._render import FINGERPRINT, Meta
from ._reply import GREETING, words
from ._validation import check_messages

__all__ = [
    "DEFAULT_MCP_SERVERS",
    "SUPPORTED_AGENT_PARAMS",
    "agent_events",
    "check_steps",
    "default_steps",
    "validate_agents",
]

SUPPORTED_AGENT_PARAMS = frozenset(
    {
        "model",
        "messages",
        "max_tokens_per_inference_request",
        "stop",
        "temperature",
        "top_p",
        "tools",
        "allow_ignored_params",
    }
)
TOOL_TYPES = ("heroku_tool", "mcp")

DEFAULT_MCP_SERVERS: tuple[dict[str, Any], ...] = (
    {
        "id": "3a7f2c1e-0000-4000-8000-emulator0001",
        "app_id": "9b1d5e2a-0000-4000-8000-emulator0002",
        "process_type": "mcp-python",
        "process_command": "python -m mcp_server",
        "created_at": "2025-06-20T12:00:00.000Z",
        "updated_at": "2025-06-20T12:00:00.000Z",
        "namespace": "mcp-python",
        "server_status": "registered",
        "primitives_status": "synced",
        "tools": [
            {
                "name": "code_exec_python",
                "namespaced_name": "mcp-python/code_exec_python",
                "description": "Run Python code and return its output.",
                "input_schema": {
                    "type": "object",
                    "properties": {"code": {"type": "string"}},
                    "required": ["code"],
                },
                "annotations": {},
            }
        ],
    },
)
"""What ``GET /v1/mcp/servers`` lists on the emulator: one Python code-running server."""


def validate_agents(body: Any, catalog: Catalog) -> ErrorReply | None:
    """The error Heroku would answer for this body, or ``None``."""
    problem = check_body(body, SUPPORTED_AGENT_PARAMS)
    if problem is not None:
        return problem
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return bad("'messages' must be a non-empty array of messages")
    problem = check_messages(body)  # the same rules as chat: tool turns, roles, content
    if problem is not None:
        return problem
    for name in ("temperature", "top_p"):
        value = body.get(name)
        if value is not None and not (is_number(value) and 0 <= value <= 1):
            return bad(f"'{name}' must be a number between 0 and 1")
    limit = body.get("max_tokens_per_inference_request")
    if limit is not None and not (is_int(limit) and limit >= 1):
        return bad("'max_tokens_per_inference_request' must be a positive integer")
    tools = body.get("tools")
    if tools is not None:
        if not isinstance(tools, list):
            return bad("'tools' must be an array")
        for position, tool in enumerate(tools):
            if not isinstance(tool, Mapping) or tool.get("type") not in TOOL_TYPES:
                return bad(f"tools[{position}].type must be one of {', '.join(TOOL_TYPES)}")
            if not isinstance(tool.get("name"), str) or not tool["name"]:
                return bad(f"tools[{position}].name is required")
    return check_model(body, catalog, CHAT)


def check_steps(steps: Iterable[Mapping[str, Any]]) -> tuple[Mapping[str, Any], ...]:
    """Scripted steps, checked as soon as they are scripted (a ``TypeError`` says which)."""
    checked = tuple(steps)
    for position, step in enumerate(checked):
        if not isinstance(step, Mapping):
            raise TypeError(f"steps[{position}] must be a dict")
        if "object" in step:
            continue
        role = step.get("role")
        if role not in ("assistant", "tool"):
            raise TypeError(
                f"steps[{position}] must have role 'assistant' or 'tool' (or be a whole event "
                "with an 'object'), got {role!r}"
            )
        if role == "tool" and not isinstance(step.get("name"), str):
            raise TypeError(f"steps[{position}] (a tool step) needs the tool's 'name'")
    return checked


def default_steps(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The unscripted run for a valid body."""
    said = _last_user_text(body["messages"])
    answer = GREETING + (f" You said: {said}" if said else "")
    tools = body.get("tools") or []
    if not tools:
        return [{"role": "assistant", "content": answer}]
    name = str(tools[0]["name"])
    arguments = {"code": "print('hello')"} if "python" in name else {}
    return [
        {
            "role": "assistant",
            "content": f"I'll use {name}.",
            "tool_calls": [{"name": name, "arguments": arguments}],
        },
        {"role": "tool", "name": name, "content": f"emulated result of {name}"},
        {"role": "assistant", "content": answer},
    ]


def agent_events(
    steps: Sequence[Mapping[str, Any]], meta: Meta, body: Mapping[str, Any], error: str | None
) -> list[dict[str, Any]]:
    """The events of a run, in order."""
    events: list[dict[str, Any]] = []
    prompt = max(1, math.ceil(len(json.dumps(body.get("messages"))) / 4))
    calls: dict[str, str] = {}
    last_call = ""
    for turn, step in enumerate(steps):
        if "object" in step:
            events.append({"id": meta.id, "created": meta.created + turn, **step})
        elif step.get("role") == "assistant":
            event, made = _assistant(step, meta, turn, prompt)
            calls.update(made)
            last_call = next(reversed(made.values()), last_call)
            prompt += event["usage"]["total_tokens"]
            events.append(event)
        elif "error" in step:
            events.append(_tool_error(step, meta))
        else:
            call_id = step.get("tool_call_id") or calls.get(str(step["name"]), last_call)
            events.append(_tool(step, meta, turn, str(call_id)))
    if error is not None:
        events.append({"id": meta.id, "object": "agent.error", "message": error})
    return events


def _assistant(
    step: Mapping[str, Any], meta: Meta, turn: int, prompt: int
) -> tuple[dict[str, Any], dict[str, str]]:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": step.get("content") or "",
        "refusal": None,
    }
    made: dict[str, str] = {}
    calls = step.get("tool_calls") or []
    if calls:
        message["tool_calls"] = []
        for index, call in enumerate(calls):
            call_id = str(call.get("id") or f"tooluse_emulator{meta.sequence:06d}x{turn}x{index}")
            arguments = call.get("arguments", {})
            if not isinstance(arguments, str):
                arguments = json.dumps(arguments)
            message["tool_calls"].append(
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": call["name"], "arguments": arguments},
                }
            )
            made[str(call["name"])] = call_id
    completion = len(words(message["content"])) + 8 * len(calls) or 1
    choice = {
        "index": 0,
        "message": message,
        "finish_reason": "tool_calls" if calls else "stop",
    }
    usage = {"prompt_tokens": prompt, "completion_tokens": completion}
    usage["total_tokens"] = prompt + completion
    event = {
        **meta.envelope("chat.completion"),
        "created": meta.created + turn,
        "choices": [choice],
        "usage": usage,
    }
    return event, made


def _tool(step: Mapping[str, Any], meta: Meta, turn: int, call_id: str) -> dict[str, Any]:
    name = str(step["name"])
    content = step.get("content", "")
    if isinstance(content, str):
        result: Any = {"content": [{"type": "text", "text": content}], "isError": False}
    else:
        result = content
    message = {
        "role": "tool",
        "content": f"Tool '{name}' returned result: {json.dumps(result)}",
        "refusal": None,
        "tool_call_id": call_id,
        "name": name,
    }
    return {
        "id": meta.id,
        "object": "tool.completion",
        "created": meta.created + turn,
        "system_fingerprint": FINGERPRINT,
        "choices": [{"index": 0, "message": message, "finish_reason": ""}],
        "usage": {},
    }


def _tool_error(step: Mapping[str, Any], meta: Meta) -> dict[str, Any]:
    return {"id": meta.id, "object": "tool.error", "name": step["name"], "error": step["error"]}


def _last_user_text(messages: list[Any]) -> str:
    for message in reversed(messages):
        if isinstance(message, Mapping) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return " ".join(content.split())
            if isinstance(content, list):
                return " ".join(
                    str(part.get("text") or "") for part in content if isinstance(part, Mapping)
                )
    return ""
