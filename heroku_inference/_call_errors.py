"""``CallErrors``: the one place that builds the errors of an API call, whole.

It knows what every error must carry (the request, its request id once there is a response,
the retries taken) and what none may carry (the key, should the server echo it back).
"""

from __future__ import annotations

import dataclasses
import functools
import html
import json
import socket
import ssl
from dataclasses import dataclass, field

import httpx

from ._error_bodies import parse_error_body, request_id_of
from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    StreamError,
    status_error_class,
)

__all__ = ["REDACTED", "CallErrors", "describe_transport_error"]

REDACTED = "<redacted>"


@dataclass(frozen=True, slots=True)
class CallErrors:
    """Builds the errors of one attempt of a call.

    ``waited`` is the time spent waiting between attempts, for messages that say how long a
    call tried before giving up.
    """

    request: httpx.Request
    secret: str = field(repr=False)
    retries_taken: int = 0
    waited: float = 0.0
    request_id: str | None = None

    def answered(self, response: httpx.Response) -> CallErrors:
        """The same, for errors found in (or after) ``response``: they carry its request id."""
        return dataclasses.replace(self, request_id=request_id_of(response))

    def status(self, response: httpx.Response) -> APIStatusError:
        """The typed error for a 4xx/5xx response whose body has been read."""
        try:
            text = response.text
        except Exception:  # undecodable bytes: still give a readable error
            text = response.content.decode("utf-8", "replace")
        parsed = parse_error_body(text)
        request_id = request_id_of(response)
        message = f"{response.status_code} {response.reason_phrase or 'Error'}".rstrip()
        if parsed.message:
            message = f"{message}: {parsed.message}"
        if request_id:
            message = f"{message} (request id: {request_id})"
        cls = status_error_class(response.status_code)
        return cls(
            self.redact(message),
            response=self.redact_response(response),
            body=self.redact_body(parsed.body),
            type=parsed.type,
            code=parsed.code,
            request_id=request_id,
            retries_taken=self.retries_taken,
        )

    def redirected(self, response: httpx.Response) -> APIStatusError:
        """The error for a redirect this SDK does not follow (see ``request_flow``)."""
        location = response.headers.get("location", "")
        try:
            target = str(self.request.url.join(location))
        except httpx.InvalidURL:
            target = location
        message = (
            f"{response.status_code} {response.reason_phrase or 'Redirect'}: the server "
            f"redirected to {target}; not followed, since it would send the request "
            "elsewhere (another origin) or change its method. If the service moved, set "
            "INFERENCE_URL (or base_url) to its new address."
        )
        request_id = request_id_of(response)
        return status_error_class(response.status_code)(
            self.redact(message),
            response=self.redact_response(response),
            body=None,
            request_id=request_id,
            retries_taken=self.retries_taken,
        )

    def connection(
        self, exc: Exception, *, interrupted_after: int | None = None
    ) -> APIConnectionError:
        """A transport failure, saying what it was (DNS, TLS, refused, timeout...) and where.

        ``interrupted_after``: the number of chunks a stream had delivered when it failed.
        """
        cls = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
        url = self.request.url
        host = f"{url.host}:{url.port}" if url.port else url.host
        where = [f"{self.request.method} {host}{url.path}"]
        if self.retries_taken:
            where.append(
                f"gave up after {self.retries_taken} "
                f"{'retry' if self.retries_taken == 1 else 'retries'} "
                f"and {self.waited:.1f} s of waiting"
            )
        message = f"{describe_transport_error(exc)} ({'; '.join(where)})"
        if interrupted_after is not None:
            message += f"; the stream was interrupted after {interrupted_after} chunk(s)"
        error = cls(
            self.redact(message),
            request=self.request,
            request_id=self.request_id,
            retries_taken=self.retries_taken,
        )
        error.__cause__ = exc
        return error

    def stream(
        self,
        message: str,
        *,
        body: object = None,
        raw: str | None = None,
        type: str | None = None,
        code: str | int | None = None,
        cls: type[StreamError] = StreamError,
    ) -> StreamError:
        """An error inside a stream (sent by the server, malformed, cut short); ``cls`` is
        ``StreamError`` or one of its subclasses (``AgentError``)."""
        return cls(
            self.redact(message),
            request=self.request,
            body=self.redact_body(body),
            raw=None if raw is None else self.redact(raw),
            type=type,
            code=code,
            request_id=self.request_id,
            retries_taken=self.retries_taken,
        )

    def invalid_response(self, message: str, body: object = None) -> APIResponseValidationError:
        """A 2xx response whose body is not what the endpoint returns."""
        return APIResponseValidationError(
            self.redact(message),
            request=self.request,
            body=self.redact_body(body),
            request_id=self.request_id,
            retries_taken=self.retries_taken,
        )

    def redact(self, text: str) -> str:
        """``text`` with the key blanked out, however it was escaped on the way."""
        for form in secret_forms(str(self.secret)):
            if form in text:
                text = text.replace(form, REDACTED)
        return text

    def redact_body(self, body: object) -> object:
        """A parsed body with the key blanked out of every string in it."""
        if isinstance(body, str):
            return self.redact(body)
        if isinstance(body, dict):
            return {self.redact(str(k)): self.redact_body(v) for k, v in body.items()}
        if isinstance(body, list):
            return [self.redact_body(item) for item in body]
        return body

    def redact_response(self, response: httpx.Response) -> httpx.Response:
        """``response`` itself, or, when its body echoes the key, a copy with the key blanked
        out of the body (so that neither ``error.response`` nor a pickled error shows it)."""
        content = response.content
        forms = [form.encode() for form in secret_forms(str(self.secret))]
        if not any(form in content for form in forms):
            return response
        for form in forms:
            content = content.replace(form, REDACTED.encode())
        # The copy's body is already decoded; its length is its own.
        skip = (b"content-encoding", b"content-length", b"transfer-encoding")
        return httpx.Response(
            response.status_code,
            headers=[(k, v) for k, v in response.headers.raw if k.lower() not in skip],
            content=content,
            request=response.request,
            extensions={k: v for k, v in response.extensions.items() if k == "reason_phrase"},
        )


