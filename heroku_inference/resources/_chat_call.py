"""Chat completions without I/O: keyword arguments to a ``Call``, a response to a model."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import httpx
import pydantic
import pydantic_core

from .._config import Settings, as_timeout, checked_headers
from .._exceptions import (
    APIResponseValidationError,
    ConfigurationError,
    parse_error_body,
    request_id_of,
)
from .._models import BaseModel
from .._transport import Call, Outcome
from ..types.chat import ChatCompletion, ChatCompletionMessage
from ..types.chat_params import ChatCompletionCreateParams, RequestOptions

__all__ = ["build_chat_call", "message_param", "parse_chat_completion"]

PATH = "/v1/chat/completions"
TOOL_CALL_PLACEHOLDER = "."
"""The content sent for a replayed assistant message that has tool calls and no text."""

_OPTION_KEYS = RequestOptions.__required_keys__ | RequestOptions.__optional_keys__
_KNOWN_KEYS = (
    ChatCompletionCreateParams.__required_keys__ | ChatCompletionCreateParams.__optional_keys__
)


def build_chat_call(
    settings: Settings, params: Mapping[str, Any], *, stream: bool, method_name: str = "create"
) -> Call:
    """Check the caller's keyword arguments and turn them into a ``Call``; nothing is sent.

    Only the fields the caller set go in the body. Unknown keywords are a ``TypeError``.
    """
    unknown = params.keys() - _KNOWN_KEYS
    if unknown:
        name = sorted(unknown)[0]
        raise TypeError(
            f"{method_name}() got an unexpected keyword argument {name!r}. "
            f"To send a field this SDK does not know, use extra_body={{{name!r}: ...}}."
        )
    if "messages" not in params:
        raise TypeError(f"{method_name}() missing required keyword argument: 'messages'")
    model = params.get("model") or settings.model
    if not model:
        raise ConfigurationError(
            "No model given. Pass model=... to the call or the client, or set INFERENCE_MODEL_ID: "
            "export INFERENCE_MODEL_ID=$(heroku config:get -a $APP_NAME INFERENCE_MODEL_ID)"
        )
    body: dict[str, Any] = {"model": model, "messages": _messages(params["messages"])}
    for key, value in params.items():
        if key not in _OPTION_KEYS and key not in ("model", "messages"):
            body[key] = value
    if stream:
        body["stream"] = True
    extra_body = params.get("extra_body")
    if extra_body:
        body.update(extra_body)
    for key, value in body.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{key} must be a finite number, got {value!r}")
    try:
        content = pydantic_core.to_json(body)
    except pydantic_core.PydanticSerializationError as exc:
        raise TypeError(f"{method_name}() got a value that cannot be sent as JSON: {exc}") from None
    return Call(
        method="POST",
        path=PATH,
        body=content,
        timeout=as_timeout(params["timeout"]) if "timeout" in params else settings.timeout,
        max_retries=settings.max_retries,
        stream=stream,
        headers=checked_headers(params.get("extra_headers"), "extra_headers"),
    )


def message_param(message: ChatCompletionMessage) -> dict[str, Any]:
    """An assistant message from a response, as a message for the next request.

    ``reasoning`` and ``refusal`` are left out: Heroku has no way to take thinking back and
    answers 500 when it is replayed as text. Heroku also answers 400 ``content is required``
    to tool calls with no text, which is how models often send them, so such a message gets
    ``TOOL_CALL_PLACEHOLDER`` as its content.
    """
    param: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls and not (message.content or "").strip():
        param["content"] = TOOL_CALL_PLACEHOLDER
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


def _messages(messages: Iterable[Any]) -> list[Any]:
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
            converted.append(message.to_dict())
        else:
            raise TypeError(
                f"messages[{position}] must be a dict or a ChatCompletionMessage, "
                f"got {type(message).__name__}"
            )
    return converted


def parse_chat_completion(outcome: Outcome) -> ChatCompletion:
    """The ``ChatCompletion`` in a read 2xx response; a clear error when it is not one."""
    response = outcome.response
    try:
        completion = ChatCompletion.model_validate_json(response.content)
    except (pydantic.ValidationError, ValueError) as exc:
        raise _invalid_body(response, exc, outcome.retries_taken) from exc
    if "choices" not in completion.model_fields_set and "error" in (completion.model_extra or {}):
        # An error object sent with a 2xx status: not a completion with no choices.
        body, detail, _, _ = parse_error_body(response.text)
        error = APIResponseValidationError(
            f"The server answered {response.status_code} with an error instead of a chat "
            f"completion: {detail}",
            request=response.request,
            body=body,
        )
        error.retries_taken = outcome.retries_taken
        raise error
    completion._request_id = request_id_of(response)
    completion._retries_taken = outcome.retries_taken
    return completion


def _invalid_body(
    response: httpx.Response, exc: Exception, retries_taken: int
) -> APIResponseValidationError:
    text = response.content.decode("utf-8", "replace")
    kind = response.headers.get("content-type", "no content type")
    snippet = " ".join(text[:200].split())
    error = APIResponseValidationError(
        f"The server answered {response.status_code} with a body that is not a chat completion "
        f"({kind}): {snippet!r}. {type(exc).__name__}: {str(exc).splitlines()[0]}",
        request=response.request,
        body=text,
    )
    error.retries_taken = retries_taken
    return error
