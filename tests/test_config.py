"""Settings: the environment and arguments, URLs, the key's secrecy, headers, timeouts, pools."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from typing import Any

import httpx
import pytest

from heroku_inference import (
    DEFAULT_TIMEOUT,
    APIConnectionError,
    AuthenticationError,
    ConfigurationError,
    __version__,
)
from heroku_inference._config import normalize_base_url

from .flavors import Flavor, both
from .helpers import API_KEY, BASE_URL, MODEL, fixture_bytes, json_response, replies

COMPLETION = json.loads(fixture_bytes("chat_completion.json"))


def ok() -> httpx.Response:
    return json_response(200, COMPLETION, {"x-request-id": "req_ok"})


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content)


DEFAULT = {"connect": 5.0, "read": 600.0, "write": 600.0, "pool": 600.0}


def timeout_of(request: httpx.Request) -> dict[str, float | None]:
    timeout: dict[str, float | None] = request.extensions["timeout"]
    return timeout


# -- the environment and arguments ---------------------------------------------------------


@both
async def test_settings_come_from_the_environment(
    api: Flavor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INFERENCE_URL", "https://env.inference.test")
    monkeypatch.setenv("INFERENCE_KEY", "inf-from-the-environment")
    monkeypatch.setenv("INFERENCE_MODEL_ID", "claude-from-env")
    handler, seen = replies(ok())
    client = api.client_class(http_client=api.http(handler))

    await api.create(client)

    assert client.base_url == httpx.URL("https://env.inference.test")
    assert client.model == "claude-from-env"
    [request] = seen
    assert str(request.url) == "https://env.inference.test/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer inf-from-the-environment"
    assert body_of(request)["model"] == "claude-from-env"


@both
async def test_arguments_win_over_the_environment(
    api: Flavor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INFERENCE_URL", "https://env.inference.test")
    monkeypatch.setenv("INFERENCE_KEY", "inf-from-the-environment")
    monkeypatch.setenv("INFERENCE_MODEL_ID", "claude-from-env")
    handler, seen = replies(ok())
    client = api.client_class(
        api_key="inf-argument",
        base_url="https://arg.inference.test",
        model="nova-pro",
        http_client=api.http(handler),
    )

    await api.create(client)

    [request] = seen
    assert str(request.url) == "https://arg.inference.test/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer inf-argument"
    assert body_of(request)["model"] == "nova-pro"


URL_FORMS = [
    ("https://us.inference.heroku.com", "https://us.inference.heroku.com/v1/chat/completions"),
    ("https://us.inference.heroku.com/", "https://us.inference.heroku.com/v1/chat/completions"),
    ("https://us.inference.heroku.com/v1", "https://us.inference.heroku.com/v1/chat/completions"),
    ("https://us.inference.heroku.com/v1/", "https://us.inference.heroku.com/v1/chat/completions"),
    (
        " https://us.inference.heroku.com/v1/\n",
        "https://us.inference.heroku.com/v1/chat/completions",
    ),
    ("http://127.0.0.1:8080/proxy/v1/", "http://127.0.0.1:8080/proxy/v1/chat/completions"),
]


@pytest.mark.parametrize(("url", "endpoint"), URL_FORMS)
@both
async def test_every_form_of_inference_url_reaches_the_endpoint(
    api: Flavor, monkeypatch: pytest.MonkeyPatch, url: str, endpoint: str
) -> None:
    monkeypatch.setenv("INFERENCE_URL", url)
    monkeypatch.setenv("INFERENCE_KEY", API_KEY)
    handler, seen = replies(ok(), ok())
    from_env = api.client_class(model=MODEL, http_client=api.http(handler))
    from_argument = api.client(handler, base_url=url)

    await api.create(from_env)
    await api.create(from_argument)

    assert [str(request.url) for request in seen] == [endpoint, endpoint]


@pytest.mark.parametrize(
    ("url", "normalized"),
    [
        ("https://h.test", "https://h.test"),
        ("https://h.test/", "https://h.test"),
        ("https://h.test/v1", "https://h.test"),
        ("https://h.test/v1/", "https://h.test"),
        ("https://h.test/v1//", "https://h.test"),
        ("https://h.test/base/v1", "https://h.test/base"),
        ("https://h.test/v1?x=1#top", "https://h.test"),
        ("https://h.test/v1/chat/completions", "https://h.test"),
        ("https://h.test/base/v1/chat/completions/", "https://h.test/base"),
    ],
)
def test_normalize_base_url(url: str, normalized: str) -> None:
    assert str(normalize_base_url(url)) == normalized


@pytest.mark.parametrize("url", ["ftp://h.test", "h.test", "not a url", "https://"])
@both
async def test_a_url_that_is_not_http_is_a_configuration_error(api: Flavor, url: str) -> None:
    with pytest.raises(ConfigurationError, match="INFERENCE_URL"):
        api.client_class(api_key=API_KEY, base_url=url)


@pytest.mark.parametrize(
    ("environment", "variable"),
    [
        ({"INFERENCE_KEY": API_KEY}, "INFERENCE_URL"),
        ({"INFERENCE_URL": "", "INFERENCE_KEY": API_KEY}, "INFERENCE_URL"),
        ({"INFERENCE_URL": BASE_URL}, "INFERENCE_KEY"),
        ({"INFERENCE_URL": BASE_URL, "INFERENCE_KEY": ""}, "INFERENCE_KEY"),
        ({"INFERENCE_URL": BASE_URL, "INFERENCE_KEY": "   "}, "INFERENCE_KEY"),
        ({}, "INFERENCE_URL"),
    ],
)
@both
async def test_a_missing_url_or_key_names_the_variable_and_the_command(
    api: Flavor,
    monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, str],
    variable: str,
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ConfigurationError) as raised:
        api.client_class()

    message = str(raised.value)
    assert f"{variable} is not set" in message
    assert f"export {variable}=$(heroku config:get -a $APP_NAME {variable})" in message


@pytest.mark.parametrize("key", ["inf-abc\ndef", "inf-abc\rdef", "inf-ключ"])
@both
async def test_a_key_that_cannot_be_a_header_is_refused_without_echoing_it(
    api: Flavor, key: str
) -> None:
    with pytest.raises(ConfigurationError, match="INFERENCE_KEY") as raised:
        api.client_class(api_key=key, base_url=BASE_URL)
    assert key not in str(raised.value)


@pytest.mark.parametrize("max_retries", [-1, 1.5, True, "2"])
@both
async def test_max_retries_must_be_a_non_negative_integer(api: Flavor, max_retries: Any) -> None:
    with pytest.raises(ConfigurationError, match="max_retries"):
        api.client_class(api_key=API_KEY, base_url=BASE_URL, max_retries=max_retries)
    client = api.client(replies()[0])
    with pytest.raises(ConfigurationError, match="max_retries"):  # one check, one error type
        client.with_options(max_retries=max_retries)


@pytest.mark.parametrize("timeout", ["abc", True, [5]])
@both
async def test_a_timeout_that_is_not_seconds_is_refused(api: Flavor, timeout: Any) -> None:
    with pytest.raises(ConfigurationError, match="timeout must be seconds"):
        api.client_class(api_key=API_KEY, base_url=BASE_URL, timeout=timeout)
    handler, seen = replies()
    client = api.client(handler)
    with pytest.raises(ConfigurationError, match="timeout must be seconds"):
        client.with_options(timeout=timeout)
    with pytest.raises(ConfigurationError, match="timeout must be seconds"):
        await api.create(client, timeout=timeout)
    assert seen == []


@pytest.mark.parametrize(
    "headers", [{"X-Note": "café"}, {"X-Note": "a\nb"}, {"X-Naïve": "1"}, {" ": "x"}]
)
@both
async def test_headers_that_cannot_go_on_the_wire_are_refused_before_sending(
    api: Flavor, headers: dict[str, str]
) -> None:
    with pytest.raises(ConfigurationError, match="default_headers"):
        api.client_class(api_key=API_KEY, base_url=BASE_URL, default_headers=headers)
    handler, seen = replies()
    client = api.client(handler)
    with pytest.raises(ConfigurationError, match="extra_headers"):
        await api.create(client, extra_headers=headers)
    assert seen == []


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
@both
async def test_non_finite_numbers_are_refused_before_sending(api: Flavor, value: float) -> None:
    handler, seen = replies()
    client = api.client(handler)
    with pytest.raises(ValueError, match="temperature must be a finite number"):
        await api.create(client, temperature=value)
    assert seen == []


# -- the model -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env_model", "client_model", "call_model", "sent"),
    [
        ("env-model", None, None, "env-model"),
        ("env-model", "client-model", None, "client-model"),
        ("env-model", "client-model", "call-model", "call-model"),
        (None, "client-model", "call-model", "call-model"),
        (None, None, "call-model", "call-model"),
    ],
)
@both
async def test_model_comes_from_the_call_then_the_client_then_the_environment(
    api: Flavor,
    monkeypatch: pytest.MonkeyPatch,
    env_model: str | None,
    client_model: str | None,
    call_model: str | None,
    sent: str,
) -> None:
    if env_model is not None:
        monkeypatch.setenv("INFERENCE_MODEL_ID", env_model)
    handler, seen = replies(ok())
    client = api.client(handler, model=client_model)

    await api.create(client, model=call_model)

    assert body_of(seen[0])["model"] == sent


@both
async def test_no_model_anywhere_fails_before_sending(api: Flavor) -> None:
    handler, seen = replies()
    client = api.client(handler, model=None)

    with pytest.raises(ConfigurationError) as raised:
        await api.create(client)

    assert "No model given" in str(raised.value)
    assert "INFERENCE_MODEL_ID" in str(raised.value)
    assert seen == []


# -- the key stays secret ------------------------------------------------------------------


@both
async def test_the_key_is_not_in_reprs_or_urls(api: Flavor) -> None:
    handler, seen = replies(ok())
    client = api.client(handler)
    copy = client.with_options(timeout=3, max_retries=0)

    await api.create(client)

    for text in (
        repr(client),
        str(client),
        repr(copy),
        repr(client._context),
        repr(client._context.settings),
    ):
        assert API_KEY not in text
    assert repr(client) == (
        f"{api.client_class.__name__}(base_url='https://inference.test', "
        f"model='{MODEL}', max_retries=2)"
    )
    assert API_KEY not in str(seen[0].url)
    assert seen[0].headers["authorization"] == f"Bearer {API_KEY}"


@both
async def test_the_key_is_not_in_status_errors(api: Flavor) -> None:
    echoed = {"error": {"message": f"Invalid API key provided: {API_KEY}", "code": 401}}
    handler, _ = replies(json_response(401, echoed, {"x-request-id": "req_401"}))
    client = api.client(handler)

    with pytest.raises(AuthenticationError) as raised:
        await api.create(client)

    error = raised.value
    for text in (str(error), repr(error), error.message, repr(error.body)):
        assert API_KEY not in text
    assert str(error) == (
        "401 Unauthorized: Invalid API key provided: <redacted> (request id: req_401)"
    )
    assert error.body == {"error": {"message": "Invalid API key provided: <redacted>", "code": 401}}


@both
async def test_the_key_is_not_in_connection_errors(api: Flavor) -> None:
    handler, _ = replies(httpx.ConnectError("[Errno 111] Connection refused"))
    client = api.client(handler, max_retries=0)

    with pytest.raises(APIConnectionError) as raised:
        await api.create(client)

    for text in (str(raised.value), repr(raised.value), repr(raised.value.__cause__)):
        assert API_KEY not in text


@both
async def test_the_key_is_not_in_log_records(
    api: Flavor, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("heroku_inference._retry.INITIAL_DELAY", 0.001)
    caplog.set_level(logging.DEBUG)
    handler, _ = replies(
        httpx.ConnectError("refused"),
        json_response(503, {"error": "busy"}),
        ok(),
    )
    client = api.client(handler)

    await api.create(client)

    assert caplog.records, "expected the request to be logged"
    for record in caplog.records:
        assert API_KEY not in record.getMessage()
        assert API_KEY not in repr(record.args)


# -- headers -------------------------------------------------------------------------------


@both
async def test_auth_user_agent_and_content_headers(api: Flavor) -> None:
    handler, seen = replies(ok())
    client = api.client(handler)

    await api.create(client)

    headers = seen[0].headers
    assert headers.get_list("authorization") == [f"Bearer {API_KEY}"]
    [user_agent] = headers.get_list("user-agent")
    assert user_agent.startswith(f"heroku-inference-python/{__version__} ")
    assert headers["accept"] == "application/json"
    assert headers["content-type"] == "application/json"


@both
async def test_caller_headers_replace_ours_case_insensitively_but_not_the_key(
    api: Flavor,
) -> None:
    handler, seen = replies(ok())
    client = api.client(handler, default_headers={"user-agent": "my-app/1.0", "X-Team": "a"})

    await api.create(
        client,
        extra_headers={"x-team": "b", "AUTHORIZATION": "Bearer other", "X-Extra": "1"},
    )

    headers = seen[0].headers
    assert headers.get_list("user-agent") == ["my-app/1.0"]
    assert headers.get_list("x-team") == ["b"]
    assert headers.get_list("authorization") == [f"Bearer {API_KEY}"]
    assert headers["x-extra"] == "1"


# -- the http client, its pool and with_options ---------------------------------------------


@both
async def test_a_caller_supplied_http_client_is_used_and_left_open(api: Flavor) -> None:
    handler, seen = replies(ok())
    http = api.http(handler, headers={"X-From-Http-Client": "yes"})
    client = api.client(http_client=http)

    await api.create(client)
    await api.close(client)

    assert seen[0].headers["x-from-http-client"] == "yes"
    assert not http.is_closed
    await api.close_http(http)


@both
async def test_closing_a_client_closes_the_pool_it_owns(api: Flavor) -> None:
    client = api.client()
    assert not client._http.is_closed

    await api.close(client)

    assert client._http.is_closed


@both
async def test_context_manager_leaves_a_supplied_http_client_open(api: Flavor) -> None:
    handler, _ = replies(ok())
    http = api.http(handler)
    if api.is_async:
        async with api.client(http_client=http) as client:
            await api.create(client)
    else:
        with api.client(http_client=http) as client:
            await api.create(client)
    assert not http.is_closed
    await api.close_http(http)


@both
async def test_with_options_shares_the_pool_and_does_not_close_it(api: Flavor) -> None:
    client = api.client()  # owns its pool
    copy = client.with_options(timeout=7, max_retries=0)

    assert copy._http is client._http
    assert copy.chat.completions._context is copy._context
    assert (copy.timeout, copy.max_retries) == (httpx.Timeout(7), 0)
    assert (client.timeout, client.max_retries) == (DEFAULT_TIMEOUT, 2)

    await api.close(copy)
    assert not client._http.is_closed
    await api.close(client)
    assert client._http.is_closed


@both
async def test_with_options_resources_built_before_the_copy_follow_the_copy(api: Flavor) -> None:
    handler, seen = replies(ok(), ok())
    client = api.client(handler)
    original = client.chat.completions  # cached on the original before copying
    copy = client.with_options(model="nova-lite", default_headers={"X-Copy": "yes"})

    assert copy.chat.completions is not original
    await api.create(copy)
    await api.create(client)
    copied, plain = (json.loads(request.content) for request in seen)
    assert copied["model"] == "nova-lite"
    assert seen[0].headers["x-copy"] == "yes"
    assert plain["model"] == MODEL
    assert "x-copy" not in seen[1].headers


@both
async def test_with_options_applies_to_the_copy_only(api: Flavor) -> None:
    handler, seen = replies(ok(), ok())
    client = api.client(handler)
    copy = client.with_options(timeout=7)

    await api.create(copy)
    await api.create(client)

    assert timeout_of(seen[0]) == {"connect": 7, "read": 7, "write": 7, "pool": 7}
    assert timeout_of(seen[1]) == DEFAULT


@both
async def test_with_options_model_and_headers(api: Flavor) -> None:
    handler, seen = replies(ok())
    client = api.client(handler, default_headers={"X-A": "1"})

    copy = client.with_options(model="nova-lite", default_headers={"X-B": "2"})
    await api.create(copy)

    assert body_of(seen[0])["model"] == "nova-lite"
    assert (seen[0].headers["x-a"], seen[0].headers["x-b"]) == ("1", "2")
    assert client.model == MODEL


@pytest.mark.parametrize("wrong", ["the-other-kind", "not-a-client"])
@both
async def test_a_wrong_http_client_type_is_a_type_error(api: Flavor, wrong: str) -> None:
    other = httpx.Client() if api.is_async else httpx.AsyncClient()
    candidate: Any = other if wrong == "the-other-kind" else object()
    expected = rf"http_client must be an httpx\.{api.http_class.__name__}, got"

    with pytest.raises(TypeError, match=expected):
        api.client_class(api_key=API_KEY, base_url=BASE_URL, http_client=candidate)

    if isinstance(other, httpx.AsyncClient):
        await other.aclose()
    else:
        other.close()


# -- timeouts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("client_options", "call_options", "expected"),
    [
        ({}, {}, DEFAULT),
        ({}, {"timeout": 3}, {"connect": 3, "read": 3, "write": 3, "pool": 3}),
        (
            {},
            {"timeout": httpx.Timeout(30, connect=2)},
            {"connect": 2, "read": 30, "write": 30, "pool": 30},
        ),
        ({}, {"timeout": None}, {"connect": None, "read": None, "write": None, "pool": None}),
        ({"timeout": 10}, {}, {"connect": 10, "read": 10, "write": 10, "pool": 10}),
        ({"timeout": 10}, {"timeout": 1}, {"connect": 1, "read": 1, "write": 1, "pool": 1}),
    ],
)
@both
async def test_timeouts_reach_the_request(
    api: Flavor,
    client_options: dict[str, Any],
    call_options: dict[str, Any],
    expected: dict[str, float | None],
) -> None:
    handler, seen = replies(ok())
    client = api.client(handler, **client_options)

    await api.create(client, **call_options)

    assert timeout_of(seen[0]) == expected


@both
async def test_a_supplied_http_client_keeps_its_own_timeout(api: Flavor) -> None:
    handler, seen = replies(ok(), ok())
    client = api.client(http_client=api.http(handler, timeout=42))
    default_http = api.client(http_client=api.http(handler))

    await api.create(client)
    await api.create(default_http)

    assert timeout_of(seen[0]) == {"connect": 42, "read": 42, "write": 42, "pool": 42}
    assert timeout_of(seen[1]) == DEFAULT


def test_the_default_timeout_is_five_seconds_to_connect_and_ten_minutes_to_read() -> None:
    assert httpx.Timeout(600.0, connect=5.0) == DEFAULT_TIMEOUT


@pytest.mark.parametrize(
    "timeout",
    [-1, 0, float("inf"), float("nan"), httpx.Timeout(5, read=-1), httpx.Timeout(5, connect=0)],
    ids=["negative", "zero", "inf", "nan", "negative-read", "zero-connect"],
)
@both
async def test_a_timeout_that_is_not_positive_is_refused(api: Flavor, timeout: Any) -> None:
    with pytest.raises(ConfigurationError, match="must be a positive number of seconds"):
        api.client_class(api_key=API_KEY, base_url=BASE_URL, timeout=timeout)
    client = api.client(http_client=api.http(lambda request: ok()))
    with pytest.raises(ConfigurationError, match="must be a positive number of seconds"):
        client.with_options(timeout=timeout)
    with pytest.raises(ConfigurationError, match="must be a positive number of seconds"):
        await api.create(client, timeout=timeout)


@both
async def test_a_missing_url_mentions_the_emulator(api: Flavor) -> None:
    with pytest.raises(ConfigurationError) as raised:
        api.client_class(api_key=API_KEY)
    assert "INFERENCE_URL=emulator" in str(raised.value)


@pytest.mark.parametrize("url", ["emulator", "EMULATOR", "emulator://", " emulator/ "])
@both
async def test_inference_url_emulator_runs_on_the_built_in_emulator(
    api: Flavor, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INFERENCE_URL", url)  # no key, no model: the emulator needs neither
    client = api.client_class()
    completion = await api.create(client, messages=[{"role": "user", "content": "ping"}])
    await api.close(client)
    assert completion.choices[0].message.content is not None
    assert "ping" in completion.choices[0].message.content
    assert completion._request_id is not None
    assert completion._request_id.startswith("req_emulator_")


def test_the_emulator_is_announced_once_per_process() -> None:
    script = (
        "from heroku_inference import AsyncClient, Client\n"
        "Client(base_url='emulator'); Client(base_url='emulator')\n"
        "AsyncClient(base_url='emulator')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stderr.count("Using the built-in emulator") == 1


@both
async def test_the_emulator_url_keeps_an_explicit_model_and_key(api: Flavor) -> None:
    client = api.client_class(base_url="emulator", api_key="inf-mine", model="nova-lite")
    assert client.model == "nova-lite"
    completion = await api.create(client)
    await api.close(client)
    assert completion.model == "nova-lite"


@pytest.mark.parametrize("url", ["emulator.example.com", "https://emulator", "emulators"])
def test_only_the_exact_emulator_url_opts_in(url: str) -> None:
    from heroku_inference._config import is_emulator_url

    assert not is_emulator_url(url)
