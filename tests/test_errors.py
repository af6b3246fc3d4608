"""Errors: every body form Heroku sends, odd bodies, request ids, and network failures."""

from __future__ import annotations

import json
import socket
import ssl
import sys
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
    HerokuInferenceError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    StreamError,
    UnprocessableEntityError,
)
from heroku_inference._call_errors import CallErrors, describe_transport_error
from heroku_inference._error_bodies import parse_error_body

from .flavors import Flavor, both
from .helpers import API_KEY, fixture_bytes, replies
from .loopback import loopback_server

if sys.version_info >= (3, 11):
    from builtins import ExceptionGroup
else:  # pragma: no cover
    from exceptiongroup import ExceptionGroup

# -- the tree --------------------------------------------------------------------------------


def test_the_error_tree() -> None:
    for cls in (ConfigurationError, APIError):
        assert issubclass(cls, HerokuInferenceError)
    for cls in (APIStatusError, APIResponseValidationError, StreamError, APIConnectionError):
        assert issubclass(cls, APIError)
    assert issubclass(APITimeoutError, APIConnectionError)
    for cls in (
        BadRequestError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        RequestTimeoutError,
        UnprocessableEntityError,
        RateLimitError,
        InternalServerError,
    ):
        assert issubclass(cls, APIStatusError)


# -- every body in tests/fixtures/errors -----------------------------------------------------

FIXTURE_CASES = [
    pytest.param(
        "400_object.json",
        400,
        BadRequestError,
        "400 Bad Request: Invalid request: 'messages' field is required",
        "invalid_request_error",
        400,
        id="400-object",
    ),
    pytest.param(
        "400_string_encoded.json",
        400,
        BadRequestError,
        "400 Bad Request: unrecognized request argument supplied: stream_options",
        "invalid_request",
        400,
        id="400-string-encoded",
    ),
    pytest.param(
        "401_flat.json",
        401,
        AuthenticationError,
        "401 Unauthorized: Invalid API key provided",
        None,
        401,
        id="401-flat",
    ),
    pytest.param(
        "403_model_access.json",
        403,
        PermissionDeniedError,
        "403 Forbidden: You do not have access to that model",
        "authorization_error",
        403,
        id="403-model-access",
    ),
    pytest.param(
        "403_waf.html",
        403,
        PermissionDeniedError,
        "403 Forbidden: ERROR: The request could not be satisfied (HTML error page)",
        None,
        None,
        id="403-waf-html",
    ),
    pytest.param(
        "429_rate_limit.json",
        429,
        RateLimitError,
        "429 Too Many Requests: Rate limit exceeded",
        "rate_limit_error",
        429,
        id="429",
    ),
    pytest.param(
        "500_failed_to_execute.json",
        500,
        InternalServerError,
        "500 Internal Server Error: Failed to execute chat",
        "server_error",
        500,
        id="500-failed-to-execute",
    ),
    pytest.param(
        "503_router.html",
        503,
        InternalServerError,
        "503 Service Unavailable: Application Error (HTML error page)",
        None,
        None,
        id="503-router-html",
    ),
]


@pytest.mark.parametrize(
    ("name", "code", "error_class", "message", "type_", "code_"), FIXTURE_CASES
)
@both
async def test_every_error_body_form(
    api: Flavor,
    name: str,
    code: int,
    error_class: type[APIStatusError],
    message: str,
    type_: str | None,
    code_: int | None,
) -> None:
    raw = fixture_bytes(f"errors/{name}")
    kind = "text/html" if name.endswith(".html") else "application/json"
    reply = httpx.Response(
        code, content=raw, headers={"content-type": kind, "x-request-id": "req_e"}
    )
    handler, seen = replies(reply)
    client = api.client(handler, max_retries=0)

    with pytest.raises(APIStatusError) as raised:
        await api.create(client)

    error = raised.value
    assert type(error) is error_class
    assert str(error) == f"{message} (request id: req_e)"
    assert error.message == str(error)
    assert error.status_code == code
    assert error.request_id == "req_e"
    assert error.type == type_
    assert error.code == code_
    assert error.request is seen[0]
    assert error.response.status_code == code
    if name.endswith(".html"):
        assert error.body == raw.decode().strip()
    elif name == "400_string_encoded.json":
        assert error.body == {
            "error": {
                "code": 400,
                "message": "unrecognized request argument supplied: stream_options",
                "type": "invalid_request",
            }
        }
    else:
        assert error.body == json.loads(raw)


