"""Chat completions without I/O: keyword arguments to a ``Call``, a response to a model."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._call_params import check_keywords
from .._config import MODEL_VARIABLE, Settings
from .._message_rules import DEFAULT_PLACEHOLDER, apply_tool_turn_rules, json_object_or_empty
from .._models import BaseModel
from .._responses import parse_response
from .._telemetry import CallInfo
from .._thinking_checks import check_thinking
from .._tool_params import tool_params
from .._transport import Call, Outcome
from ..types.chat import ChatCompletion, ChatCompletionMessage
from ..types.chat_params import ChatCompletionCreateParams
from ._requests import build_call, choose_model, request_body, require

__all__ = [
    "build_chat_call",
    "message_param",
    "message_params",
    "parse_chat_completion",
    "replayable_message",
]

PATH = "/v1/chat/completions"
TOOL_CALL_PLACEHOLDER = DEFAULT_PLACEHOLDER
"""The content sent for a replayed assistant message that has tool calls and no text."""

_KNOWN_KEYS = (
    ChatCompletionCreateParams.__required_keys__ | ChatCompletionCreateParams.__optional_keys__
)
_REFUSED_BY_STREAM = {"stream": "stream() always streams; leave out stream=True."}


def build_chat_call(
    settings: Settings, params: Mapping[str, Any], *, stream: bool, method_name: str = "create"
) -> Call:
    """Check the caller's keyword arguments and turn them into a ``Call``; nothing is sent.

    Only the fields the caller set go in the body. Unknown keywords are a ``TypeError``;
    ``Tool`` objects in ``tools`` are converted; Heroku's tool-turn rules are applied to the
    messages (``_message_rules``) and thinking settings Claude would refuse are refused
    (``_thinking_checks``).
    """
    check_keywords(params, _KNOWN_KEYS, method_name, refused=_REFUSED_BY_STREAM)
    require(params, ("messages",), method_name)
    model = choose_model(settings, params, MODEL_VARIABLE)
    check_thinking(params, model, method_name)
    placeholder = params.get("tool_call_placeholder", DEFAULT_PLACEHOLDER)
    if not isinstance(placeholder, str) or not placeholder.strip():
        raise ValueError(
            f"{method_name}(): tool_call_placeholder must be non-empty text, got {placeholder!r}"
        )
    messages = apply_tool_turn_rules(
        message_params(params["messages"]), placeholder=placeholder, method_name=method_name
    )
    fields: dict[str, Any] = {"model": model, "messages": messages}
    if "tools" in params:
        fields["tools"] = tool_params(params["tools"], method_name)
    if stream:
        fields["stream"] = True
    sent = {key: value for key, value in params.items() if key != "tool_call_placeholder"}
    body = request_body(sent, **fields)
    return build_call(
        settings,
        params,
        method="POST",
        path=PATH,
        body=body,
        method_name=method_name,
        stream=stream,
        telemetry=_telemetry(body),
    )


def _telemetry(body: Mapping[str, Any]) -> CallInfo:
    attributes: dict[str, Any] = {}
    for key, name in _REQUEST_ATTRIBUTES:
        if key in body:
            attributes.setdefault(name, body[key])
    stop = body.get("stop")
    if stop is not None:
        attributes["gen_ai.request.stop_sequences"] = [stop] if isinstance(stop, str) else stop
    return CallInfo("chat", body["model"], attributes, content=body["messages"])


_REQUEST_ATTRIBUTES = (
    ("max_tokens", "gen_ai.request.max_tokens"),
    ("max_completion_tokens", "gen_ai.request.max_tokens"),
    ("temperature", "gen_ai.request.temperature"),
    ("top_p", "gen_ai.request.top_p"),
    ("top_k", "gen_ai.request.top_k"),
    ("seed", "gen_ai.request.seed"),
)


def message_param(message: ChatCompletionMessage) -> dict[str, Any]:
    """An assistant message from a response, as a message for the next request.

    ``reasoning`` and ``refusal`` are left out: Heroku has no way to take thinking back and
    answers 500 when it is replayed as text. (A tool-call turn with no text is given its
    placeholder content when it is sent, by the tool-turn rules.)
    """
    param: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        param["tool_calls"] = [
            {
                "id": call.id,
                "type": call.type,
                "function": {"name": call.function.name, "arguments": call.function.arguments},
            }
            for call in message.tool_calls
        ]
    extra = message.model_extra or {}
    for key in ("name", "tool_call_id"):
        if key in extra:
            param[key] = extra[key]
    return param


def replayable_message(message: ChatCompletionMessage) -> dict[str, Any]:
    """``message_param(message)`` for a turn the SDK itself sends back (the tool runner's,
    ``parse()``'s): tool-call arguments that are not a JSON object (a reply cut short, a
    model's mistake) go back as ``"{}"``, which Heroku takes, rather than failing the call."""
    param = message_param(message)
    for call in param.get("tool_calls") or ():
        call["function"]["arguments"] = json_object_or_empty(call["function"]["arguments"])
    return param


def message_params(messages: object) -> list[Any]:
    """The messages of a request: dicts as they are, and messages from responses (a
    ``ChatCompletionMessage``, an agents transcript's tool message) as request messages."""
    if isinstance(messages, str | bytes | Mapping) or not isinstance(messages, Iterable):
        raise TypeError(
            "messages must be a list of messages, e.g. [{'role': 'user', 'content': 'Hello!'}], "
            f"got {type(messages).__name__}"
        )
    converted: list[Any] = []
    for position, message in enumerate(messages):
        if isinstance(message, ChatCompletionMessage):
            converted.append(message_param(message))
        elif isinstance(message, Mapping):
            converted.append(message)
        elif isinstance(message, BaseModel):
            converted.append(_model_message(message))
        else:
            raise TypeError(
                f"messages[{position}] must be a dict or a message from a response, "
                f"got {type(message).__name__}"
            )
    return converted


def _model_message(message: BaseModel) -> dict[str, Any]:
    if getattr(message, "role", None) != "tool":
        return message.to_dict()
    # A tool result from an agents transcript: what a request's tool message holds.
    param: dict[str, Any] = {"role": "tool", "content": getattr(message, "content", None) or ""}
    for key in ("tool_call_id", "name"):
        value = getattr(message, key, None)
        if value is not None:
            param[key] = value
    return param


def parse_chat_completion(outcome: Outcome) -> ChatCompletion:
    """The ``ChatCompletion`` in a read 2xx response; a clear error when it is not one."""
    return parse_response(outcome, ChatCompletion, "a chat completion", marker="choices")
