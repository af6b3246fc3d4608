"""Models of chat completions as the server sends them: whole (``ChatCompletion``) and streamed
(``ChatCompletionChunk`` and its delta twins).

Every model keeps unknown fields, and every field has a default, so a server that leaves a field
out or adds one never breaks parsing.
"""

from __future__ import annotations

from typing import Any, Literal, TypeAlias

import pydantic
from pydantic_core import core_schema

from .._models import BaseModel, ResponseModel

__all__ = [
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatCompletionMessage",
    "Choice",
    "ChoiceDelta",
    "ChoiceLogprobs",
    "ChunkChoice",
    "FinishReason",
    "Function",
    "FunctionDelta",
    "Reasoning",
    "ReasoningDelta",
    "TokenLogprob",
    "ToolCall",
    "ToolCallDelta",
    "Usage",
]

FinishReason: TypeAlias = Literal["stop", "length", "tool_calls", "content_filter"] | str
"""Why the model stopped. The known values are listed; any other string is kept as it is."""


class _FromString(BaseModel):
    """Reasoning as Heroku sends it (``{"thinking": ...}``) or as a bare string, which some
    servers send. The string case is a second branch of the schema, so the usual dict case
    never calls into Python."""

    thinking: str | None = None

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[pydantic.BaseModel], handler: pydantic.GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        from_string = core_schema.no_info_after_validator_function(
            lambda text: source(thinking=text), core_schema.str_schema()
        )
        return core_schema.union_schema([handler(source), from_string], mode="left_to_right")


class Usage(BaseModel):
    """Token counts of one request. Extra counters the server adds are kept."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class Function(BaseModel):
    """The function a tool call invokes; ``arguments`` is a JSON string."""

    name: str = ""
    arguments: str = ""


class ToolCall(BaseModel):
    """A call the model asks the caller to run."""

    id: str = ""
    type: str = "function"
    function: Function = pydantic.Field(default_factory=Function)


class Reasoning(_FromString):
    """The model's extended-thinking trace (``extended_thinking.include_reasoning``)."""

    thinking: str | None = None
    signature: str | None = None


class TokenLogprob(BaseModel):
    token: str = ""
    logprob: float = 0.0
    bytes: list[int] | None = None
    top_logprobs: list[dict[str, Any]] = pydantic.Field(default_factory=list)


class ChoiceLogprobs(BaseModel):
    content: list[TokenLogprob] | None = None
    refusal: list[TokenLogprob] | None = None


class ChatCompletionMessage(BaseModel):
    """The assistant's reply. It can be appended to ``messages`` for the next turn."""

    role: str = "assistant"
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ToolCall] | None = None
    reasoning: Reasoning | None = None


class Choice(BaseModel):
    index: int = 0
    message: ChatCompletionMessage = pydantic.Field(default_factory=ChatCompletionMessage)
    finish_reason: FinishReason | None = None
    logprobs: ChoiceLogprobs | None = None


class ChatCompletion(ResponseModel):
    """A whole chat completion, as returned by ``create()`` or reassembled from a stream.

    ``_request_id`` and ``_retries_taken`` tell which request produced it and how many
    retries it took (both ``None`` for a completion reassembled from relayed chunks).
    """

    id: str = ""
    object: str = "chat.completion"
    created: int = 0
    model: str = ""
    system_fingerprint: str | None = None
    choices: list[Choice] = pydantic.Field(default_factory=list)
    usage: Usage | None = None


class FunctionDelta(BaseModel):
    name: str | None = None
    arguments: str | None = None


class ToolCallDelta(BaseModel):
    """A fragment of a tool call; fragments with the same ``index`` belong together."""

    index: int | None = None
    id: str | None = None
    type: str | None = None
    function: FunctionDelta | None = None


class ReasoningDelta(_FromString):
    thinking: str | None = None
    signature: str | None = None


class ChoiceDelta(BaseModel):
    role: str | None = None
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ToolCallDelta] | None = None
    reasoning: ReasoningDelta | None = None
    reasoning_content: str | None = None
    """Reasoning text as some OpenAI-compatible servers send it."""


class ChunkChoice(BaseModel):
    index: int = 0
    delta: ChoiceDelta = pydantic.Field(default_factory=ChoiceDelta)
    finish_reason: FinishReason | None = None
    logprobs: ChoiceLogprobs | None = None


class ChatCompletionChunk(BaseModel):
    """One streamed event of a chat completion. ``choices`` may be empty (a usage-only chunk)."""

    id: str = ""
    object: str = "chat.completion.chunk"
    created: int = 0
    model: str = ""
    system_fingerprint: str | None = None
    choices: list[ChunkChoice] = pydantic.Field(default_factory=list)
    usage: Usage | None = None
