"""Extended thinking: what Claude would refuse, refused here first with how to fix it.

Claude (behind Heroku) rejects, with thinking on: ``budget_tokens`` under 1024 or not below
``max_tokens``; ``temperature`` other than 1; ``temperature`` and ``top_p`` together; and a
``tool_choice`` that forces a tool ("Thinking may not be enabled when tool_choice forces tool
use"). Thinking is on with ``extended_thinking={"enabled": True, ...}``, and for a Claude model
with ``reasoning_effort`` (Heroku maps it to a fixed thinking budget).

It also cannot continue a tool loop with thinking on: the assistant turn that called the tools
would have to be replayed with its signed thinking block, which Heroku's chat API has no way to
carry (reference §1 "Multi-turn tool use with extended thinking"). ``needs_thinking_off`` tells
when a request is such a continuation; the tool runner then sends it without thinking.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "MIN_BUDGET_TOKENS",
    "check_thinking",
    "forces_tool",
    "needs_thinking_off",
    "thinking_requested",
    "without_thinking",
]

MIN_BUDGET_TOKENS = 1024
_EFFORTS = ("low", "medium", "high")


def thinking_requested(params: Mapping[str, Any], model: str | None) -> bool:
    """Whether these parameters turn Claude's thinking on."""
    thinking = params.get("extended_thinking")
    if isinstance(thinking, Mapping) and thinking.get("enabled") is True:
        return True
    return params.get("reasoning_effort") is not None and "claude" in (model or "").lower()


def forces_tool(tool_choice: object) -> bool:
    """Whether ``tool_choice`` makes the model call a tool (``"required"`` or a named one)."""
    return tool_choice == "required" or isinstance(tool_choice, Mapping)


def check_thinking(params: Mapping[str, Any], model: str | None, method_name: str) -> None:
    """Raise ``ValueError`` (or ``TypeError`` for a wrong type) for a request Claude would
    refuse because of its thinking settings; a clear message says how to fix it."""
    thinking = params.get("extended_thinking")
    if thinking is not None:
        _check_shape(thinking, method_name)
    effort = params.get("reasoning_effort")
    if effort is not None and effort not in _EFFORTS:
        raise ValueError(
            f"{method_name}(): reasoning_effort must be 'low', 'medium' or 'high', got {effort!r}"
        )
    if not thinking_requested(params, model):
        return
    how = "extended_thinking" if isinstance(thinking, Mapping) else "reasoning_effort"
    budget = thinking.get("budget_tokens") if isinstance(thinking, Mapping) else None
    limit = params.get("max_tokens", params.get("max_completion_tokens"))
    if isinstance(budget, int) and isinstance(limit, int) and budget >= limit:
        raise ValueError(
            f"{method_name}(): max_tokens ({limit}) must be greater than "
            f"extended_thinking.budget_tokens ({budget}): the answer is written after the "
            f"thinking, within max_tokens. Raise max_tokens (e.g. max_tokens={budget + 1024}) "
            "or lower budget_tokens."
        )
    temperature = params.get("temperature")
    if temperature is not None and temperature != 1:
        raise ValueError(
            f"{method_name}(): temperature must be 1 (or left out) while thinking is on "
            f"({how}); got temperature={temperature!r}. Leave temperature out, or turn "
            "thinking off to set it."
        )
    if temperature is not None and params.get("top_p") is not None:
        raise ValueError(
            f"{method_name}(): temperature and top_p cannot both be set while thinking is on "
            f"({how}); leave one of them out."
        )
    if forces_tool(params.get("tool_choice")):
        raise ValueError(
            f"{method_name}(): tool_choice={params['tool_choice']!r} forces a tool call, which "
            f"Claude refuses while thinking is on ({how}): 'Thinking may not be enabled when "
            "tool_choice forces tool use'. Use tool_choice='auto', or turn thinking off."
        )


def _check_shape(thinking: object, method_name: str) -> None:
    if not isinstance(thinking, Mapping):
        raise TypeError(
            f"{method_name}(): extended_thinking must be a dict such as "
            '{"enabled": True, "budget_tokens": 1024, "include_reasoning": True}, '
            f"got {type(thinking).__name__}"
        )
    for flag in ("enabled", "include_reasoning"):
        if flag in thinking and not isinstance(thinking[flag], bool):
            raise TypeError(f"{method_name}(): extended_thinking.{flag} must be True or False")
    budget = thinking.get("budget_tokens")
    if budget is None:
        return
    if isinstance(budget, bool) or not isinstance(budget, int):
        raise TypeError(f"{method_name}(): extended_thinking.budget_tokens must be an integer")
    if budget < MIN_BUDGET_TOKENS:
        raise ValueError(
            f"{method_name}(): extended_thinking.budget_tokens must be at least "
            f"{MIN_BUDGET_TOKENS}, got {budget}; set budget_tokens={MIN_BUDGET_TOKENS} or more."
        )


def needs_thinking_off(messages: Sequence[Any]) -> bool:
    """Whether a request continues a tool loop: its last message that is not a tool result is
    an assistant turn with tool calls. Claude would need that turn's thinking block back."""
    for message in reversed(messages):
        role = _field(message, "role")
        if role == "tool":
            continue
        return role == "assistant" and bool(_field(message, "tool_calls"))
    return False


def without_thinking(params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` less the fields that turn thinking on."""
    return {k: v for k, v in params.items() if k not in ("extended_thinking", "reasoning_effort")}


def _field(message: Any, name: str) -> Any:
    if isinstance(message, Mapping):
        return message.get(name)
    return getattr(message, name, None)