@pytest.mark.parametrize(
    ("code", "error_class"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (408, RequestTimeoutError),
        (409, APIStatusError),
        (413, APIStatusError),
        (418, APIStatusError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (504, InternalServerError),
        (529, InternalServerError),
    ],
)
def test_status_codes_map_to_classes(code: int, error_class: type[APIStatusError]) -> None:
    error = make_status_error(read_response(code, b'{"error": {"message": "m"}}'))
    assert type(error) is error_class
    assert str(error).startswith(f"{code} ")
    assert str(error).endswith(": m")


def make_status_error(response: httpx.Response) -> APIStatusError:
    return CallErrors(response.request, secret="").status(response)


def read_response(
    code: int, content: bytes, headers: dict[str, str] | None = None
) -> httpx.Response:
    request = httpx.Request("POST", "https://inference.test/v1/chat/completions")
    return httpx.Response(code, content=content, headers=headers, request=request)


# -- request ids -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "request_id"),
    [
        ({"x-request-id": "a"}, "a"),
        ({"request-id": "b"}, "b"),
        ({"x-heroku-request-id": "c"}, "c"),
        ({"x-amz-cf-id": "d"}, "d"),
        ({"x-amz-cf-id": "d", "request-id": "b", "x-request-id": "a"}, "a"),
        ({"x-amz-cf-id": "d", "request-id": "b"}, "b"),
        ({"x-request-id": "", "request-id": "b"}, "b"),
        ({}, None),
    ],
)
def test_request_id_from_the_headers(headers: dict[str, str], request_id: str | None) -> None:
    error = make_status_error(read_response(500, b"{}", headers))
    assert error.request_id == request_id
    if request_id is None:
        assert "request id" not in str(error)
    else:
        assert str(error).endswith(f"(request id: {request_id})")


@both
async def test_request_id_reaches_the_error_from_the_client(api: Flavor) -> None:
    reply = httpx.Response(404, content=b'{"error": "no such model"}', headers={"request-id": "r9"})
    handler, _ = replies(reply)
    client = api.client(handler)

    with pytest.raises(NotFoundError) as raised:
        await api.create(client, model="no-such-model")

    assert raised.value.request_id == "r9"
    assert str(raised.value) == "404 Not Found: no such model (request id: r9)"


# -- odd bodies never raise a second error ---------------------------------------------------

ODD_BODIES = [
    pytest.param(b"", None, "400 Bad Request", id="empty"),
    pytest.param(b"   \n", None, "400 Bad Request", id="whitespace"),
    pytest.param(b"[1, 2]", [1, 2], "400 Bad Request: [1, 2]", id="list"),
    pytest.param(b'"just text"', "just text", '400 Bad Request: "just text"', id="json-string"),
    pytest.param(b"null", None, "400 Bad Request: null", id="json-null"),
    pytest.param(b"42", 42, "400 Bad Request: 42", id="json-number"),
    pytest.param(b"plain words", "plain words", "400 Bad Request: plain words", id="text"),
    pytest.param(
        b"\xff\xfe\x00bad utf-8 \xc3",
        "\ufffd\ufffd\x00bad utf-8 \ufffd",
        "400 Bad Request: \ufffd\ufffd\x00bad utf-8 \ufffd",
        id="invalid-utf-8",
    ),
    pytest.param(
        b'{"error": null}', {"error": None}, '400 Bad Request: {"error": null}', id="null"
    ),
    pytest.param(b'{"error": {}}', {"error": {}}, "400 Bad Request", id="empty-object"),
    pytest.param(b'{"error": 42}', {"error": 42}, '400 Bad Request: {"error": 42}', id="number"),
    pytest.param(
        b'{"error": "plain text"}',
        {"error": "plain text"},
        "400 Bad Request: plain text",
        id="error-string",
    ),
    pytest.param(
        b'{"error": "{not json"}',
        {"error": "{not json"},
        "400 Bad Request: {not json",
        id="error-bad-json-string",
    ),
    pytest.param(
        b'{"error": "[1]"}', {"error": "[1]"}, "400 Bad Request: [1]", id="error-json-list"
    ),
    pytest.param(
        b'{"error": {"message": 123, "code": true}}',
        {"error": {"message": 123, "code": True}},
        '400 Bad Request: {"message": 123, "code": true}',
        id="message-not-a-string",
    ),
    pytest.param(
        b'{"message": ""}', {"message": ""}, '400 Bad Request: {"message": ""}', id="empty-message"
    ),
    pytest.param(b"{}", {}, "400 Bad Request", id="empty-json-object"),
]


