"""Retries: which failures are retried, how long to wait, and what the caller sees.

No test here really sleeps: ``slept`` replaces the drivers' sleeps and records what they were
asked to wait.
"""

from __future__ import annotations

import email.utils
import json
import time
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest

from heroku_inference import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from heroku_inference._config import resolve_settings
from heroku_inference._retry import (
    MAX_RETRY_AFTER,
    retry_delay,
    should_retry_error,
    should_retry_status,
)
from heroku_inference._transport import Call, Outcome, Read, Send, Sleep, request_flow

from .flavors import Flavor, both
from .helpers import API_KEY, BASE_URL, MODEL, fixture_bytes, json_response, replies

COMPLETION = json.loads(fixture_bytes("chat_completion.json"))
NOW = 1_750_000_000.0


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The seconds each driver was asked to sleep; nothing really sleeps."""
    recorded: list[float] = []

    def sleep(seconds: float) -> None:
        recorded.append(seconds)

    async def asleep(seconds: float) -> None:
        recorded.append(seconds)
        await anyio.lowlevel.checkpoint()

    monkeypatch.setattr(time, "sleep", sleep)
    monkeypatch.setattr(anyio, "sleep", asleep)
    return recorded


def ok() -> httpx.Response:
    return json_response(200, COMPLETION, {"x-request-id": "req_ok"})


def status(code: int, body: Any = None, **headers: str) -> httpx.Response:
    body = {"error": {"message": f"status {code}"}} if body is None else body
    return json_response(code, body, headers)


def in_backoff(delay: float, retries_taken: int) -> bool:
    """Exponential backoff from 0.5 s, capped at 8 s, shortened by up to 25 % of jitter."""
    ceiling = min(0.5 * 2**retries_taken, 8.0)
    return 0.75 * ceiling <= delay <= ceiling


# -- retry_delay: pure, with the clock and the jitter injected -------------------------------


def delay_for(headers: dict[str, str], retries_taken: int = 0, jitter: float = 0.0) -> float:
    response = httpx.Response(429, headers=headers)
    return retry_delay(retries_taken, response, now=lambda: NOW, jitter=lambda: jitter)


def http_date(timestamp: float) -> str:
    return email.utils.formatdate(timestamp, usegmt=True)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after": "0"}, 0.0),
        ({"retry-after": http_date(NOW + 30)}, 30.0),
        ({"retry-after": http_date(NOW + 1)}, 1.0),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "1500.5"}, 1.5005),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after-ms": "soon", "retry-after": "9"}, 9.0),
    ],
)
def test_retry_after_is_honoured(headers: dict[str, str], expected: float) -> None:
    assert delay_for(headers, jitter=0.9) == pytest.approx(expected)


@pytest.mark.parametrize(
    "headers",
    [
        {"retry-after": "120"},
        {"retry-after": "86400"},
        {"retry-after-ms": "600000"},
        {"retry-after": http_date(NOW + 3600)},
    ],
)
def test_retry_after_is_capped(headers: dict[str, str]) -> None:
    assert MAX_RETRY_AFTER == 60.0
    assert delay_for(headers) == 60.0


@pytest.mark.parametrize(
    "headers",
    [
        {"retry-after": "soon"},
        {"retry-after": ""},
        {"retry-after": "-5"},
        {"retry-after": "nan"},
        {"retry-after": "inf"},
        {"retry-after": "1e999"},
        {"retry-after": http_date(NOW - 30)},
        {"retry-after": "Mon, 99 Foo 2025 25:61:00 GMT"},
        {"retry-after-ms": "-1"},
        {"retry-after-ms": "NaN"},
        {},
    ],
)
def test_garbage_retry_after_falls_back_to_backoff(headers: dict[str, str]) -> None:
    assert delay_for(headers, retries_taken=1, jitter=0.0) == 1.0


@pytest.mark.parametrize(
    ("retries_taken", "no_jitter", "full_jitter"),
    [(0, 0.5, 0.375), (1, 1.0, 0.75), (2, 2.0, 1.5), (3, 4.0, 3.0), (4, 8.0, 6.0), (9, 8.0, 6.0)],
)
def test_backoff_is_exponential_capped_and_jitter_only_shortens_it(
    retries_taken: int, no_jitter: float, full_jitter: float
) -> None:
    assert retry_delay(retries_taken, None, jitter=lambda: 0.0) == no_jitter
    assert retry_delay(retries_taken, None, jitter=lambda: 1.0) == full_jitter
    assert in_backoff(retry_delay(retries_taken, None), retries_taken)


# -- should_retry_status / should_retry_error ------------------------------------------------


@pytest.mark.parametrize(
    ("code", "body", "headers", "retry"),
    [
        *[(code, b"{}", {}, True) for code in (408, 409, 429, 500, 502, 503, 504, 529)],
        *[(code, b"{}", {}, False) for code in (400, 401, 403, 404, 413, 422)],
        (500, fixture_bytes("errors/500_failed_to_execute.json"), {}, False),
        (500, b"Failed to execute chat", {}, False),
        # Deterministic failures stay unretried whatever the header says.
        (500, fixture_bytes("errors/500_failed_to_execute.json"), {"x-should-retry": "1"}, False),
        (500, b"Failed to execute chat", {"x-should-retry": "true"}, False),
        (400, b"{}", {"x-should-retry": "true"}, False),
        (422, b"{}", {"x-should-retry": "True"}, False),
        (413, b"{}", {"x-should-retry": "true"}, True),
        (503, b"{}", {"x-should-retry": "false"}, False),
        (429, b"{}", {"x-should-retry": "FALSE"}, False),
        (503, b"{}", {"x-should-retry": "maybe"}, True),
        (400, b"{}", {"x-should-retry": "maybe"}, False),
    ],
)
def test_should_retry_status(code: int, body: bytes, headers: dict[str, str], retry: bool) -> None:
    assert should_retry_status(httpx.Response(code, content=body, headers=headers)) is retry


@pytest.mark.parametrize(
    ("error", "retry"),
    [
        (httpx.ConnectError("refused"), True),
        (httpx.ConnectTimeout("slow"), True),
        (httpx.ReadTimeout("slow"), True),
        (httpx.ReadError("reset"), True),
        (httpx.RemoteProtocolError("peer closed"), True),
        (httpx.LocalProtocolError("Illegal header value"), False),
        (httpx.UnsupportedProtocol("ftp"), False),
        (ValueError("not a transport error"), False),
    ],
)
def test_should_retry_error(error: Exception, retry: bool) -> None:
    assert should_retry_error(error) is retry


# -- the flow, driven by hand ----------------------------------------------------------------


def settings(max_retries: int = 2) -> Any:
    return resolve_settings(
        api_key=API_KEY,
        base_url=BASE_URL,
        model=MODEL,
        timeout=None,
        max_retries=max_retries,
        default_headers=None,
        environ={},
    )


def build(
    method: str, url: str, *, content: bytes | None, headers: Any, timeout: httpx.Timeout
) -> httpx.Request:
    return httpx.Request(
        method, url, content=content, headers=headers, extensions={"timeout": timeout.as_dict()}
    )


def call(*, stream: bool = False, max_retries: int = 2) -> Call:
    return Call(
        method="POST",
        path="/v1/chat/completions",
        body=b'{"model": "m"}',
        timeout=httpx.Timeout(5.0),
        max_retries=max_retries,
        stream=stream,
    )


def answer(request: httpx.Request, code: int, body: bytes = b"{}", **headers: str) -> Any:
    return httpx.Response(code, content=body, headers=headers, request=request)


def test_the_flow_sends_reads_sleeps_and_retries_in_order() -> None:
    flow = request_flow(settings(), call(), build)

    first = next(flow)
    assert isinstance(first, Send)
    assert str(first.request.url) == "https://inference.test/v1/chat/completions"
    assert first.request.headers["authorization"] == f"Bearer {API_KEY}"
    busy = answer(first.request, 503, b"busy", **{"retry-after": "1"})
    assert flow.send(busy) == Read(busy)
    assert flow.send(None) == Sleep(1.0)

    second = flow.send(None)
    assert isinstance(second, Send)
    assert second.request is not first.request
    assert second.request.content == first.request.content
    backoff = flow.throw(httpx.ConnectError("refused", request=second.request))
    assert isinstance(backoff, Sleep)
    assert in_backoff(backoff.seconds, retries_taken=1)

    third = flow.send(None)
    assert isinstance(third, Send)
    limited = answer(third.request, 429, **{"retry-after-ms": "2500"})
    assert flow.send(limited) == Read(limited)
    with pytest.raises(RateLimitError) as raised:
        flow.send(None)
    assert raised.value.retries_taken == 2
    assert raised.value.response is limited


def test_the_flow_returns_the_outcome_after_reading_a_success() -> None:
    flow = request_flow(settings(), call(), build)
    send = next(flow)
    assert isinstance(send, Send)
    busy = answer(send.request, 502)
    assert flow.send(busy) == Read(busy)
    assert isinstance(flow.send(None), Sleep)
    retry = flow.send(None)
    assert isinstance(retry, Send)
    good = answer(retry.request, 200)
    assert flow.send(good) == Read(good)

    with pytest.raises(StopIteration) as stopped:
        flow.send(None)

    outcome = stopped.value.value
    assert isinstance(outcome, Outcome)
    assert (outcome.response, outcome.retries_taken) == (good, 1)


def test_a_streamed_success_is_returned_unread() -> None:
    flow = request_flow(settings(), call(stream=True), build)
    send = next(flow)
    assert isinstance(send, Send)
    assert send.request.headers["accept"] == "text/event-stream"

    with pytest.raises(StopIteration) as stopped:
        flow.send(answer(send.request, 200))

    assert stopped.value.value.retries_taken == 0


def test_a_streamed_error_is_read_before_it_is_raised() -> None:
    flow = request_flow(settings(), call(stream=True, max_retries=0), build)
    send = next(flow)
    assert isinstance(send, Send)
    denied = answer(send.request, 401, b'{"message": "Invalid API key provided"}')
    assert flow.send(denied) == Read(denied)

    with pytest.raises(AuthenticationError, match="Invalid API key provided"):
        flow.send(None)


def test_a_failure_that_is_never_retried_raises_without_sleeping() -> None:
    flow = request_flow(settings(), call(), build)
    send = next(flow)
    assert isinstance(send, Send)
    bad = answer(send.request, 400, b'{"error": {"message": "no"}}')
    assert flow.send(bad) == Read(bad)

    with pytest.raises(BadRequestError) as raised:
        flow.send(None)

    assert raised.value.retries_taken == 0


# -- through the clients ---------------------------------------------------------------------


@pytest.mark.parametrize("code", [408, 409, 429, 500, 502, 503, 504])
@both
async def test_retried_statuses(api: Flavor, slept: list[float], code: int) -> None:
    handler, seen = replies(status(code), ok())
    client = api.client(handler)

    completion = await api.create(client)

    assert len(seen) == 2
    assert completion.choices[0].message.content == "The capital of France is Paris."
    assert completion._retries_taken == 1
    [delay] = slept
    assert in_backoff(delay, retries_taken=0)


@pytest.mark.parametrize(
    ("code", "error_class"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (422, UnprocessableEntityError),
    ],
)
@both
async def test_client_errors_are_never_retried(
    api: Flavor, slept: list[float], code: int, error_class: type[APIStatusError]
) -> None:
    handler, seen = replies(status(code), ok())
    client = api.client(handler, max_retries=5)

    with pytest.raises(error_class) as raised:
        await api.create(client)

    assert type(raised.value) is error_class
    assert len(seen) == 1
    assert slept == []
    assert raised.value.retries_taken == 0


@both
async def test_failed_to_execute_chat_is_not_retried(api: Flavor, slept: list[float]) -> None:
    failed = httpx.Response(500, content=fixture_bytes("errors/500_failed_to_execute.json"))
    handler, seen = replies(failed, ok())
    client = api.client(handler)

    with pytest.raises(InternalServerError, match="Failed to execute chat"):
        await api.create(client)

    assert len(seen) == 1
    assert slept == []


@pytest.mark.parametrize(
    ("code", "should_retry", "retried"),
    [(413, "true", True), (400, "true", False), (503, "false", False), (429, "false", False)],
)
@both
async def test_x_should_retry_overrides_the_status(
    api: Flavor, slept: list[float], code: int, should_retry: str, retried: bool
) -> None:
    handler, seen = replies(status(code, **{"x-should-retry": should_retry}), ok())
    client = api.client(handler)

    if retried:
        completion = await api.create(client)
        assert completion._retries_taken == 1
    else:
        with pytest.raises(APIStatusError) as raised:
            await api.create(client)
        assert raised.value.status_code == code
    assert len(seen) == (2 if retried else 1)


@both
async def test_success_on_the_third_attempt(api: Flavor, slept: list[float]) -> None:
    handler, seen = replies(status(503), status(429, **{"retry-after": "2"}), ok())
    client = api.client(handler)

    completion = await api.create(client)

    assert len(seen) == 3
    assert completion._retries_taken == 2
    assert completion._request_id == "req_ok"
    assert in_backoff(slept[0], retries_taken=0)
    assert slept[1] == 2.0
    assert len(slept) == 2
    assert len({id(request) for request in seen}) == 3
    assert {request.content for request in seen} == {seen[0].content}


@both
async def test_retries_run_out(api: Flavor, slept: list[float]) -> None:
    handler, seen = replies(status(503), status(503), status(502, **{"x-request-id": "req_3"}))
    client = api.client(handler)

    with pytest.raises(InternalServerError) as raised:
        await api.create(client)

    assert len(seen) == 3
    assert raised.value.retries_taken == 2
    assert raised.value.status_code == 502
    assert raised.value.request_id == "req_3"
    assert [in_backoff(delay, n) for n, delay in enumerate(slept)] == [True, True]


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("[Errno 111] Connection refused"),
        httpx.ConnectTimeout("timed out"),
        httpx.ReadTimeout("timed out"),
        httpx.WriteTimeout("timed out"),
        httpx.ReadError("[Errno 104] Connection reset by peer"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
    ],
    ids=lambda error: type(error).__name__,
)
@both
async def test_transport_failures_are_retried(
    api: Flavor, slept: list[float], failure: Exception
) -> None:
    handler, seen = replies(failure, ok())
    client = api.client(handler)

    completion = await api.create(client)

    assert len(seen) == 2
    assert completion._retries_taken == 1
    assert len(slept) == 1


@pytest.mark.parametrize(
    ("failure", "error_class"),
    [
        (httpx.ReadTimeout, APITimeoutError),
        (httpx.ConnectTimeout, APITimeoutError),
        (httpx.ConnectError, APIConnectionError),
    ],
)
@both
async def test_transport_failures_run_out(
    api: Flavor, slept: list[float], failure: type[Exception], error_class: type[Exception]
) -> None:
    failures = [failure(f"attempt {n}") for n in range(3)]
    handler, seen = replies(*failures)
    client = api.client(handler)

    with pytest.raises(APIConnectionError) as raised:
        await api.create(client)

    assert type(raised.value) is error_class
    assert raised.value.__cause__ is failures[-1]
    assert raised.value.retries_taken == 2
    assert len(seen) == 3
    assert len(slept) == 2


@both
async def test_a_request_that_cannot_be_sent_is_not_retried(
    api: Flavor, slept: list[float]
) -> None:
    handler, seen = replies(httpx.LocalProtocolError("Illegal header value b'a\\nb'"), ok())
    client = api.client(handler)

    with pytest.raises(APIConnectionError, match="The request could not be sent"):
        await api.create(client)

    assert len(seen) == 1
    assert slept == []


@both
async def test_max_retries_zero_with_options(api: Flavor, slept: list[float]) -> None:
    handler, seen = replies(status(503), status(503), ok())
    client = api.client(handler)

    with pytest.raises(InternalServerError) as raised:
        await api.create(client.with_options(max_retries=0))
    assert raised.value.retries_taken == 0
    assert len(seen) == 1

    completion = await api.create(client)  # the original still retries
    assert completion._retries_taken == 1
    assert len(seen) == 3


@both
async def test_more_retries_with_options_back_off_exponentially(
    api: Flavor, slept: list[float]
) -> None:
    handler, seen = replies(*[status(503) for _ in range(4)], ok())
    client = api.client(handler, max_retries=0).with_options(max_retries=4)

    completion = await api.create(client)

    assert completion._retries_taken == 4
    assert len(seen) == 5
    assert [in_backoff(delay, n) for n, delay in enumerate(slept)] == [True] * 4


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "7"}, 7.0),
        ({"retry-after": "0.25"}, 0.25),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after": "3600"}, 60.0),
        ({"retry-after": http_date(time.time() + 86400)}, 60.0),
    ],
)
@both
async def test_the_driver_sleeps_what_the_server_asked(
    api: Flavor, slept: list[float], headers: dict[str, str], expected: float
) -> None:
    handler, _ = replies(status(429, **headers), ok())
    client = api.client(handler)

    await api.create(client)

    assert slept == [expected]


@both
async def test_an_http_date_in_the_past_backs_off(api: Flavor, slept: list[float]) -> None:
    handler, _ = replies(status(503, **{"retry-after": http_date(time.time() - 600)}), ok())
    client = api.client(handler)

    await api.create(client)

    [delay] = slept
    assert in_backoff(delay, retries_taken=0)
