"""Heroku's checks of a ``POST /v1/chat/completions`` body, with Heroku's error bodies.

Rules (reference section 1), in the order they are checked:

1. A field outside ``SUPPORTED_PARAMS`` is 400 ``unrecognized request argument supplied: <name>``
   (string-encoded ``error``, ``type: invalid_request``, as captured), unless the body sets
   ``allow_ignored_params: true``; then it is dropped. ``IGNORED_PARAMS`` lists the OpenAI
   parameters Heroku documents as "accepted but ignored": they too need ``allow_ignored_params``.
2. ``model`` and ``messages`` are required; value types and ranges are checked
   (``temperature`` and ``top_p`` in 0-1, token counts positive, ``extended_thinking`` shape
   with ``budget_tokens >= 1024``). With thinking on (``extended_thinking.enabled``, or
   ``reasoning_effort`` on a Claude model), what Claude refuses: ``budget_tokens`` not below
   ``max_tokens``, ``temperature`` other than 1, ``temperature`` with ``top_p``, a
   ``tool_choice`` that forces a tool, and a history that continues a tool loop (the turn that
   called the tools would need its thinking block, which the chat API cannot carry). Each is
   400 ``invalid_request_error``.
3. An assistant message with ``tool_calls`` and empty or null ``content``: 400
   ``content is required``.
4. A tool call in the history whose ``arguments`` is not a JSON object string: 500
   ``Failed to execute chat`` (``type: server_error``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from .._message_rules import is_empty_content
from ._errors import ErrorReply, failed_to_execute, invalid_request, unrecognized_argument

__all__ = [
    "IGNORED_PARAMS",
    "MIN_BUDGET_TOKENS",
    "ROLES",
    "SUPPORTED_PARAMS",
    "check_messages",
    "validate_chat",
]

SUPPORTED_PARAMS = frozenset(
    {
        "model",
        "messages",
        "max_tokens",
        "max_completion_tokens",
        "temperature",
        "top_p",
        "top_k",
        "stop",
        "stream",
        "tools",
        "tool_choice",
        "extended_thinking",
        "reasoning_effort",
        "allow_ignored_params",
        "user",
        "stream_options",
        "parallel_tool_calls",
        "modalities",
    }
)
"""The fields Heroku's chat endpoint takes without ``allow_ignored_params`` (its OpenAI
compatibility page lists ``stream_options``, ``parallel_tool_calls`` and ``modalities`` as
supported; a July 2025 capture rejected ``stream_options``, before that page)."""

IGNORED_PARAMS = frozenset(
    {
        "seed",
        "n",
        "presence_penalty",
        "frequency_penalty",
        "logit_bias",
        "logprobs",
        "top_logprobs",
        "response_format",
        "store",
        "metadata",
        "prediction",
        "service_tier",
        "safety_identifier",
        "audio",
        "verbosity",
        "prompt_cache_key",
        "web_search_options",
    }
)
"""OpenAI fields Heroku documents as "supported, but ignored": it drops them with
``allow_ignored_params: true`` and rejects them without it."""

ROLES = ("system", "developer", "user", "assistant", "tool")
MIN_BUDGET_TOKENS = 1024
_TOOL_CHOICES = ("none", "auto", "required")
_EFFORTS = ("low", "medium", "high")

Check = Callable[[Mapping[str, Any]], "ErrorReply | None"]


def validate_chat(body: Any) -> ErrorReply | None:
    """The error Heroku would answer for this request body, or ``None`` when it is valid."""
    if not isinstance(body, Mapping):
        return invalid_request("Invalid request: the body must be a JSON object")
    for check in _CHECKS:
        problem = check(body)
        if problem is not None:
            return problem
    return None


def _unknown_fields(body: Mapping[str, Any]) -> ErrorReply | None:
    allow = body.get("allow_ignored_params")
    if allow is not None and not isinstance(allow, bool):
        return _bad("'allow_ignored_params' must be a boolean")
    if allow:
        return None
    for key in body:
        if key not in SUPPORTED_PARAMS:
            return unrecognized_argument(key)
    return None


def _required(body: Mapping[str, Any]) -> ErrorReply | None:
    for name in ("model", "messages"):
        if body.get(name) is None:
            return _bad(f"'{name}' field is required")
    if not isinstance(body["model"], str) or not body["model"].strip():
        return _bad("'model' must be a non-empty string")
    messages = body["messages"]
    if not isinstance(messages, list) or not messages:
        return _bad("'messages' must be a non-empty array of messages")
    return None


def _scalars(body: Mapping[str, Any]) -> ErrorReply | None:
    if "stream" in body and not isinstance(body["stream"], bool):
        return _bad("'stream' must be a boolean")
    for name in ("temperature", "top_p"):
        if name in body:
            value = body[name]
            if not _is_number(value):
                return _bad(f"'{name}' must be a number")
            if not 0 <= value <= 1:
                return _bad(f"'{name}' must be between 0 and 1, got {value}")
    for name in ("max_tokens", "max_completion_tokens", "top_k"):
        if name in body and not (_is_int(body[name]) and body[name] >= 1):
            return _bad(f"'{name}' must be a positive integer")
    stop = body.get("stop")
    if stop is not None and not (
        isinstance(stop, str) or (isinstance(stop, list) and all(isinstance(s, str) for s in stop))
    ):
        return _bad("'stop' must be an array of strings")
    effort = body.get("reasoning_effort")
    if effort is not None and effort not in _EFFORTS:
        return _bad(f"'reasoning_effort' must be one of {', '.join(_EFFORTS)}")
    if "user" in body and not isinstance(body["user"], str):
        return _bad("'user' must be a string")
    return None


def _tools(body: Mapping[str, Any]) -> ErrorReply | None:
    tools = body.get("tools")
    if tools is not None:
        if not isinstance(tools, list):
            return _bad("'tools' must be an array")
        for position, tool in enumerate(tools):
            if not _is_function_ref(tool):
                return _bad(
                    f"tools[{position}] must be "
                    '{"type": "function", "function": {"name": ..., "parameters": ...}}'
                )
    choice = body.get("tool_choice")
    if choice is not None and choice not in _TOOL_CHOICES and not _is_function_ref(choice):
        return _bad(
            '\'tool_choice\' must be "none", "auto", "required" or '
            '{"type": "function", "function": {"name": ...}}'
        )
    return None


def _extended_thinking(body: Mapping[str, Any]) -> ErrorReply | None:
    thinking = body.get("extended_thinking")
    if thinking is None:
        return None
    if not isinstance(thinking, Mapping):
        return _bad("'extended_thinking' must be an object")
    for flag in ("enabled", "include_reasoning"):
        if flag in thinking and not isinstance(thinking[flag], bool):
            return _bad(f"'extended_thinking.{flag}' must be a boolean")
    budget = thinking.get("budget_tokens")
    if budget is not None:
        if not _is_int(budget):
            return _bad("'extended_thinking.budget_tokens' must be an integer")
        if budget < MIN_BUDGET_TOKENS:
            return _bad(
                f"'extended_thinking.budget_tokens' must be at least {MIN_BUDGET_TOKENS}, "
                f"got {budget}"
            )
    if thinking.get("enabled") is not True:
        return None
    limit = body.get("max_tokens", body.get("max_completion_tokens"))
    if budget is not None and limit is not None and budget >= limit:
        return _bad("'max_tokens' must be greater than 'extended_thinking.budget_tokens'")
    return None


def _thinking_on(body: Mapping[str, Any]) -> bool:
    thinking = body.get("extended_thinking")
    if isinstance(thinking, Mapping) and thinking.get("enabled") is True:
        return True
    return body.get("reasoning_effort") is not None and "claude" in str(body.get("model"))


def _while_thinking(body: Mapping[str, Any]) -> ErrorReply | None:
    """What Claude refuses with thinking on (its own messages, passed through by Heroku)."""
    if not _thinking_on(body):
        return None
    if "temperature" in body and body["temperature"] != 1:
        return _bad("'temperature' may only be set to 1 when extended thinking is enabled")
    if "temperature" in body and "top_p" in body:
        return _bad(
            "`temperature` and `top_p` cannot both be specified for this model. "
            "Please use only one."
        )
    choice = body.get("tool_choice")
    if choice == "required" or isinstance(choice, Mapping):
        return invalid_request("Thinking may not be enabled when tool_choice forces tool use.")
    position = _continued_tool_turn(body["messages"])
    if position is not None:
        return invalid_request(
            f"messages.{position}.content.0.type: Expected `thinking` or `redacted_thinking`, "
            "but found `tool_use`. When `thinking` is enabled, a final `assistant` message "
            "must start with a thinking block. To avoid this requirement, disable `thinking`."
        )
    return None


def _continued_tool_turn(messages: list[Any]) -> int | None:
    """The position of the assistant turn with tool calls that the history continues."""
    for position in range(len(messages) - 1, -1, -1):
        message = messages[position]
        role = message.get("role") if isinstance(message, Mapping) else None
        if role == "tool":
            continue
        if role == "assistant" and message.get("tool_calls"):
            return position
        return None
    return None


def check_messages(body: Mapping[str, Any]) -> ErrorReply | None:
    """Heroku's checks of ``messages`` (chat and agents alike), tool turns included."""
    for position, message in enumerate(body["messages"]):
        where = f"messages[{position}]"
        if not isinstance(message, Mapping):
            return _bad(f"{where} must be an object with 'role' and 'content'")
        role = message.get("role")
        if role not in ROLES:
            return _bad(f"{where}.role must be one of {', '.join(ROLES)}, got {role!r}")
        content = message.get("content")
        if role != "assistant" and not isinstance(content, str | list):
            return _bad(f"{where}.content must be a string or an array of content parts")
        if role == "tool" and not isinstance(message.get("tool_call_id"), str):
            return _bad(f"{where}.tool_call_id is required")
        if role == "assistant":
            problem = _assistant(message, where)
            if problem is not None:
                return problem
    return None