@pytest.mark.parametrize(("raw", "body", "message"), ODD_BODIES)
def test_odd_bodies_give_a_readable_error(raw: bytes, body: Any, message: str) -> None:
    error = make_status_error(
        read_response(400, raw, {"content-type": "application/json; charset=utf-8"})
    )

    assert type(error) is BadRequestError
    assert error.body == body
    assert str(error) == message


@pytest.mark.parametrize(("raw", "body", "message"), ODD_BODIES[:8])
@both
async def test_odd_bodies_through_the_client(
    api: Flavor, raw: bytes, body: Any, message: str
) -> None:
    handler, _ = replies(httpx.Response(400, content=raw))
    client = api.client(handler)

    with pytest.raises(BadRequestError) as raised:
        await api.create(client)

    assert str(raised.value) == message


def test_a_huge_html_page_is_shortened() -> None:
    page = "<html><body>" + "<p>Something went wrong. </p>" * 500 + "</body></html>"
    error = make_status_error(read_response(502, page.encode(), {"content-type": "text/html"}))
    assert len(str(error)) < 400
    assert str(error).startswith("502 Bad Gateway: Something went wrong.")
    assert str(error).endswith("… (HTML error page)")
    assert error.body == page


def test_parse_error_body_never_raises_on_deep_nesting() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    body, message, type_, code = parse_error_body(deep)
    assert isinstance(body, str | list)
    assert message
    assert (type_, code) == (None, None)


# -- network failures say what happened ------------------------------------------------------


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def failure(api: Flavor, base_url: str) -> APIConnectionError:
    client = api.client(base_url=base_url, max_retries=0, timeout=2)
    try:
        with pytest.raises(APIConnectionError) as raised:
            await api.create(client)
    finally:
        await api.close(client)
    error = raised.value
    assert isinstance(error.__cause__, httpx.TransportError)
    assert error.request is not None
    assert error.retries_taken == 0
    assert API_KEY not in str(error)
    return error


@both
async def test_connection_refused(api: Flavor) -> None:
    port = free_port()
    error = await failure(api, f"http://127.0.0.1:{port}")

    assert type(error) is APIConnectionError
    assert isinstance(error.__cause__, httpx.ConnectError)
    assert str(error).startswith("Connection refused: ")
    assert str(error).endswith(f"(POST 127.0.0.1:{port}/v1/chat/completions)")


@both
async def test_dns_failure(api: Flavor) -> None:
    error = await failure(api, "https://no-such-host.heroku-inference.invalid")

    assert type(error) is APIConnectionError
    assert str(error).startswith("DNS lookup failed: ")
    assert "no-such-host.heroku-inference.invalid" in str(error)


@both
async def test_tls_failure(api: Flavor) -> None:
    with loopback_server() as server:
        error = await failure(api, server.url.replace("http://", "https://"))

    assert type(error) is APIConnectionError
    assert str(error).startswith("TLS handshake failed: ")


