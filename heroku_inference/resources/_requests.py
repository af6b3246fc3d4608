"""What every endpoint's call building shares: keywords checked, the model chosen, the body
made of what the caller set, the per-call options applied, limits checked. No I/O."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from .._call_params import (
    OPTION_KEYS,
    encode_json_body,
    request_headers,
    request_prompt_caching,
    request_timeout,
)
from .._config import Settings
from .._exceptions import ConfigurationError, ParameterError
from .._telemetry import CallInfo
from .._transport import Call

__all__ = [
    "build_call",
    "check_choice",
    "check_integer",
    "check_length",
    "choose_model",
    "known_keys",
    "request_body",
    "require",
]


def known_keys(params_type: Any) -> frozenset[str]:
    """The keys of a ``TypedDict`` of keyword arguments."""
    keys: frozenset[str] = params_type.__required_keys__ | params_type.__optional_keys__
    return keys


def require(params: Mapping[str, Any], names: Collection[str], method_name: str) -> None:
    """A ``TypeError`` for the first required keyword argument missing."""
    for name in names:
        if name not in params:
            raise TypeError(f"{method_name}() missing required keyword argument: {name!r}")


def choose_model(settings: Settings, params: Mapping[str, Any], variable: str) -> str:
    """The call's model, else the settings' default; a ``ConfigurationError`` naming
    ``variable`` (where the default comes from) when there is neither."""
    model = params.get("model") or settings.model
    if not model:
        raise ConfigurationError(
            f"No model given. Pass model=... to the call or the client, or set {variable}: "
            f"export {variable}=$(heroku config:get -a $APP_NAME {variable})"
        )
    if not isinstance(model, str):
        raise TypeError(f"model must be a string, got {type(model).__name__}")
    return model


def request_body(params: Mapping[str, Any], **fields: Any) -> dict[str, Any]:
    """``fields`` first, then every other keyword the caller set (options left out), then
    ``extra_body``."""
    body = dict(fields)
    for key, value in params.items():
        if key not in OPTION_KEYS and key not in body:
            body[key] = value
    extra_body = params.get("extra_body")
    if extra_body:
        body.update(extra_body)
    return body


def build_call(
    settings: Settings,
    params: Mapping[str, Any],
    *,
    method: str,
    path: str,
    body: Mapping[str, Any] | None,
    method_name: str,
    stream: bool = False,
    telemetry: CallInfo | None = None,
) -> Call:
    """The ``Call``: the JSON body checked and encoded, with this call's options."""
    return Call(
        method=method,
        path=path,
        body=None if body is None else encode_json_body(body, method_name),
        timeout=request_timeout(params, settings.timeout),
        max_retries=settings.max_retries,
        stream=stream,
        headers=request_headers(params),
        telemetry=telemetry,
        prompt_caching=request_prompt_caching(params),
    )


def check_choice(
    params: Mapping[str, Any], name: str, choices: Collection[str], method_name: str
) -> None:
    """A ``ParameterError`` when ``params[name]`` is set but not one of ``choices``."""
    if name in params and params[name] not in choices:
        raise ParameterError(
            f"{method_name}(): {name} must be one of {', '.join(map(repr, choices))}, "
            f"got {params[name]!r}",
            param=name,
        )


def check_length(value: object, limit: int, where: str, method_name: str) -> str:
    """``value`` when it is a string of at most ``limit`` characters; a ``TypeError`` or a
    ``ParameterError`` naming ``where`` otherwise."""
    if not isinstance(value, str):
        raise TypeError(f"{method_name}(): {where} must be a string, got {type(value).__name__}")
    if len(value) > limit:
        raise ParameterError(
            f"{method_name}(): {where} is {len(value)} characters long; Heroku takes at most "
            f"{limit}",
            param=where,
        )
    return value


def check_integer(
    params: Mapping[str, Any], name: str, low: int, high: int | None, method_name: str
) -> None:
    """A ``ParameterError`` when ``params[name]`` is set but not an integer in range."""
    if name not in params:
        return
    value = params[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{method_name}(): {name} must be an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise ParameterError(f"{method_name}(): {name} must be {bounds}, got {value}", param=name)
