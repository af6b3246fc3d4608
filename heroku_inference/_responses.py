"""A read 2xx response to a typed model, or a clear error when it is not one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import pydantic

from ._error_bodies import parse_error_body
from ._models import ResponseModel, set_origin
from ._rate_limits import RateLimits
from ._transport import Outcome

__all__ = ["parse_response"]

R = TypeVar("R", bound=ResponseModel)


def parse_response(
    outcome: Outcome,
    model: type[R],
    kind: str,
    marker: str,
    context: Mapping[str, Any] | None = None,
) -> R:
    """The ``model`` in a read 2xx response, knowing the request it came from.

    ``kind`` names it for messages (``"a chat completion"``); ``marker`` is a field every
    real answer has (``"choices"``), so that an error object sent with a 2xx status is an
    error, not an empty answer. ``context`` is pydantic's validation context (what was asked,
    e.g. the embedding type to decode base64 vectors as).
    """
    response = outcome.response
    try:
        parsed = model.model_validate_json(response.content, context=context)
    except (pydantic.ValidationError, ValueError, RecursionError) as exc:
        text = response.content.decode("utf-8", "replace")
        content_type = response.headers.get("content-type", "no content type")
        snippet = " ".join(text[:200].split())
        # Not chained: pydantic's error repeats the input, and the input may echo anything,
        # the key included; what it found wrong is said here instead.
        raise outcome.errors.invalid_response(
            f"The server answered {response.status_code} with a body that is not {kind} "
            f"({content_type}): {snippet!r}. {_problem(exc)}",
            body=text,
        ) from None
    if marker not in parsed.model_fields_set and "error" in (parsed.model_extra or {}):
        error = parse_error_body(response.text)
        raise outcome.errors.invalid_response(
            f"The server answered {response.status_code} with an error instead of {kind}: "
            f"{error.message}",
            body=error.body,
        )
    return set_origin(
        parsed,
        request_id=outcome.request_id,
        retries_taken=outcome.retries_taken,
        rate_limits=RateLimits.from_headers(response.headers),
    )


def _problem(exc: Exception) -> str:
    """What validation found, without the input."""
    if not isinstance(exc, pydantic.ValidationError):
        return f"{type(exc).__name__}"
    first = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "the body"
    return f"{exc.error_count()} validation error(s), the first at {where}: {first['msg']}"
