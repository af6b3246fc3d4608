"""The error tree. Every class reports ``heroku_inference`` as its module.

HerokuInferenceError
├── ConfigurationError            missing or invalid settings
├── EventLoopError                an AsyncClient used on another event loop than its own
├── ParameterError                an argument breaks an endpoint's documented limit (ValueError)
└── APIError                      .message .body .request .request_id .retries_taken
    ├── APIStatusError            .status_code .response .type .code
    │   ├── BadRequestError 400   ├── AuthenticationError 401   ├── PermissionDeniedError 403
    │   ├── NotFoundError 404     ├── RequestTimeoutError 408   ├── UnprocessableEntityError 422
    │   ├── RateLimitError 429    └── InternalServerError >= 500
    ├── APIResponseValidationError a 2xx body that is not the expected shape
    ├── StreamError               an error inside a stream (in-band, malformed, truncated)
    │   └── AgentError            the agents endpoint's ``agent.error`` event
    └── APIConnectionError        transport failures, also while iterating a stream
        └── APITimeoutError

API errors are built whole by ``CallErrors`` (``_call_errors.py``), the one place that knows
the request, its request id, the retries it took and the key to keep out of them.
"""

from __future__ import annotations

from typing import Any

import httpx

from ._rate_limits import RateLimits

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AgentError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "EventLoopError",
    "HerokuInferenceError",
    "InternalServerError",
    "NotFoundError",
    "ParameterError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeoutError",
    "StreamError",
    "UnprocessableEntityError",
]


class HerokuInferenceError(Exception):
    """The base of every error this SDK raises."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructors cannot be rebuilt from ``args``: restore the state instead,
        # so every error crosses process boundaries (task queues, multiprocessing), with a
        # request's credentials left behind.
        state = {key: _without_credentials(value) for key, value in self.__dict__.items()}
        return (_restore, (type(self), self.args), state)


class ConfigurationError(HerokuInferenceError):
    """Settings are missing or invalid; the message names the variable and how to set it."""


class EventLoopError(HerokuInferenceError, RuntimeError):
    """An ``AsyncClient`` was used on an event loop other than the one it first ran on.

    Its connection pool belongs to that first loop. Create one client per event loop (in a
    lifespan handler or a fixture), not one at module level shared by several loops.
    """


class ParameterError(HerokuInferenceError, ValueError):
    """An argument breaks a documented limit of the endpoint (too many inputs, a prompt too
    long, a value outside its enumeration); raised before anything is sent.

    ``param`` says where, as in ``input[96]`` or ``documents[3].text``.
    """

    param: str

    def __init__(self, message: str, *, param: str) -> None:
        super().__init__(message)
        self.param = param

    def __reduce__(self) -> tuple[Any, ...]:
        return (_parameter_error, (str(self), self.param))


def _parameter_error(message: str, param: str) -> ParameterError:
    return ParameterError(message, param=param)


class APIError(HerokuInferenceError):
    """The server could not be reached, or answered with an error.

    ``body`` is the parsed error body (a dict for JSON, the text otherwise, ``None`` when there
    was none); ``request_id`` names the request when the server gave it one; ``retries_taken``
    is how many retries were made before giving up.
    """

    message: str
    body: object
    request: httpx.Request | None
    request_id: str | None
    retries_taken: int

    def __init__(
        self,
        message: str,
        *,
        request: httpx.Request | None = None,
        body: object = None,
        request_id: str | None = None,
        retries_taken: int = 0,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.body = body
        self.request_id = request_id
        self.retries_taken = retries_taken


def _restore(cls: type[HerokuInferenceError], args: tuple[Any, ...]) -> HerokuInferenceError:
    error = cls.__new__(cls)
    error.args = args
    return error


def _without_credentials(value: object) -> object:
    """A request or response as it can be pickled: the same, minus the Authorization header
    (and, for a response whose body was never read, minus the body)."""
    if isinstance(value, httpx.Request):
        headers = [(k, v) for k, v in value.headers.raw if k.lower() != b"authorization"]
        return httpx.Request(value.method, value.url, headers=headers)
    if isinstance(value, httpx.Response):
        try:
            content = value.content
        except httpx.ResponseNotRead:
            content = b""
        try:
            request = _without_credentials(value.request)
        except RuntimeError:  # a response built without a request
            request = None
        # The content is already decoded: the copy must not decode it again.
        skip = (b"content-encoding", b"content-length", b"transfer-encoding")
        headers = [(k, v) for k, v in value.headers.raw if k.lower() not in skip]
        return httpx.Response(
            value.status_code,
            headers=headers,
            content=content,
            request=request if isinstance(request, httpx.Request) else None,
        )
    return value


class APIStatusError(APIError):
    """The server answered with a 4xx or 5xx status."""

    status_code: int
    response: httpx.Response
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
        request_id: str | None = None,
        retries_taken: int = 0,
    ) -> None:
        super().__init__(
            message,
            request=response.request,
            body=body,
            request_id=request_id,
            retries_taken=retries_taken,
        )
        self.response = response
        self.status_code = response.status_code
        self.type = type
        self.code = code

    @property
    def rate_limits(self) -> RateLimits | None:
        """The ``x-ratelimit-*`` headers of the response, typed (``None`` without any): on a
        ``RateLimitError``, ``reset_requests`` / ``reset_tokens`` say how long to wait."""
        return RateLimits.from_headers(self.response.headers)


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
        request_id: str | None = None,
        retries_taken: int = 0,
    ) -> None:
        super().__init__(
            message,
            request=request,
            body=body,
            request_id=request_id,
            retries_taken=retries_taken,
        )
        self.raw = raw
        self.type = type
        self.code = code


class AgentError(StreamError):
    """The agents endpoint sent ``agent.error``: the run failed on the server.

    Raised once the events before it have been delivered; ``message`` includes the server's
    text, and ``body`` is the event as sent.
    """


class APIConnectionError(APIError):
    """The request or the stream failed in the network; ``__cause__`` is the original error."""


class APITimeoutError(APIConnectionError):
    """A connect, read, write or pool timeout."""


STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: RequestTimeoutError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status: int) -> type[APIStatusError]:
    """The error class for an HTTP error status."""
    cls = STATUS_ERRORS.get(status)
    if cls is not None:
        return cls
    return InternalServerError if status >= 500 else APIStatusError


for _name in __all__:
    # Tracebacks and pickles name ``heroku_inference.BadRequestError``, never the private
    # module, however the class was first reached.
    globals()[_name].__module__ = "heroku_inference"
del _name
