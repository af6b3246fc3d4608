"""The ``heroku_inference`` logger: off by default, on with HEROKU_INFERENCE_LOG; it names the
method, path, status, request id and retry decisions, and never the key or a body."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator

import anyio
import anyio.lowlevel
import httpx
import pytest

from heroku_inference import APIConnectionError, AuthenticationError
from heroku_inference._logs import logger, setup_logging

from .flavors import Flavor, both
from .helpers import API_KEY, fixture_bytes, json_response, replies

COMPLETION = json.loads(fixture_bytes("chat_completion.json"))
PROMPT = "my very private prompt text"
ANSWER = "The capital of France is Paris."


@pytest.fixture
def restore_logger() -> Iterator[None]:
    handlers, level = list(logger.handlers), logger.level
    yield
    for handler in logger.handlers:
        if handler not in handlers:
            logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    async def asleep(seconds: float) -> None:
        await anyio.lowlevel.checkpoint()

    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    monkeypatch.setattr(anyio, "sleep", asleep)


def ours(handler: logging.Handler) -> bool:
    return bool(getattr(handler, "_heroku_inference", False))


# -- setup_logging ---------------------------------------------------------------------------


@pytest.mark.usefixtures("restore_logger")
@pytest.mark.parametrize(
    ("value", "level"), [("debug", logging.DEBUG), ("info", logging.INFO), (" DEBUG ", 10)]
)
def test_the_variable_turns_the_logger_on(
    monkeypatch: pytest.MonkeyPatch, value: str, level: int
) -> None:
    monkeypatch.setenv("HEROKU_INFERENCE_LOG", value)

    setup_logging()
    setup_logging()  # idempotent: one handler however often clients are built

    assert logger.name == "heroku_inference"
    assert logger.level == level
    [handler] = [h for h in logger.handlers if ours(h)]
    assert isinstance(handler, logging.StreamHandler)


@pytest.mark.usefixtures("restore_logger")
@pytest.mark.parametrize("value", [None, "", "off", "verbose", "warning"])
def test_the_logger_stays_quiet_otherwise(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is not None:
        monkeypatch.setenv("HEROKU_INFERENCE_LOG", value)
    level = logger.level

    setup_logging()

    assert not any(ours(h) for h in logger.handlers)
    assert logger.level == level


@pytest.mark.usefixtures("restore_logger")
@both
async def test_building_a_client_reads_the_variable(
    api: Flavor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEROKU_INFERENCE_LOG", "debug")

    api.client(replies()[0])

    assert logger.level == logging.DEBUG
    assert any(ours(h) for h in logger.handlers)


@pytest.mark.usefixtures("restore_logger")
def test_the_handler_writes_one_line_per_record(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HEROKU_INFERENCE_LOG", "info")
    setup_logging()

    logger.info("POST %s -> %d", "/v1/chat/completions", 200)
    logger.debug("not at info")

    err = capsys.readouterr().err
    assert "heroku_inference INFO] POST /v1/chat/completions -> 200" in err
    assert "not at info" not in err


# -- what gets logged ------------------------------------------------------------------------


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "heroku_inference"]


@pytest.mark.usefixtures("no_sleep")
@both
async def test_a_retried_request_is_logged(api: Flavor, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    handler, _ = replies(
        json_response(503, {"error": "busy"}, {"retry-after": "3", "x-request-id": "req_1"}),
        httpx.ConnectError("[Errno 111] Connection refused"),
        json_response(200, COMPLETION, {"x-request-id": "req_3"}),
    )
    client = api.client(handler)

    await api.create(client, messages=[{"role": "user", "content": PROMPT}])

    logged = messages(caplog)
    assert logged[:3] == [
        "POST /v1/chat/completions: attempt 1",
        "POST /v1/chat/completions -> 503 (request id: req_1, retries: 0)",
        "POST /v1/chat/completions answered 503; retrying in 3.00 s (retry 1 of 2)",
    ]
    assert logged[3] == "POST /v1/chat/completions: attempt 2"
    # The second retry backs off 1 s less up to 25 % jitter: "0.75" to "1.00".
    assert re.fullmatch(
        r"POST /v1/chat/completions failed \(ConnectError\); retrying in (0\.\d\d|1\.00) s "
        r"\(retry 2 of 2\)",
        logged[4],
    )
    assert logged[5:] == [
        "POST /v1/chat/completions: attempt 3",
        "POST /v1/chat/completions -> 200 (request id: req_3, retries: 2)",
    ]
    levels = {r.getMessage(): r.levelname for r in caplog.records if r.name == "heroku_inference"}
    assert levels[logged[0]] == "DEBUG"
    assert levels[logged[2]] == "INFO"
    for record in caplog.records:  # every logger, httpx's included
        text = record.getMessage()
        for secret in (API_KEY, PROMPT, ANSWER):
            assert secret not in text


@both
async def test_errors_are_logged_without_their_bodies(
    api: Flavor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = {"error": {"message": f"Invalid API key provided: {API_KEY}"}}
    handler, _ = replies(json_response(401, body))
    client = api.client(handler)

    with pytest.raises(AuthenticationError, match="401 Unauthorized"):
        await api.create(client, messages=[{"role": "user", "content": PROMPT}])

    assert "POST /v1/chat/completions -> 401 (request id: none, retries: 0)" in messages(caplog)
    for record in caplog.records:
        for secret in (API_KEY, PROMPT, "Invalid API key provided"):
            assert secret not in record.getMessage()


@both
async def test_nothing_is_logged_at_warning(api: Flavor, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    handler, _ = replies(httpx.ConnectError("refused"))
    client = api.client(handler, max_retries=0)

    with pytest.raises(APIConnectionError):
        await api.create(client)

    assert messages(caplog) == []
