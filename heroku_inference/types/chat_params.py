"""Typed dicts of what a caller sends to ``POST /v1/chat/completions``.

Only the keys a caller sets are sent. A field this SDK does not know goes in ``extra_body``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Literal, TypeAlias

import httpx
from typing_extensions import NotRequired, Required, TypedDict

if TYPE_CHECKING:
    from .._tool import Tool
    from .chat import ChatCompletionMessage

__all__ = [
    "AssistantMessageParam",
    "ChatCompletionCreateParams",
    "ChatCompletionMessageParam",
    "ChatCompletionRequestParams",
    "ChatCompletionRunToolsParams",
    "ContentPartParam",
    "DeveloperMessageParam",
    "ExtendedThinkingParam",
    "FunctionDefinitionParam",
    "ImagePartParam",
    "NamedToolChoiceParam",
    "RequestOptions",
    "SystemMessageParam",
    "TextPartParam",
    "ToolCallParam",
    "ToolChoiceParam",
    "ToolMessageParam",
    "ToolParam",
    "UserMessageParam",
]


class TextPartParam(TypedDict):
    type: Literal["text"]
    text: str


class _ImageURL(TypedDict):
    url: str
    detail: NotRequired[Literal["auto", "low", "high"]]


class ImagePartParam(TypedDict):
    type: Literal["image_url"]
    image_url: _ImageURL


ContentPartParam: TypeAlias = TextPartParam | ImagePartParam


class SystemMessageParam(TypedDict):
    role: Literal["system"]
    content: str | list[TextPartParam]
    name: NotRequired[str]


class DeveloperMessageParam(TypedDict):
    role: Literal["developer"]
    content: str | list[TextPartParam]
    name: NotRequired[str]


class UserMessageParam(TypedDict):
    role: Literal["user"]
    content: str | list[ContentPartParam]
    name: NotRequired[str]


class _FunctionCallParam(TypedDict):
    name: str
    arguments: str
    """A JSON object, as a string. Heroku answers 500 when it is not a JSON object."""


class ToolCallParam(TypedDict):
    id: str
    type: Literal["function"]
    function: _FunctionCallParam


class AssistantMessageParam(TypedDict):
    """An earlier assistant turn. With ``tool_calls``, Heroku requires non-empty ``content``."""

    role: Literal["assistant"]
    content: NotRequired[str | list[TextPartParam] | None]
    tool_calls: NotRequired[list[ToolCallParam]]
    name: NotRequired[str]


class ToolMessageParam(TypedDict):
    role: Literal["tool"]
    content: str | list[TextPartParam]
    tool_call_id: str


ChatCompletionMessageParam: TypeAlias = (
    SystemMessageParam
    | DeveloperMessageParam
    | UserMessageParam
    | AssistantMessageParam
    | ToolMessageParam
)


class FunctionDefinitionParam(TypedDict):
    name: str
    description: NotRequired[str]
    parameters: NotRequired[Mapping[str, object]]
    """A JSON Schema of an object."""
    strict: NotRequired[bool]


class ToolParam(TypedDict):
    type: Literal["function"]
    function: FunctionDefinitionParam


class _NamedFunction(TypedDict):
    name: str


class NamedToolChoiceParam(TypedDict):
    type: Literal["function"]
    function: _NamedFunction


ToolChoiceParam: TypeAlias = Literal["none", "auto", "required"] | NamedToolChoiceParam


class ExtendedThinkingParam(TypedDict, total=False):
    """Claude's extended thinking. ``budget_tokens`` is at least 1024 and below ``max_tokens``."""

    enabled: bool
    budget_tokens: int
    include_reasoning: bool


class _StreamOptionsParam(TypedDict, total=False):
    include_usage: bool


class RequestOptions(TypedDict, total=False):
    """Per-call options: they shape the HTTP request, not the JSON body's known fields."""

    extra_headers: Mapping[str, str]
    """Headers for this call, e.g. ``{"X-Heroku-Prompt-Caching": "false"}``."""
    extra_body: Mapping[str, object]
    """Fields merged into the JSON body, for fields this SDK does not know."""
    timeout: float | httpx.Timeout | None
    """This call's timeout; ``None`` means no timeout."""
    prompt_caching: bool
    """``False`` opts this call out of Heroku's prompt caching (``X-Heroku-Prompt-Caching:
    false``); ``True`` leaves it on even when the client turned it off."""


class ChatCompletionRequestParams(RequestOptions, total=False):
    """The keyword arguments every chat method takes (``parse()`` takes exactly these)."""

    messages: Required[Iterable[ChatCompletionMessageParam | ChatCompletionMessage]]
    model: str | None
    """The model ID; ``None`` or absent means the client's model (``INFERENCE_MODEL_ID``)."""
    max_tokens: int
    max_completion_tokens: int
    temperature: float
    """0.0 to 1.0 on Heroku."""
    top_p: float
    top_k: int
    stop: str | list[str]
    extended_thinking: ExtendedThinkingParam
    reasoning_effort: Literal["low", "medium", "high"]
    allow_ignored_params: bool
    """When true, Heroku drops parameters it does not support instead of answering 400."""
    stream_options: _StreamOptionsParam
    user: str
    tool_call_placeholder: str
    """Not sent: the content given to an assistant turn that has tool calls and no text, which
    Heroku refuses (400 ``content is required``). Default ``"."``."""
    # Accepted by Heroku but ignored; without allow_ignored_params=True Heroku answers 400.
    metadata: Mapping[str, str]
    n: int
    seed: int
    presence_penalty: float
    frequency_penalty: float
    logit_bias: Mapping[str, int]
    logprobs: bool
    top_logprobs: int
    service_tier: str
    store: bool


class ChatCompletionRunToolsParams(ChatCompletionRequestParams, total=False):
    """The keyword arguments of ``chat.completions.run_tools()`` besides its own."""

    tool_choice: ToolChoiceParam
    parallel_tool_calls: bool
    response_format: Mapping[str, object]
    """Ignored by Heroku (see ``parse()`` for structured output)."""


class ChatCompletionCreateParams(ChatCompletionRunToolsParams, total=False):
    """The keyword arguments of ``chat.completions.create()`` and ``.stream()``."""

    tools: Iterable[ToolParam | Tool]
    """Tool dicts, ``@tool`` functions and ``Tool`` objects, in any mix."""
