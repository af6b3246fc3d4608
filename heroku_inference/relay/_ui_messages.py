"""The ``UIMessage`` list an AI SDK front end posts (``useChat``), as this SDK's messages.

``useChat`` posts ``{"id", "messages": [UIMessage...], "trigger", "messageId"}``; a
``UIMessage`` is ``{"id", "role", "parts": [...]}``. Text parts become content; image file
parts become ``image_url`` parts; a tool part with an output (or an error) becomes the
assistant's tool call and the tool's result. Reasoning is left out (Heroku cannot take
thinking back), and so are tool calls still waiting for their result, data and source parts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from .._message_rules import tool_result_content

__all__ = ["messages_from_ui"]

_DONE_STATES = ("output-available", "output-error")


def messages_from_ui(ui_messages: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``useChat``'s ``messages`` as messages for ``chat.completions``.

    ```python
    body = await request.json()          # what useChat posted
    messages = messages_from_ui(body["messages"])
    ```
    """
    if isinstance(ui_messages, Mapping | str):
        raise TypeError("ui_messages must be the list of UIMessage objects useChat posts")
    messages: list[dict[str, Any]] = []
    for position, ui in enumerate(ui_messages):
        if not isinstance(ui, Mapping):
            raise TypeError(f"ui_messages[{position}] must be an object, got {type(ui).__name__}")
        role = ui.get("role")
        parts = ui.get("parts") or []
        if not isinstance(parts, list):
            raise TypeError(f"ui_messages[{position}].parts must be a list")
        if role == "assistant":
            messages.extend(_assistant(parts))
        elif role in ("user", "system"):
            content = _content(parts) if role == "user" else _text(parts)
            if content:
                messages.append({"role": role, "content": content})
        else:
            raise ValueError(f"ui_messages[{position}].role must be user, assistant or system")
    return messages


def _text(parts: list[Any]) -> str:
    return "".join(
        str(part.get("text") or "")
        for part in parts
        if isinstance(part, Mapping) and part.get("type") == "text"
    )


def _content(parts: list[Any]) -> str | list[dict[str, Any]]:
    images = [
        {"type": "image_url", "image_url": {"url": part["url"]}}
        for part in parts
        if isinstance(part, Mapping)
        and part.get("type") == "file"
        and str(part.get("mediaType", "")).startswith("image/")
        and isinstance(part.get("url"), str)
    ]
    text = _text(parts)
    if not images:
        return text
    return [*([{"type": "text", "text": text}] if text else []), *images]


def _assistant(parts: list[Any]) -> list[dict[str, Any]]:
    """One assistant message (and its tool results) per step of the UI message."""
    messages: list[dict[str, Any]] = []
    text: list[str] = []
    calls: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []

    def flush() -> None:
        if text or calls:
            message: dict[str, Any] = {"role": "assistant", "content": "".join(text)}
            if calls:
                message["tool_calls"] = list(calls)
            messages.append(message)
            messages.extend(results)
        text.clear()
        calls.clear()
        results.clear()

    for part in parts:
        if not isinstance(part, Mapping):
            continue
        kind = str(part.get("type", ""))
        if kind == "step-start":
            flush()
        elif kind == "text":
            text.append(str(part.get("text") or ""))
        elif (kind.startswith("tool-") or kind == "dynamic-tool") and part.get(
            "state"
        ) in _DONE_STATES:
            name = str(part.get("toolName") or kind.removeprefix("tool-"))
            call_id = str(part.get("toolCallId") or "")
            calls.append(
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(part.get("input") or {})},
                }
            )
            if part.get("state") == "output-error":
                output: object = {"error": str(part.get("errorText") or "")}
            else:
                output = part.get("output")
            content = tool_result_content(output, where=f"{name} output", strict=False)
            results.append({"role": "tool", "tool_call_id": call_id, "content": content})
    flush()
    return messages
