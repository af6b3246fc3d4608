"""The key never shows: not in a repr, a log record (httpx's and httpcore's at debug level
included), an exception's text, args, body or raw event, its response, a pickled error, or
``str(request)``; for every error type, every endpoint, and keys holding ``"``, ``\\`` or
``'`` (which JSON, ``repr`` and HTML escape, so a naive search for the key misses them).

Every case runs against a real HTTP/1.1 server on 127.0.0.1 that echoes the key back, on the
sync client and on the async client under asyncio and trio. To cover a new endpoint, add it
to ``ENDPOINTS``; a new failure, to ``FAULTS``.
"""

from __future__ import annotations

import html
import json
import logging
import pickle
import traceback
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from heroku_inference import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    StreamError,
    UnprocessableEntityError,
)

from .flavors import MESSAGES, Flavor, both
from .helpers import MODEL, TLS, fixture_bytes
from .loopback import DISCONNECT, LoopbackServer, Reply, loopback_server
from .test_streaming import entered, read_all

KEYS = {
    "plain": "inf-0123abcd-secret-key",
    # JSON escapes the quote and the backslash, repr the backslash and the apostrophe.
    "escaped": "inf-quo\"te-back\\slash-it's-secret-key",
}
JSON = {"content-type": "application/json"}
SSE = {"content-type": "text/event-stream"}
HTML = {"content-type": "text/html"}


def key_forms(key: str) -> set[str]:
    """How the key can appear in text: as it is, JSON-escaped (once and twice), in a repr,
    HTML-escaped."""
    once = json.dumps(key)[1:-1]
    return {
        key,
        once,
        json.dumps(once)[1:-1],
        repr(key)[1:-1],
        key.replace("\\", "\\\\"),
        html.escape(key),
    }


def assert_absent(key: str, where: str, value: str | bytes) -> None:
    for form in key_forms(key):
        needle: str | bytes = form.encode() if isinstance(value, bytes) else form
        assert needle not in value, f"the key ({form!r}) is in {where}: {value!r}"


# -- what the server sends back: each echoes the key -------------------------------------


def said(key: str) -> str:
    return f"the key {key} was revoked"


def jsonb(value: object) -> bytes:
    return json.dumps(value).encode()


def event(data: bytes, name: str | None = None) -> bytes:
    return (b"event: " + name.encode() + b"\n" if name else b"") + b"data: " + data + b"\n\n"


@dataclass(frozen=True)
class Fault:
    name: str
    error: type[APIError]
    reply: Callable[[str], Reply]
    streams: bool | None = None
    """True: only for streamed calls; False: only for non-streamed; None: for both."""


def status(code: int, error: type[APIError]) -> Fault:
    return Fault(
        f"http{code}",
        error,
        lambda key: Reply(code, JSON, [jsonb({"error": {"message": said(key)}})]),
    )


