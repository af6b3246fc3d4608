"""``POST /v1/agents/heroku``: tools Heroku runs itself, the events of a run, and its result.

The endpoint always streams, and each event is a whole object told apart by ``object``
(reference section 5d; ``tests/fixtures/agents_mcp.heroku.sse``):

- ``chat.completion``: an assistant turn (``AgentCompletion``), perhaps calling tools;
- ``tool.completion``: a tool's result (``ToolCompletion``), with empty ``usage``, an empty
  ``finish_reason`` and no ``model``;
- ``tool.error``: a tool failed (``ToolErrorEvent``); the run goes on;
- ``agent.error``: the run failed (``AgentErrorEvent``); the stream raises ``AgentError``.

An ``object`` this SDK does not know yet arrives as ``UnknownAgentEvent``, its fields kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal, TypeAlias, Union

import pydantic
from typing_extensions import NotRequired, Required, TypedDict

from .._models import BaseModel, ResponseModel
from .chat import ChatCompletionMessage, Choice, Usage
from .chat_params import ChatCompletionMessageParam, RequestOptions

__all__ = [
    "AgentCompletion",
    "AgentCreateParams",
    "AgentErrorEvent",
    "AgentEvent",
    "AgentMessage",
    "AgentResult",
    "AgentToolParam",
    "HerokuToolName",
    "HerokuToolParam",
    "MCPToolParam",
    "RuntimeParamsParam",
    "ToolChoice",
    "ToolCompletion",
    "ToolErrorEvent",
    "ToolResultMessage",
    "UnknownAgentEvent",
]

HerokuToolName: TypeAlias = (
    Literal[
        "dyno_run_command",
        "code_exec_python",
        "code_exec_ruby",
        "code_exec_node",
        "code_exec_go",
        "pg_psql",
        "doc_reader",
        "pg_vector_query",
    ]
    | str
)
"""The tools Heroku runs (``heroku_tool``); any other name is sent as it is."""


class RuntimeParamsParam(TypedDict, total=False):
    """How Heroku runs a tool."""

    target_app_name: str
    """The app whose dynos, database or files the tool uses."""
    dyno_size: str
    """Default ``standard-1x``."""
    ttl_seconds: int
    """How long a tool dyno may run; at most and by default 120."""
    max_calls: int
    """How many times the model may call the tool in one run; default 3."""
    tool_params: Mapping[str, object]
    """The tool's own parameters, e.g. ``{"cmd": ..., "description": ..., "parameters": ...}``
    for ``dyno_run_command``."""


class HerokuToolParam(TypedDict):
    """A tool Heroku runs, e.g. ``{"type": "heroku_tool", "name": "code_exec_python"}``."""

    type: Literal["heroku_tool"]
    name: HerokuToolName
    description: NotRequired[str]
    runtime_params: NotRequired[RuntimeParamsParam]


class MCPToolParam(TypedDict):
    """A tool of an MCP server registered with the add-on, named as the server namespaces
    it (``"mcp-python/code_exec_python"``, see ``client.mcp.servers.list()``)."""

    type: Literal["mcp"]
    name: str
    description: NotRequired[str]
    runtime_params: NotRequired[RuntimeParamsParam]


AgentToolParam: TypeAlias = HerokuToolParam | MCPToolParam


class ToolResultMessage(BaseModel):
    """A tool's result, as the agent loop recorded it: ``role`` is ``"tool"``.

    Heroku's ``content`` reads ``Tool '<name>' returned result: <JSON>``; ``result`` is that
    JSON, parsed (``None`` when the content is not in that form).
    """

    role: str = "tool"
    content: str | None = None
    refusal: str | None = None
    tool_call_id: str | None = None
    name: str | None = None

    @property
    def result(self) -> Any:
        """The tool's result, parsed from ``content`` (``None`` when it is not JSON)."""
        return parse_tool_result(self.content)


def parse_tool_result(content: str | None) -> Any:
    """The JSON after ``returned result:`` in a tool message's content, or ``None``."""
    if not content:
        return None
    _, marker, rest = content.partition(" returned result: ")
    text = rest if marker else content
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


AgentMessage: TypeAlias = ChatCompletionMessage | ToolResultMessage
"""A message of a run's transcript: an assistant turn or a tool's result."""


