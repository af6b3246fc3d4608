"""The error tree, and turning what the server or the network said into it.

HerokuInferenceError
├── ConfigurationError            missing or invalid settings
└── APIError                      .message .body .request .retries_taken
    ├── APIStatusError            .status_code .response .request_id .type .code
    │   ├── BadRequestError 400   ├── AuthenticationError 401   ├── PermissionDeniedError 403
    │   ├── NotFoundError 404     ├── RequestTimeoutError 408   ├── UnprocessableEntityError 422
    │   ├── RateLimitError 429    └── InternalServerError >= 500
    ├── APIResponseValidationError a 2xx body that is not the expected shape
    ├── StreamError               an error inside a stream (in-band, malformed, truncated)
    └── APIConnectionError        transport failures, also while iterating a stream
        └── APITimeoutError
"""

from __future__ import annotations

import json
import re
import socket
import ssl
from typing import Any

import httpx

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "HerokuInferenceError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeoutError",
    "StreamError",
    "UnprocessableEntityError",
]

REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-heroku-request-id", "x-amz-cf-id")
"""Headers that may name the request, most specific first (``x-amz-cf-id``: CloudFront's)."""


class HerokuInferenceError(Exception):
    """The base of every error this SDK raises."""


class ConfigurationError(HerokuInferenceError):
    """Settings are missing or invalid; the message names the variable and how to set it."""


class APIError(HerokuInferenceError):
    """The server could not be reached, or answered with an error.

    ``body`` is the parsed error body (a dict for JSON, the text otherwise, ``None`` when there
    was none); ``retries_taken`` is how many retries were made before giving up.
    """

    message: str
    body: object
    request: httpx.Request | None
    retries_taken: int

    def __init__(
        self, message: str, *, request: httpx.Request | None = None, body: object = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.body = body
        self.retries_taken = 0


class APIStatusError(APIError):
    """The server answered with a 4xx or 5xx status."""

    status_code: int
    response: httpx.Response
    request_id: str | None
    type: str | None
    code: str | int | None

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: object,
        type: str | None = None,
        code: str | int | None = None,
    ) -> None:
        super().__init__(message, request=response.request, body=body)
        self.response = response
        self.status_code = response.status_code
        self.request_id = request_id_of(response)
        self.type = type
        self.code = code


class BadRequestError(APIStatusError):
    """400: e.g. an unknown parameter (see ``allow_ignored_params``) or an invalid value."""


class AuthenticationError(APIStatusError):
    """401: the key is wrong or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not use this model, or the edge (WAF) blocked the request's content."""


class NotFoundError(APIStatusError):
    """404: an unknown model or path."""


class RequestTimeoutError(APIStatusError):
    """408: the server gave up waiting (long non-streamed generations: stream instead)."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was well-formed but could not be processed."""


class RateLimitError(APIStatusError):
    """429: too many requests or tokens for the plan."""


class InternalServerError(APIStatusError):
    """500 and above. ``Failed to execute chat`` usually means bad tool arguments or history."""


class APIResponseValidationError(APIError):
    """A successful response whose body is not what the endpoint returns."""


class StreamError(APIError):
    """An error inside a stream: sent by the server, malformed, or cut off before its end.

    ``raw`` holds the event data that caused it, when there is one.
    """

    raw: str | None
    type: str | None
    code: str | int | None

    def __init__(
        self,
        message: str,
        *,
        request: httpx.Request | None = None,
        body: object = None,
        raw: str | None = None,
        type: str | None = None,
        code: str | int | None = None,
    ) -> None:
        super().__init__(message, request=request, body=body)
        self.raw = raw
        self.type = type
        self.code = code


class APIConnectionError(APIError):
    """The request or the stream failed in the network; ``__cause__`` is the original error."""


class APITimeoutError(APIConnectionError):
    """A connect, read, write or pool timeout."""


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: RequestTimeoutError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def request_id_of(response: httpx.Response) -> str | None:
    """The request id the server or the edge gave this response, if any."""
    headers = response.headers
    for name in REQUEST_ID_HEADERS:
        value: str | None = headers.get(name)
        if value:
            return value
    return None