FAULTS = [
    status(400, BadRequestError),
    status(401, AuthenticationError),
    status(403, PermissionDeniedError),
    status(404, NotFoundError),
    status(408, RequestTimeoutError),
    status(409, APIStatusError),
    status(422, UnprocessableEntityError),
    status(429, RateLimitError),
    status(500, InternalServerError),
    status(503, InternalServerError),
    Fault(
        "401-flat",
        AuthenticationError,
        lambda key: Reply(401, JSON, [jsonb({"message": said(key), "code": 401})]),
    ),
    Fault(
        "400-string-encoded",
        BadRequestError,
        lambda key: Reply(400, JSON, [jsonb({"error": json.dumps({"message": said(key)})})]),
    ),
    Fault(
        "403-html",
        PermissionDeniedError,
        lambda key: Reply(403, HTML, [f"<title>{html.escape(said(key))}</title>".encode()]),
    ),
    Fault("500-text", InternalServerError, lambda key: Reply(500, {}, [said(key).encode()])),
    Fault(
        "200-html",
        APIResponseValidationError,
        lambda key: Reply(200, HTML, [f"<p>{said(key)}</p>".encode()]),
        streams=False,
    ),
    Fault(
        "200-error-object",
        APIResponseValidationError,
        lambda key: Reply(200, JSON, [jsonb({"error": {"message": said(key)}})]),
        streams=False,
    ),
    Fault(
        "200-wrong-shape",
        APIResponseValidationError,
        lambda key: Reply(200, JSON, [jsonb({"choices": said(key)})]),
        streams=False,
    ),
    Fault(
        "inband-error",
        StreamError,
        lambda key: Reply(200, SSE, [event(jsonb({"error": {"message": said(key)}}))]),
        streams=True,
    ),
    Fault(
        "event-error",
        StreamError,
        lambda key: Reply(200, SSE, [event(jsonb({"error": {"message": said(key)}}), "error")]),
        streams=True,
    ),
    Fault(
        "event-error-text",
        StreamError,
        lambda key: Reply(200, SSE, [event(said(key).encode(), "error")]),
        streams=True,
    ),
    Fault(
        "inband-string-encoded",
        StreamError,
        lambda key: Reply(200, SSE, [event(jsonb({"error": json.dumps({"message": said(key)})}))]),
        streams=True,
    ),
    Fault(
        "malformed-event",
        StreamError,
        lambda key: Reply(200, SSE, [event(b'{"oops": "' + said(key).encode())]),
        streams=True,
    ),
    Fault(
        "invalid-chunk",
        StreamError,
        lambda key: Reply(200, SSE, [event(jsonb({"choices": said(key)}))]),
        streams=True,
    ),
    Fault(
        "not-an-event-stream",
        StreamError,
        lambda key: Reply(200, JSON, [jsonb({"echo": said(key)})]),
        streams=True,
    ),
    Fault(
        "truncated",
        StreamError,
        lambda key: Reply(200, SSE, [fixture_bytes("chat_truncated.heroku.sse")]),
        streams=True,
    ),
    Fault(
        "disconnect-mid-body",
        APIConnectionError,
        lambda key: Reply(200, JSON, [b'{"id": "', DISCONNECT]),
        streams=False,
    ),
    Fault(
        "disconnect-mid-stream",
        APIConnectionError,
        lambda key: Reply(200, SSE, [fixture_bytes("chat_text.heroku.sse")[:300], DISCONNECT]),
        streams=True,
    ),
]


# -- the endpoints: each drives one call to its end --------------------------------------


@dataclass(frozen=True)
class Endpoint:
    name: str
    streams: bool
    run: Callable[[Flavor, Any], Awaitable[object]]


async def chat_create(api: Flavor, client: Any) -> object:
    return await api.create(client, messages=MESSAGES)


async def chat_create_stream(api: Flavor, client: Any) -> object:
    stream = await api.create(client, messages=MESSAGES, stream=True)
    async with entered(api, stream):
        return await read_all(api, stream)


async def chat_stream_helper(api: Flavor, client: Any) -> object:
    async with entered(api, client.chat.completions.stream(messages=MESSAGES)) as stream:
        final = stream.get_final_completion()
        return await final if api.is_async else final


ENDPOINTS = [
    Endpoint("chat.completions.create", False, chat_create),
    Endpoint("chat.completions.create(stream=True)", True, chat_create_stream),
    Endpoint("chat.completions.stream", True, chat_stream_helper),
]

CASES = [
    pytest.param(endpoint, fault, id=f"{endpoint.name}-{fault.name}")
    for endpoint in ENDPOINTS
    for fault in FAULTS
    if fault.streams is None or fault.streams == endpoint.streams
]


# -- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    with loopback_server() as running:
        yield running


class Records(logging.Handler):
    """Every record of the SDK's, httpx's and httpcore's loggers, formatted."""

    LOGGERS = ("heroku_inference", "httpx", "httpcore")

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(f"{self.format(record)} {record.args!r}")