class AgentCompletion(BaseModel):
    """An assistant turn of the run (``object: "chat.completion"``), with its usage: a
    ``ChatCompletion``'s fields, as an event (no request id of its own)."""

    id: str = ""
    object: Literal["chat.completion"] = "chat.completion"
    created: int = 0
    model: str = ""
    system_fingerprint: str | None = None
    choices: list[Choice] = pydantic.Field(default_factory=list)
    usage: Usage | None = None

    @property
    def message(self) -> ChatCompletionMessage | None:
        """The assistant's message (``choices[0].message``)."""
        return self.choices[0].message if self.choices else None


class ToolChoice(BaseModel):
    index: int = 0
    message: ToolResultMessage = pydantic.Field(default_factory=ToolResultMessage)
    finish_reason: str | None = None


class ToolCompletion(BaseModel):
    """A tool's result (``object: "tool.completion"``). ``usage`` is empty and there is no
    ``model``, as Heroku sends it."""

    id: str = ""
    object: Literal["tool.completion"] = "tool.completion"
    created: int = 0
    model: str | None = None
    system_fingerprint: str | None = None
    choices: list[ToolChoice] = pydantic.Field(default_factory=list)
    usage: Usage | None = None

    @property
    def message(self) -> ToolResultMessage | None:
        """The tool's message (``choices[0].message``)."""
        return self.choices[0].message if self.choices else None


class ToolErrorEvent(BaseModel):
    """A tool failed (``object: "tool.error"``); the model sees it and the run goes on."""

    id: str | None = None
    object: Literal["tool.error"] = "tool.error"
    name: str | None = None
    error: Any = None


class AgentErrorEvent(BaseModel):
    """The run failed (``object: "agent.error"``). The stream raises ``AgentError`` with it."""

    id: str | None = None
    object: Literal["agent.error"] = "agent.error"
    message: str | None = None
    error: Any = None

    def text(self) -> str:
        """The error's message, wherever the server put it."""
        if self.message:
            return self.message
        error = self.error
        if isinstance(error, Mapping) and isinstance(error.get("message"), str):
            return str(error["message"])
        if isinstance(error, str) and error:
            return error
        return "no message"


class UnknownAgentEvent(BaseModel):
    """An event whose ``object`` this SDK does not know; every field is kept."""

    object: str | None = None


def _kind(value: Any) -> str:
    kind = value.get("object") if isinstance(value, Mapping) else getattr(value, "object", None)
    return kind if isinstance(kind, str) and kind in _KINDS else "unknown"


_KINDS = frozenset({"chat.completion", "tool.completion", "tool.error", "agent.error"})

AgentEvent: TypeAlias = Annotated[
    Union[  # noqa: UP007  (a runtime union of tagged members)
        Annotated[AgentCompletion, pydantic.Tag("chat.completion")],
        Annotated[ToolCompletion, pydantic.Tag("tool.completion")],
        Annotated[ToolErrorEvent, pydantic.Tag("tool.error")],
        Annotated[AgentErrorEvent, pydantic.Tag("agent.error")],
        Annotated[UnknownAgentEvent, pydantic.Tag("unknown")],
    ],
    pydantic.Discriminator(_kind),
]
"""One event of an agent run, told apart by ``object``."""


class AgentCreateParams(RequestOptions, total=False):
    """The keyword arguments of ``agents.create()`` and ``agents.stream()``."""

    messages: Required[Iterable[ChatCompletionMessageParam | AgentMessage]]
    model: str | None
    """The model ID; ``None`` or absent: the client's model (``INFERENCE_MODEL_ID``)."""
    tools: Iterable[AgentToolParam]
    max_tokens_per_inference_request: int
    """Tokens per model call of the loop (at most 4096 on Haiku, 8192 on Sonnet)."""
    stop: str | list[str]
    temperature: float
    """0.0 to 1.0; Heroku's default is 1.0."""
    top_p: float


class AgentResult(ResponseModel):
    """A whole agent run: the transcript, the final answer and the tokens of every turn.

    ```python
    result = await client.agents.create(messages=messages, tools=tools)
    print(result.final.content if result.final else "")
    messages += result.messages  # to go on with the conversation
    ```
    """

    id: str = ""
    model: str = ""
    messages: list[AgentMessage] = pydantic.Field(default_factory=list)
    """The run's new messages in order: assistant turns and tool results."""
    final: ChatCompletionMessage | None = None
    """The last assistant message (the answer), ``None`` if the run sent none."""
    usage: Usage = pydantic.Field(default_factory=Usage)
    """Tokens summed over the run's assistant turns."""
    events: list[AgentEvent] = pydantic.Field(default_factory=list)
    """Every event of the run, tool errors and unknown events included."""

    @property
    def text(self) -> str:
        """The final answer's text (``""`` when there is none)."""
        return (self.final.content or "") if self.final is not None else ""