def parse_error_body(text: str) -> tuple[object, str | None, str | None, str | int | None]:
    """Parse an error body in any form Heroku sends: ``(body, message, type, code)``.

    Forms: ``{"error": {...}}``, ``{"error": "<JSON string>"}``, ``{"error": "text"}``, flat
    ``{"message": ..., "code": ...}``, HTML from the edge, plain text. Never raises.
    """
    text = text.strip()
    if not text:
        return None, None, None, None
    try:
        body: object = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        return text, _message_of_text(text), None, None
    if not isinstance(body, dict):
        return body, _short(text), None, None
    details: object = body
    error = body.get("error")
    if isinstance(error, str):
        decoded = _json_object(error)
        if decoded is not None:
            body = {**body, "error": decoded}
            details = decoded
        else:
            return body, error, _str_or_none(body.get("type")), _code(body.get("code"))
    elif isinstance(error, dict):
        details = error
    assert isinstance(details, dict)
    message = details.get("message")
    if not isinstance(message, str) or not message:
        message = _short(json.dumps(details)) if details else None
    return body, message, _str_or_none(details.get("type")), _code(details.get("code"))


def make_status_error(response: httpx.Response) -> APIStatusError:
    """The typed error for a 4xx/5xx response whose body has been read."""
    try:
        text = response.text
    except Exception:  # undecodable bytes: still give a readable error
        text = response.content.decode("utf-8", "replace")
    body, detail, type_, code = parse_error_body(text)
    status = response.status_code
    message = f"{status} {response.reason_phrase or 'Error'}".rstrip()
    if detail:
        message = f"{message}: {detail}"
    request_id = request_id_of(response)
    if request_id:
        message = f"{message} (request id: {request_id})"
    cls = _STATUS_ERRORS.get(status)
    if cls is None:
        cls = InternalServerError if status >= 500 else APIStatusError
    return cls(message, response=response, body=body, type=type_, code=code)


def connection_error(exc: Exception, request: httpx.Request | None) -> APIConnectionError:
    """Wrap a transport failure, saying what it was (DNS, TLS, refused, timeout...)."""
    error = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
    where = f" ({request.method} {request.url.host}{request.url.path})" if request else ""
    wrapped = error(f"{describe_transport_error(exc)}{where}", request=request)
    wrapped.__cause__ = exc
    return wrapped


def describe_transport_error(exc: BaseException) -> str:
    """One line naming the kind of network failure and its underlying reason."""
    if isinstance(exc, httpx.TimeoutException):
        phase = {
            httpx.ConnectTimeout: "connecting",
            httpx.ReadTimeout: "waiting for data",
            httpx.WriteTimeout: "sending the request",
            httpx.PoolTimeout: "waiting for a free connection from the pool",
        }.get(type(exc), "")
        return f"Request timed out{' while ' + phase if phase else ''}"
    if isinstance(exc, httpx.DecodingError):
        return f"Could not decode the response body: {exc}"
    chain = _cause_chain(exc)
    reason = next((str(e) for e in reversed(chain) if str(e)), type(exc).__name__)
    if isinstance(exc, httpx.LocalProtocolError | httpx.UnsupportedProtocol):
        return f"The request could not be sent: {reason}"
    for error in chain:
        if isinstance(error, socket.gaierror):
            return f"DNS lookup failed: {reason}"
        if isinstance(error, ssl.SSLError | ssl.CertificateError):
            return f"TLS handshake failed: {reason}"
        if isinstance(error, ConnectionRefusedError):
            return f"Connection refused: {reason}"
        if isinstance(error, ConnectionResetError):
            return f"Connection reset by peer: {reason}"
    lowered = reason.lower()
    if any(
        s in lowered
        for s in (
            "name or service not known",
            "nodename nor servname",
            "getaddrinfo",
            "name resolution",
            "no address associated",
        )
    ):
        return f"DNS lookup failed: {reason}"
    if "certificate" in lowered or "ssl" in lowered or "tls" in lowered:
        return f"TLS handshake failed: {reason}"
    if "refused" in lowered:
        return f"Connection refused: {reason}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"The server closed the connection unexpectedly: {reason}"
    return f"Connection error: {reason}"


def _cause_chain(exc: BaseException) -> list[BaseException]:
    """``exc``, its causes, and the members of exception groups among them (trio reports a
    refused connection as a group of per-address failures), outermost first."""
    chain: list[BaseException] = []
    pending: list[BaseException] = [exc]
    while pending and len(chain) < 16:
        current = pending.pop(0)
        if any(current is seen for seen in chain):
            continue
        chain.append(current)
        cause = current.__cause__ or current.__context__
        if cause is not None:
            pending.append(cause)
        members = getattr(current, "exceptions", None)
        if isinstance(members, tuple):
            pending.extend(m for m in members if isinstance(m, BaseException))
    return chain


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def _message_of_text(text: str) -> str:
    match = _TITLE.search(text)
    if match and match.group(1).strip():
        return f"{' '.join(match.group(1).split())} (HTML error page)"
    if "<" in text and ">" in text:
        stripped = " ".join(_TAG.sub(" ", text).split())
        return f"{_short(stripped)} (HTML error page)" if stripped else "HTML error page"
    return _short(text)


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


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