@pytest.fixture
def records() -> Iterator[Records]:
    handler = Records()
    loggers = [logging.getLogger(name) for name in Records.LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)


def loopback_client(api: Flavor, server: LoopbackServer, key: str, timeout: float = 5) -> Any:
    http = api.http_class(verify=TLS, timeout=timeout)
    return api.client_class(
        api_key=key, base_url=server.url, model=MODEL, max_retries=0, http_client=http
    )


async def call_with(api: Flavor, server: LoopbackServer, key: str, endpoint: Endpoint) -> Any:
    client = loopback_client(api, server, key)
    try:
        assert_absent(key, "repr(client)", repr(client))
        return await endpoint.run(api, client)
    finally:
        await api.close_http(client._http)


def assert_error_keeps_the_key_out(key: str, error: APIError) -> None:
    assert_absent(key, "str(error)", str(error))
    assert_absent(key, "repr(error)", repr(error))
    assert_absent(key, "error.args", repr(error.args))
    assert_absent(key, "error.message", error.message)
    assert_absent(key, "error.body", repr(error.body))
    assert_absent(key, "error.raw", repr(getattr(error, "raw", None)))
    assert_absent(key, "the traceback", "".join(traceback.format_exception(error)))
    assert error.request is not None
    assert_absent(key, "str(error.request)", str(error.request))
    assert_absent(key, "repr(error.request)", repr(error.request))
    if isinstance(error, APIStatusError):
        assert_absent(key, "error.response", error.response.content)
        assert_absent(key, "repr(error.response)", repr(error.response))
    data = pickle.dumps(error)
    assert_absent(key, "the pickled error", data)
    copy = pickle.loads(data)
    assert type(copy) is type(error)
    assert (str(copy), copy.body) == (str(error), error.body)


@pytest.mark.parametrize("key", KEYS.values(), ids=KEYS.keys())
@pytest.mark.parametrize(("endpoint", "fault"), CASES)
@both
async def test_errors_never_show_the_key(
    api: Flavor,
    server: LoopbackServer,
    records: Records,
    key: str,
    endpoint: Endpoint,
    fault: Fault,
) -> None:
    server.script = [fault.reply(key)]

    with pytest.raises(APIError) as raised:
        await call_with(api, server, key, endpoint)

    error = raised.value
    assert type(error) is fault.error
    assert_error_keeps_the_key_out(key, error)
    assert records.texts, "nothing was logged: the log check would prove nothing"
    for text in records.texts:
        assert_absent(key, "a log record", text)
    # The key did go where it belongs.
    assert server.requests[-1].headers["authorization"] == f"Bearer {key}"


@pytest.mark.parametrize("key", KEYS.values(), ids=KEYS.keys())
@both
async def test_a_timeout_never_shows_the_key(
    api: Flavor, server: LoopbackServer, records: Records, key: str
) -> None:
    server.script = [Reply(200, JSON, [0.5, b"{}"])]
    client = loopback_client(api, server, key, timeout=0.1)
    try:
        with pytest.raises(APITimeoutError) as raised:
            await api.create(client, messages=MESSAGES)
    finally:
        await api.close_http(client._http)
    assert_error_keeps_the_key_out(key, raised.value)
    for text in records.texts:
        assert_absent(key, "a log record", text)


@pytest.mark.parametrize("key", KEYS.values(), ids=KEYS.keys())
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.name)
@both
async def test_successful_calls_never_show_the_key(
    api: Flavor, server: LoopbackServer, records: Records, key: str, endpoint: Endpoint
) -> None:
    body = "chat_text.heroku.sse" if endpoint.streams else "chat_completion.json"
    server.script = [Reply(200, SSE if endpoint.streams else JSON, [fixture_bytes(body)])]

    result = await call_with(api, server, key, endpoint)

    assert_absent(key, "repr(result)", repr(result))
    assert records.texts
    for text in records.texts:
        assert_absent(key, "a log record", text)


