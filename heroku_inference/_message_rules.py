"""Heroku's tool-turn rules, applied to every message list before it is sent.

Each rule is one that has broken other clients in production (reference §1 "Messages", §7
fact 7):

- an assistant message with ``tool_calls`` and empty or null ``content`` gets a placeholder
  (Heroku answers 400 ``content is required`` otherwise);
- tool-call ``arguments`` must be a JSON object: a dict is encoded, empty text means ``{}``,
  anything else is a ``ValueError`` here rather than Heroku's 500 ``Failed to execute chat``;
- a tool result that is not a string is sent as JSON, and a result whose JSON is an array or
  a scalar is wrapped as ``{"result": ...}`` (Heroku fails on those);
- reasoning from earlier turns is never sent back (Heroku answers 500 when it is replayed).

Messages are copied only where a rule changes them; the caller's dicts are never mutated.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pydantic
import pydantic_core

__all__ = [
    "DEFAULT_PLACEHOLDER",
    "apply_tool_turn_rules",
    "is_empty_content",
    "json_object_or_empty",
    "tool_result_content",
]

DEFAULT_PLACEHOLDER = "."
"""The content sent for an assistant turn that has tool calls and no text."""

_REASONING_KEYS = ("reasoning", "reasoning_content")
_JSON_SCALAR_STARTS = frozenset("[-0123456789tfn")


def apply_tool_turn_rules(messages: list[Any], *, placeholder: str, method_name: str) -> list[Any]:
    """``messages`` (dicts) with the rules applied; raises before anything is sent when a
    message breaks a rule no rewrite can fix."""
    out: list[Any] = []
    for position, message in enumerate(messages):
        role = message.get("role")
        if role == "assistant":
            message = _assistant(message, f"messages[{position}]", placeholder, method_name)
        elif role == "tool":
            message = _tool_result(message, f"messages[{position}]", method_name)
        out.append(message)
    return out


def tool_result_content(value: object, *, where: str = "content", strict: bool = True) -> str:
    """A tool's result as the string Heroku takes: text stays text (unless it is the JSON of an
    array or scalar), anything else becomes a JSON object.

    ``strict=False`` turns a value JSON cannot carry into its ``str()`` instead of an error
    (for what tools return, which is meant for the model to read).
    """
    if isinstance(value, str):
        return _wrapped_text(value)
    try:
        encoded = pydantic_core.to_json(value, serialize_unknown=not strict).decode()
    except pydantic_core.PydanticSerializationError as exc:
        raise TypeError(
            f"{where} is a {type(value).__name__}, which cannot be sent as JSON: {exc}"
        ) from None
    return encoded if encoded.startswith("{") else f'{{"result":{encoded}}}'


def json_object_or_empty(arguments: str) -> str:
    """A model's tool-call arguments as history can carry them: the text when it is a JSON
    object, else ``"{}"`` (for replaying a call whose arguments were broken)."""
    if not arguments.strip():
        return "{}"
    try:
        return arguments if isinstance(json.loads(arguments), dict) else "{}"
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        return "{}"


def _wrapped_text(text: str) -> str:
    stripped = text.strip()
    if not stripped or stripped[0] not in _JSON_SCALAR_STARTS:
        return text
    try:
        decoded = json.loads(stripped)
    except (ValueError, RecursionError):
        return text
    if isinstance(decoded, dict):
        return text
    return json.dumps({"result": decoded}, ensure_ascii=False)


def _tool_result(message: Mapping[str, Any], where: str, method_name: str) -> Mapping[str, Any]:
    content = message.get("content")
    if isinstance(content, str):
        wrapped = _wrapped_text(content)
        return message if wrapped is content else {**message, "content": wrapped}
    if isinstance(content, list) and all(
        isinstance(part, Mapping) and part.get("type") == "text" for part in content
    ):
        return message  # text parts, as the API takes them
    if isinstance(content, pydantic.BaseModel | list | dict | int | float | bool) or (
        content is None
    ):
        text = tool_result_content(content, where=f"{method_name}(): {where}.content")
        return {**message, "content": text}
    raise TypeError(
        f"{method_name}(): {where}.content is a {type(content).__name__}; a tool result is a "
        "string (or JSON data, which is sent as a JSON object)"
    )


def _assistant(
    message: Mapping[str, Any], where: str, placeholder: str, method_name: str
) -> Mapping[str, Any]:
    changed: dict[str, Any] | None = None
    if any(key in message for key in _REASONING_KEYS):
        changed = {k: v for k, v in message.items() if k not in _REASONING_KEYS}
    tool_calls = message.get("tool_calls")
    if tool_calls:
        if not isinstance(tool_calls, list | tuple):
            raise TypeError(f"{method_name}(): {where}.tool_calls must be a list of tool calls")
        calls = [
            _tool_call(call, f"{where}.tool_calls[{index}]", method_name)
            for index, call in enumerate(tool_calls)
        ]
        if any(new is not old for new, old in zip(calls, tool_calls, strict=True)):
            changed = changed if changed is not None else dict(message)
            changed["tool_calls"] = calls
        if is_empty_content(message.get("content")):
            changed = changed if changed is not None else dict(message)
            changed["content"] = placeholder
    return message if changed is None else changed


def _tool_call(call: Any, where: str, method_name: str) -> Any:
    if isinstance(call, pydantic.BaseModel):
        call = call.model_dump(mode="json", exclude_unset=True)
    if not isinstance(call, Mapping):
        raise TypeError(f"{method_name}(): {where} must be a dict, got {type(call).__name__}")
    function = call.get("function")
    if not isinstance(function, Mapping):
        raise TypeError(f"{method_name}(): {where}.function must be a dict with name, arguments")
    arguments = function.get("arguments")
    fixed = _object_arguments(arguments, f"{method_name}(): {where}.function.arguments")
    if fixed is arguments:
        return call
    return {**call, "function": {**function, "arguments": fixed}}


def _object_arguments(arguments: object, where: str) -> str:
    if isinstance(arguments, Mapping):
        return json.dumps(arguments, ensure_ascii=False)
    if arguments is None or (isinstance(arguments, str) and not arguments.strip()):
        return "{}"  # a call with no arguments
    if not isinstance(arguments, str):
        raise TypeError(f"{where} must be a JSON object string, got {type(arguments).__name__}")
    try:
        decoded = json.loads(arguments)
    except (ValueError, RecursionError):
        decoded = _NOT_JSON
    if not isinstance(decoded, dict):
        what = "not valid JSON" if decoded is _NOT_JSON else f"a JSON {type(decoded).__name__}"
        raise ValueError(
            f"{where} is {what} ({arguments[:80]!r}); Heroku answers 500 'Failed to execute "
            "chat' unless every tool call in the history has a JSON object as its arguments. "
            "Replace it (e.g. with '{}') or leave that turn out."
        )
    return arguments


_NOT_JSON = object()


def is_empty_content(content: object) -> bool:
    """Whether a message's content has no text (``None``, blank, or parts without text)."""
    if content is None:
        return True
    if isinstance(content, str):
        return not content.strip()
    if isinstance(content, list):
        return not any(
            isinstance(part, Mapping) and str(part.get("text") or "").strip() for part in content
        )
    return False
