"""Reading what a server said when it failed: error bodies in every form, and request ids."""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

import httpx

__all__ = ["REQUEST_ID_HEADERS", "ErrorBody", "parse_error_body", "request_id_of", "shorten"]

REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-heroku-request-id", "x-amz-cf-id")
"""Headers that may name the request, most specific first (``x-amz-cf-id``: CloudFront's)."""


class ErrorBody(NamedTuple):
    """An error body taken apart: the parsed body, and its message, type and code if any."""

    body: object
    message: str | None
    type: str | None
    code: str | int | None


def request_id_of(response: httpx.Response) -> str | None:
    """The request id the server or the edge gave this response, if any."""
    headers = response.headers
    for name in REQUEST_ID_HEADERS:
        value: str | None = headers.get(name)
        if value:
            return value
    return None


def parse_error_body(text: str) -> ErrorBody:
    """Parse an error body in any form Heroku sends. Never raises.

    Forms: ``{"error": {...}}``, ``{"error": "<JSON string>"}``, ``{"error": "text"}``, flat
    ``{"message": ..., "code": ...}``, HTML from the edge, plain text.
    """
    text = text.strip()
    if not text:
        return ErrorBody(None, None, None, None)
    try:
        body: object = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        return ErrorBody(text, _message_of_text(text), None, None)
    if not isinstance(body, dict):
        return ErrorBody(body, shorten(text), None, None)
    details: dict[str, Any] = body
    error = body.get("error")
    if isinstance(error, str):
        decoded = _json_object(error)
        if decoded is None:
            return ErrorBody(body, error, _str_or_none(body.get("type")), _code(body.get("code")))
        body = {**body, "error": decoded}
        details = decoded
    elif isinstance(error, dict):
        details = error
    message = details.get("message")
    if not isinstance(message, str) or not message:
        message = shorten(json.dumps(details)) if details else None
    return ErrorBody(body, message, _str_or_none(details.get("type")), _code(details.get("code")))


def shorten(text: str, limit: int = 300) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def _message_of_text(text: str) -> str:
    match = _TITLE.search(text)
    if match and match.group(1).strip():
        return f"{' '.join(match.group(1).split())} (HTML error page)"
    if "<" in text and ">" in text:
        stripped = " ".join(_TAG.sub(" ", text).split())
        return f"{shorten(stripped)} (HTML error page)" if stripped else "HTML error page"
    return shorten(text)


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _code(value: object) -> str | int | None:
    return value if isinstance(value, str | int) and not isinstance(value, bool) else None