@pytest.mark.parametrize(
    ("timeout", "phase"),
    [
        (httpx.ConnectTimeout, "Request timed out while connecting"),
        (httpx.ReadTimeout, "Request timed out while waiting for data"),
        (httpx.WriteTimeout, "Request timed out while sending the request"),
        (
            httpx.PoolTimeout,
            "Request timed out while waiting for a free connection from the pool: every "
            "connection stayed busy for the whole pool timeout (raise "
            "httpx.Limits(max_connections=...) on your http_client, or close streams you stop "
            "reading)",
        ),
    ],
)
@both
async def test_timeouts_are_api_timeout_errors(
    api: Flavor, timeout: type[httpx.TimeoutException], phase: str
) -> None:
    cause = timeout("timed out")
    handler, _ = replies(cause)
    client = api.client(handler, max_retries=0)

    with pytest.raises(APITimeoutError) as raised:
        await api.create(client)

    assert str(raised.value) == f"{phase} (POST inference.test/v1/chat/completions)"
    assert raised.value.__cause__ is cause


# httpx leaves its own body generators unclosed when decoding fails; trio reports that.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@both
async def test_an_undecodable_body_is_an_sdk_error_not_a_raw_httpx_one(api: Flavor) -> None:
    broken = httpx.Response(
        502,
        headers={"content-encoding": "gzip"},
        stream=httpx.ByteStream(b"this is not gzip at all"),
    )
    handler, seen = replies(broken)
    client = api.client(handler, max_retries=2)

    with pytest.raises(APIConnectionError) as raised:
        await api.create(client)

    assert "Could not decode the response body" in str(raised.value)
    assert isinstance(raised.value.__cause__, httpx.DecodingError)
    assert len(seen) == 1  # the same bytes would fail again: not retried


def chained(outer: BaseException, *causes: BaseException) -> BaseException:
    current = outer
    for cause in causes:
        current.__cause__ = cause
        current = cause
    return outer


@pytest.mark.parametrize(
    ("error", "description"),
    [
        (
            chained(httpx.ConnectError("x"), ConnectionRefusedError(111, "Connection refused")),
            "Connection refused: [Errno 111] Connection refused",
        ),
        (
            chained(
                httpx.ConnectError("all attempts to connect failed"),
                OSError("all attempts to connect failed"),
                ExceptionGroup("attempts", [ConnectionRefusedError(111, "Connection refused")]),
            ),
            "Connection refused: [Errno 111] Connection refused",
        ),
        (
            chained(
                httpx.ConnectError("x"), socket.gaierror(-3, "Temporary failure in name resolution")
            ),
            "DNS lookup failed: [Errno -3] Temporary failure in name resolution",
        ),
        (
            httpx.ConnectError("nodename nor servname provided, or not known"),
            "DNS lookup failed: nodename nor servname provided, or not known",
        ),
        (
            chained(
                httpx.ConnectError("x"),
                ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] verify failed"),
            ),
            "TLS handshake failed: [SSL: CERTIFICATE_VERIFY_FAILED] verify failed",
        ),
        (
            chained(httpx.ReadError("x"), ConnectionResetError(104, "Connection reset by peer")),
            "Connection reset by peer: [Errno 104] Connection reset by peer",
        ),
        (
            httpx.RemoteProtocolError("Server disconnected without sending a response."),
            "The server closed the connection unexpectedly: "
            "Server disconnected without sending a response.",
        ),
        (
            httpx.LocalProtocolError("Illegal header value b'a\\nb'"),
            "The request could not be sent: Illegal header value b'a\\nb'",
        ),
        (httpx.ReadError("boom"), "Connection error: boom"),
        (httpx.ReadError(""), "Connection error: ReadError"),
    ],
)
def test_describe_transport_error(error: BaseException, description: str) -> None:
    assert describe_transport_error(error).startswith(description)


def test_a_cause_chain_with_a_cycle_terminates() -> None:
    first = httpx.ConnectError("first")
    second = OSError("second")
    first.__cause__ = second
    second.__cause__ = first
    assert describe_transport_error(first) == "Connection error: second"