MIN_SECRET_LENGTH = 8
"""Keys shorter than this are not looked for: Heroku's keys are long, and blanking out a short
stand-in (``INFERENCE_KEY=any`` for the emulator) would mangle every message containing it."""


@functools.lru_cache(maxsize=8)
def secret_forms(secret: str) -> tuple[str, ...]:
    """Every way ``secret`` may appear in text made of what the server sent and what this
    SDK says about it: as it is, escaped in JSON (once, or twice for a JSON string inside
    JSON, as in ``{"error": "{\\"message\\": ...}"}``), in a ``repr`` and in HTML; longest
    first, so that no form is left half-replaced by a shorter one."""
    if len(secret) < MIN_SECRET_LENGTH:
        return ()
    forms = {str(secret)}  # a plain str: the settings' key hides itself from repr()
    for _ in range(2):
        forms |= {escape(form) for form in forms for escape in _ESCAPES}
    return tuple(sorted(forms, key=len, reverse=True))


_ESCAPES = (
    lambda text: json.dumps(text)[1:-1],
    lambda text: repr(text)[1:-1],
    lambda text: text.replace("\\", "\\\\"),  # repr in double quotes: ' is left as it is
    html.escape,
)


def describe_transport_error(exc: BaseException) -> str:
    """One line naming the kind of network failure and its reason."""
    if isinstance(exc, httpx.TimeoutException):
        phase = {
            httpx.ConnectTimeout: "connecting",
            httpx.ReadTimeout: "waiting for data",
            httpx.WriteTimeout: "sending the request",
            httpx.PoolTimeout: "waiting for a free connection from the pool",
        }.get(type(exc), "")
        message = f"Request timed out{' while ' + phase if phase else ''}"
        if isinstance(exc, httpx.PoolTimeout):
            message += (
                ": every connection stayed busy for the whole pool timeout (raise "
                "httpx.Limits(max_connections=...) on your http_client, or close streams "
                "you stop reading)"
            )
        return message
    if isinstance(exc, httpx.DecodingError):
        return f"Could not decode the response body: {exc}"
    chain = _cause_chain(exc)
    reason = _reason(exc, chain)
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
    lowered = " ".join(str(e) for e in chain).lower()
    if any(s in lowered for s in _DNS_HINTS):
        return f"DNS lookup failed: {reason}"
    if "certificate" in lowered or "ssl" in lowered or "tls" in lowered:
        return f"TLS handshake failed: {reason}"
    if "refused" in lowered:
        return f"Connection refused: {reason}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"The server closed the connection unexpectedly: {reason}"
    return f"Connection error: {reason}"


def _reason(exc: BaseException, chain: list[BaseException]) -> str:
    """The most telling text: the innermost operating-system error (trio wraps the
    per-address failures of a connect in a group), else the error's own text (what the
    caller, or a mock such as respx, said), else the innermost text at all."""
    for error in reversed(chain):
        if isinstance(error, OSError) and str(error):
            return str(error)
    if str(exc):
        return str(exc)
    return next((str(e) for e in reversed(chain) if str(e)), type(exc).__name__)


_DNS_HINTS = (
    "name or service not known",
    "nodename nor servname",
    "getaddrinfo",
    "name resolution",
    "no address associated",
)


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
