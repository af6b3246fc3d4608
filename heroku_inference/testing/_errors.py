"""Error responses in the shapes Heroku sends (see ``tests/fixtures/errors/``).

Four body forms:

- ``"object"``: ``{"error": {"code": 400, "message": "...", "type": "invalid_request_error"}}``
- ``"string_encoded"``: ``{"error": "{\\"code\\": 400, \\"message\\": ..., ...}"}`` (captured)
- ``"flat"``: ``{"message": "Invalid API key provided", "code": 401}``
- ``"html"``: an HTML page from the edge (CloudFront's WAF on 403, the router on 5xx)
"""

from __future__ import annotations

import http
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "FORMS",
    "ErrorForm",
    "ErrorReply",
    "error_reply",
    "failed_to_execute",
    "invalid_request",
    "not_a_chat_model",
    "unknown_model",
    "unrecognized_argument",
]

ErrorForm = Literal["object", "string_encoded", "flat", "html"]
FORMS: tuple[str, ...] = ("object", "string_encoded", "flat", "html")

_MESSAGES = {
    400: "Invalid request",
    401: "Invalid API key provided",
    403: "You do not have access to that model",
    404: "Not found",
    408: "Request timed out",
    429: "Rate limit exceeded",
    500: "Internal server error",
}
_TYPES = {
    401: "authentication_error",
    403: "authorization_error",
    404: "not_found_error",
    408: "timeout_error",
    429: "rate_limit_error",
}

WAF_PAGE = """<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<HTML><HEAD><TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY>
<H1>403 ERROR</H1>
<H2>The request could not be satisfied.</H2>
<HR>Request blocked.
We can't connect to the server for this app or website at this time.
</BODY></HTML>
"""
ROUTER_PAGE = (
    "<!DOCTYPE html><html><head><title>Application Error</title></head><body>"
    '<iframe src="//www.herokucdn.com/error-pages/application-error.html"></iframe>'
    "</body></html>\n"
)


@dataclass(frozen=True, slots=True)
class ErrorReply:
    """A whole error response: status, body bytes, content type and extra headers."""

    status: int
    content: bytes
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)


def default_message(status: int) -> str:
    if status in _MESSAGES:
        return _MESSAGES[status]
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def default_type(status: int) -> str:
    if status in _TYPES:
        return _TYPES[status]
    return "server_error" if status >= 500 else "invalid_request_error"


def error_reply(
    status: int,
    body: Mapping[str, Any] | str | None = None,
    *,
    message: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> ErrorReply:
    """The response for ``Emulator.error()``.

    ``body`` is a dict (sent as JSON), a form name (``FORMS``), any other string (sent as it
    is), or ``None`` for Heroku's usual body for ``status`` (flat on 401, an object otherwise).
    """
    extra = dict(headers or {})
    if body is None:
        body = "flat" if status == 401 else "object"
    if isinstance(body, str) and body in FORMS:
        content, kind = _form(status, body, message or default_message(status))
        return ErrorReply(status, content, kind, extra)
    if isinstance(body, str):
        return ErrorReply(status, body.encode(), _guess_type(body), extra)
    return ErrorReply(status, json.dumps(dict(body)).encode(), "application/json", extra)


def invalid_request(message: str) -> ErrorReply:
    """400 in the documented object form, ``type: invalid_request_error``."""
    return ErrorReply(400, _json({"error": _details(400, message, "invalid_request_error")}))


def unrecognized_argument(name: str) -> ErrorReply:
    """400 for an unknown parameter, in the form captured from Heroku (string-encoded)."""
    details = _details(400, f"unrecognized request argument supplied: {name}", "invalid_request")
    return ErrorReply(400, _json({"error": json.dumps(details)}))


def unknown_model(model: str) -> ErrorReply:
    """400 for a model id Heroku does not offer, in the documented object form.

    Not captured from Heroku: 400 ``invalid_request_error`` is what its validation errors use;
    third-party clients map 404 to "unknown model or resource" and 403 to a model the key may
    not use. Either way the SDK raises an error that is never retried.
    """
    return invalid_request(f"model '{model}' is not supported")


def not_a_chat_model(model: str) -> ErrorReply:
    """400 for a chat request naming an embedding, image or rerank model."""
    return invalid_request(f"model '{model}' does not support chat completions")


def failed_to_execute() -> ErrorReply:
    """Heroku's 500 for tool-call arguments (or history) the model cannot take."""
    return ErrorReply(
        500, _json({"error": _details(500, "Failed to execute chat", "server_error")})
    )


def error_details(status: int, message: str | None = None) -> dict[str, Any]:
    """``{"code", "message", "type"}`` for ``status``, as inside ``{"error": ...}``."""
    return _details(status, message or default_message(status), default_type(status))


def _details(status: int, message: str, type_: str) -> dict[str, Any]:
    return {"code": status, "message": message, "type": type_}


def _form(status: int, form: str, message: str) -> tuple[bytes, str]:
    details = _details(status, message, default_type(status))
    if form == "object":
        return _json({"error": details}), "application/json"
    if form == "string_encoded":
        return _json({"error": json.dumps(details)}), "application/json"
    if form == "flat":
        return _json({"message": message, "code": status}), "application/json"
    return _html(status).encode(), "text/html"


def _html(status: int) -> str:
    if status == 403:
        return WAF_PAGE
    if status >= 500:
        return ROUTER_PAGE
    phrase = default_message(status)
    return (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n'
        f"<HTML><HEAD><TITLE>ERROR: {status} {phrase}</TITLE></HEAD><BODY>\n"
        f"<H1>{status} ERROR</H1>\n</BODY></HTML>\n"
    )


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


def _guess_type(text: str) -> str:
    stripped = text.lstrip()
    if stripped.startswith("<"):
        return "text/html"
    try:
        json.loads(text)
    except ValueError:
        return "text/plain"
    return "application/json"