@both
async def test_stream_errors_carry_the_request_its_id_and_the_retries(api: Flavor) -> None:
    from .helpers import chunk, sse_events, sse_response
    from .test_streaming import read_all

    body = sse_events([chunk("Hi"), {"error": {"message": "overloaded", "code": 529}}])
    handler, _ = replies(httpx.Response(503), sse_response(body))
    client = api.client(handler)
    stream = await api.create(client, stream=True)
    with pytest.raises(StreamError) as raised:
        await read_all(api, stream)
    error = raised.value
    assert error.request is not None
    assert error.request.url.path == "/v1/chat/completions"
    assert error.request_id == "req_stream"
    assert error.retries_taken == 1


@both
async def test_an_unexpected_2xx_body_error_carries_the_request_id(api: Flavor) -> None:
    handler, _ = replies(
        httpx.Response(200, text="<html>hi</html>", headers={"x-request-id": "r1"})
    )
    client = api.client(handler)
    with pytest.raises(APIResponseValidationError) as raised:
        await api.create(client)
    assert (raised.value.request_id, raised.value.retries_taken) == ("r1", 0)


@pytest.mark.parametrize(
    "status", [400, 401, 403, 404, 408, 409, 422, 429, 500, 503], ids=lambda s: f"http{s}"
)
def test_status_errors_survive_pickling_without_the_key(status: int) -> None:
    import pickle

    request = httpx.Request(
        "POST",
        "https://inference.test/v1/chat/completions",
        headers={"Authorization": f"Bearer {API_KEY}"},
    )
    response = httpx.Response(
        status,
        json={"error": {"message": "nope", "type": "t", "code": status}},
        headers={"x-request-id": "r7"},
        request=request,
    )
    response.read()
    error = CallErrors(request, API_KEY, retries_taken=2).status(response)
    data = pickle.dumps(error)
    assert API_KEY.encode() not in data
    copy = pickle.loads(data)
    assert type(copy) is type(error)
    assert (str(copy), copy.status_code, copy.request_id, copy.retries_taken, copy.body) == (
        str(error),
        status,
        "r7",
        2,
        error.body,
    )
    assert "authorization" not in copy.request.headers


@both
async def test_a_refused_connection_names_the_retries_it_took(api: Flavor) -> None:
    port = free_port()
    client = api.client(base_url=f"http://127.0.0.1:{port}", max_retries=1, timeout=2)
    try:
        with pytest.raises(APIConnectionError) as raised:
            await api.create(client)
    finally:
        await api.close(client)
    message = str(raised.value)
    assert raised.value.retries_taken == 1
    assert f"POST 127.0.0.1:{port}/v1/chat/completions; gave up after 1 retry and " in message
    assert message.endswith(" s of waiting)")


def test_a_mock_errors_own_text_wins_over_what_raised_it() -> None:
    # respx raises ConnectError("boom") from its own SideEffectError(<Route ...>).
    error = httpx.ConnectError("boom")
    error.__cause__ = RuntimeError("<Route <Scheme eq 'https'>>")
    assert describe_transport_error(error) == "Connection error: boom"


def test_a_short_stand_in_key_is_not_blanked_out_of_messages() -> None:
    # INFERENCE_KEY=any for the emulator: "any" must not become "m<redacted>" in "many".
    request = httpx.Request("POST", "https://inference.test/v1/chat/completions")
    response = httpx.Response(
        400, json={"error": {"message": "Too many tools in the request"}}, request=request
    )
    response.read()
    error = CallErrors(request, "any").status(response)
    assert "Too many tools" in str(error)
    assert error.body == {"error": {"message": "Too many tools in the request"}}
    long_key = "inf-a-real-looking-key"
    echoed = httpx.Response(401, json={"message": f"bad key {long_key}"}, request=request)
    echoed.read()
    assert long_key not in str(CallErrors(request, long_key).status(echoed))