@pytest.mark.parametrize("key", [*KEYS.values(), "inf-line\nbreak-secret-key"])
def test_a_bad_key_is_refused_without_being_shown(key: str) -> None:
    from heroku_inference import Client

    try:
        client = Client(api_key=key + "\u00e9", base_url="https://inference.test")
    except ConfigurationError as error:
        assert_absent(key, "the configuration error", str(error))
        assert_absent(key, "the pickled configuration error", pickle.dumps(error))
    else:  # pragma: no cover - the key is refused
        client.close()
        raise AssertionError("a key with a non-ASCII character was accepted")


def test_the_request_built_never_shows_the_key_in_text() -> None:
    request = httpx.Request("POST", "https://inference.test/v1/chat/completions")
    assert "Bearer" not in str(request)


def tool_errors() -> list[BaseException]:
    """The tool runner's and parse()'s errors, with the state they carry."""
    import heroku_inference as hi

    completion = hi.ChatCompletion(id="chatcmpl-1", model="m")
    history = [{"role": "user", "content": "hi"}]
    structured = {"raw": "{}", "errors": [{"type": "missing"}], "completion": completion}
    return [
        hi.ToolArgumentsError("bad arguments"),
        hi.UnknownToolError("no such tool"),
        hi.MaxRoundsExceeded("too many rounds", messages=history, completion=completion),
        hi.StructuredOutputError("no model", **structured),
        hi.LengthFinishReasonError("cut off", **structured),
        hi.RefusalError("refused", **structured),
    ]


def every_error(key: str) -> list[BaseException]:
    """One of each error class the package exports, as the SDK builds them."""
    import heroku_inference
    from heroku_inference._call_errors import CallErrors
    from heroku_inference._exceptions import STATUS_ERRORS

    request = httpx.Request(
        "POST", "https://inference.test/v1/chat/completions", headers={"Authorization": key}
    )
    errors = CallErrors(request, key, retries_taken=1)
    built: list[BaseException] = []
    for code in [*STATUS_ERRORS, 409, 500, 503]:
        response = httpx.Response(code, json={"message": said(key)}, request=request)
        built.append(errors.status(response))
    built += [
        errors.stream(said(key), body={"error": said(key)}, raw=said(key)),
        errors.invalid_response(said(key), body=said(key)),
        errors.connection(httpx.ConnectError("refused", request=request)),
        errors.connection(httpx.ReadTimeout("slow", request=request)),
        heroku_inference.ConfigurationError("INFERENCE_URL is not set"),
        heroku_inference.EventLoopError("another loop"),
        heroku_inference.ParameterError("too many inputs", param="input[96]"),
        errors.stream(said(key), body={"object": "agent.error"}, cls=heroku_inference.AgentError),
        *tool_errors(),
    ]
    exported = {
        value
        for name in heroku_inference.__all__
        if isinstance(value := getattr(heroku_inference, name), type)
        and issubclass(value, BaseException)
    }
    abstract = {heroku_inference.HerokuInferenceError, APIError}
    assert exported - abstract <= {type(error) for error in built}, "an error class is missing"
    return built


@pytest.mark.parametrize("key", KEYS.values(), ids=KEYS.keys())
def test_every_error_type_round_trips_through_pickle_without_the_key(key: str) -> None:
    for error in every_error(key):
        data = pickle.dumps(error)
        assert_absent(key, f"a pickled {type(error).__name__}", data)
        copy = pickle.loads(data)
        assert type(copy) is type(error)
        assert str(copy) == str(error)
        assert copy.args == error.args
        for name in (
            "body",
            "raw",
            "request_id",
            "retries_taken",
            "status_code",
            "type",
            "messages",
            "errors",
            "completion",
            "param",
        ):
            assert getattr(copy, name, None) == getattr(error, name, None), name
        if isinstance(error, APIError) and error.request is not None:
            assert copy.request.url == error.request.url
            assert "authorization" not in copy.request.headers
