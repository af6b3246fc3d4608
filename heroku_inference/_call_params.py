"""Checking a call's keyword arguments and encoding its JSON body, before anything is sent.

Shared by every resource: unknown keywords get a ``TypeError`` that suggests the close known
name; a value that JSON cannot carry as it is gets a ``TypeError`` naming its field path.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Set
from typing import Any

import httpx
import pydantic_core

from ._config import as_timeout, checked_headers

__all__ = [
    "checked_concurrency",
    "OPTION_KEYS",
    "check_keywords",
    "encode_json_body",
    "request_headers",
    "request_prompt_caching",
    "request_timeout",
]

OPTION_KEYS = frozenset({"extra_headers", "extra_body", "timeout", "prompt_caching"})
"""Per-call options every method takes: they shape the HTTP request, not the body's fields."""


def check_keywords(
    params: Mapping[str, Any],
    known: Set[str],
    method_name: str,
    *,
    refused: Mapping[str, str] | None = None,
) -> None:
    """Raise ``TypeError`` for a keyword this method does not take.

    ``refused`` maps keywords the method deliberately does not take to the reason why (e.g.
    ``stream`` on ``stream()``). Otherwise the message suggests a close known name, then
    ``extra_body`` for fields this SDK does not know.
    """
    unknown = sorted(params.keys() - known)
    if not unknown:
        return
    name = unknown[0]
    message = f"{method_name}() got an unexpected keyword argument {name!r}"
    if refused and name in refused:
        raise TypeError(f"{message}: {refused[name]}")
    import difflib  # only on this error path: it costs an import otherwise

    close = difflib.get_close_matches(name, sorted(known - OPTION_KEYS), n=1, cutoff=0.75)
    if close:
        message += f"; did you mean {close[0]!r}?"
    else:
        message += "."
    raise TypeError(
        f"{message} To send a field this SDK does not know, use extra_body={{{name!r}: ...}}."
    )


def encode_json_body(body: Mapping[str, Any], method_name: str) -> bytes:
    """``body`` as JSON bytes, once every value in it is one JSON carries as it is.

    Strings, integers, finite floats, booleans, ``None``, lists, tuples and dicts with string
    keys pass. Anything else (``Decimal``, ``datetime``, ``bytes``, sets, objects) is a
    ``TypeError`` naming where it is, e.g. ``metadata.k``, rather than being turned into a
    string the server would misread; NaN and infinities are a ``ValueError``.
    """
    try:
        _check_json_value(body, "", method_name)
    except RecursionError:
        raise ValueError(f"{method_name}(): the request is nested too deeply to send") from None
    return pydantic_core.to_json(body)


_SCALARS = (str, int, type(None))


def _check_json_value(value: object, path: str, method_name: str) -> None:
    if isinstance(value, _SCALARS):  # bool is an int
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(
                f"{method_name}(): {path or 'body'} must be a finite number, got {value!r}"
            )
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(
                    f"{method_name}(): {path or 'body'} has a key that is not a string: {key!r}"
                )
            _check_json_value(item, f"{path}.{key}" if path else key, method_name)
        return
    if isinstance(value, list | tuple):
        for position, item in enumerate(value):
            _check_json_value(item, f"{path}[{position}]", method_name)
        return
    hint = _HINTS.get(type(value).__name__, "")
    raise TypeError(
        f"{method_name}(): {path or 'body'} is a {type(value).__name__} ({value!r:.60}), "
        f"which cannot be sent as JSON{hint}"
    )


_HINTS = {
    "Decimal": "; pass a float (e.g. float(value))",
    "datetime": "; pass a string (e.g. value.isoformat())",
    "date": "; pass a string (e.g. value.isoformat())",
    "bytes": "; pass a string (decode it, or base64-encode it)",
    "set": "; pass a list",
    "frozenset": "; pass a list",
}


def request_timeout(params: Mapping[str, Any], default: httpx.Timeout) -> httpx.Timeout:
    """This call's timeout: the ``timeout`` keyword, or the client's."""
    return as_timeout(params["timeout"]) if "timeout" in params else default


def request_headers(params: Mapping[str, Any]) -> dict[str, str]:
    """This call's extra headers, checked."""
    return checked_headers(params.get("extra_headers"), "extra_headers")


def request_prompt_caching(params: Mapping[str, Any]) -> bool | None:
    """This call's ``prompt_caching`` choice (``False`` opts out), or ``None``: the client's."""
    value = params.get("prompt_caching")
    if value is not None and not isinstance(value, bool):
        raise TypeError(f"prompt_caching must be True or False, got {value!r}")
    return value


def checked_concurrency(value: object, method_name: str) -> int:
    """``max_concurrency``: an integer of at least 1, or a ``ValueError`` saying so."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{method_name}(): max_concurrency must be an integer >= 1, got {value!r}")
    return value
