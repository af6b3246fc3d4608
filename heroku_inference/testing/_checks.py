"""Checks the emulated endpoints share, each giving Heroku's 400 body (or ``None``)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from ._catalog import Catalog, ModelKind
from ._errors import ErrorReply, invalid_request, unrecognized_argument

__all__ = ["bad", "check_body", "check_choice", "check_model", "is_int", "is_number"]


def bad(detail: str) -> ErrorReply:
    """400 ``invalid_request_error``, worded as Heroku's validation errors are."""
    return invalid_request(f"Invalid request: {detail}")


def check_body(body: Any, supported: Collection[str]) -> ErrorReply | None:
    """A JSON object whose fields are all ``supported``, unless it sets
    ``allow_ignored_params: true`` (then the others are dropped, as Heroku does)."""
    if not isinstance(body, Mapping):
        return bad("the body must be a JSON object")
    allow = body.get("allow_ignored_params")
    if allow is not None and not isinstance(allow, bool):
        return bad("'allow_ignored_params' must be a boolean")
    if not allow:
        for key in body:
            if key not in supported:
                return unrecognized_argument(key)
    return None


def check_model(body: Mapping[str, Any], catalog: Catalog, kind: ModelKind) -> ErrorReply | None:
    """``model`` is given, a string, and a model of ``kind`` the catalog knows."""
    model = body.get("model")
    if model is None:
        return bad("'model' field is required")
    if not isinstance(model, str) or not model.strip():
        return bad("'model' must be a non-empty string")
    return catalog.check(model, kind)


def check_choice(body: Mapping[str, Any], name: str, choices: Collection[str]) -> ErrorReply | None:
    if name in body and body[name] not in choices:
        return bad(f"'{name}' must be one of {', '.join(choices)}, got {body[name]!r}")
    return None


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