def _assistant(message: Mapping[str, Any], where: str) -> ErrorReply | None:
    content = message.get("content")
    if content is not None and not isinstance(content, str | list):
        return _bad(f"{where}.content must be a string or an array of content parts")
    tool_calls = message.get("tool_calls")
    if tool_calls is None:
        return None
    if not isinstance(tool_calls, list):
        return _bad(f"{where}.tool_calls must be an array")
    if not tool_calls:
        return None
    if is_empty_content(content):
        return invalid_request("content is required")
    for call in tool_calls:
        function = call.get("function") if isinstance(call, Mapping) else None
        if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
            return _bad(f"{where}.tool_calls must hold {{'id', 'type', 'function'}} objects")
        if not _is_json_object_text(function.get("arguments")):
            return failed_to_execute()
    return None


_CHECKS: tuple[Check, ...] = (
    _unknown_fields,
    _required,
    _scalars,
    _tools,
    _extended_thinking,
    check_messages,
    _while_thinking,
)


def _bad(detail: str) -> ErrorReply:
    return invalid_request(f"Invalid request: {detail}")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_function_ref(value: object) -> bool:
    if not isinstance(value, Mapping) or value.get("type") != "function":
        return False
    function = value.get("function")
    return isinstance(function, Mapping) and isinstance(function.get("name"), str)


def _is_json_object_text(arguments: object) -> bool:
    if not isinstance(arguments, str):
        return False
    try:
        value = json.loads(arguments)
    except ValueError:
        return False
    return isinstance(value, dict)
