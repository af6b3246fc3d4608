"""The emulator in-process: engine and httpx transport, sync and async (asyncio and trio).

Raw httpx clients check the exact bytes (status, headers, bodies); the SDK's clients check
that what the emulator sends maps to the right completions, errors and stream faults.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

import heroku_inference._transport as sdk_transport
from heroku_inference import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    StreamError,
)
from heroku_inference.testing import (
    IGNORED_PARAMS,
    SUPPORTED_PARAMS,
    Emulator,
    EmulatorTransport,
    create_app,
)
from heroku_inference.testing._plan import DISCONNECT, Delay

from .helpers import FIXTURES

MODEL = "claude-4-5-sonnet"
AUTH = {"Authorization": "Bearer inf-test"}
HI: list[Any] = [{"role": "user", "content": "Why is Heroku so cool?"}]
FRAMINGS = ["heroku", "openai"]


# -- helpers -----------------------------------------------------------------------------


def chat(**fields: Any) -> dict[str, Any]:
    return {"model": MODEL, "messages": HI, **fields}


@pytest.fixture
def emu() -> Emulator:
    return Emulator()


@pytest.fixture
def http(emu: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(transport=emu.transport(), base_url="http://emulator") as client:
        yield client


def post(http: httpx.Client, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return http.post(
        "/v1/chat/completions", content=content, headers=AUTH if headers is None else headers
    )


def sse(raw: bytes) -> list[tuple[str | None, str]]:
    """``(event, data)`` of each event in an SSE body."""
    events: list[tuple[str | None, str]] = []
    for block in raw.decode().split("\n\n"):
        if not block:
            continue
        event, data = None, []
        for line in block.split("\n"):
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                event = value
            elif field == "data":
                data.append(value)
        events.append((event, "\n".join(data)))
    return events


def payloads(raw: bytes) -> list[dict[str, Any]]:
    return [json.loads(data) for _, data in sse(raw) if data != "[DONE]"]


def drain(stream: Any, into: list[Any]) -> None:
    """Read a sync stream to its end (or its error), keeping what arrived."""
    for item in stream:
        into.append(item)


async def adrain(stream: Any, into: list[Any]) -> None:
    async with stream:
        async for item in stream:
            into.append(item)


def fixture(name: str) -> bytes:
    return (FIXTURES / "errors" / name).read_bytes().strip()


def no_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK's backoff without Retry-After is ~0.5 s; tests don't wait for it."""
    monkeypatch.setattr(sdk_transport, "retry_delay", lambda *args, **kwargs: 0.0)


# -- validation ---------------------------------------------------------------------------

BAD_REQUESTS = [
    pytest.param(chat(temperature=1.5), "'temperature' must be between 0 and 1", id="temp-high"),
    pytest.param(chat(temperature=-0.1), "'temperature' must be between 0 and 1", id="temp-low"),
    pytest.param(chat(temperature="hot"), "'temperature' must be a number", id="temp-type"),
    pytest.param(chat(temperature=True), "'temperature' must be a number", id="temp-bool"),
    pytest.param(chat(top_p=1.2), "'top_p' must be between 0 and 1", id="top-p"),
    pytest.param(chat(max_tokens=0), "'max_tokens' must be a positive integer", id="max-tokens"),
    pytest.param(
        chat(max_completion_tokens=2.5),
        "'max_completion_tokens' must be a positive integer",
        id="max-completion-tokens",
    ),
    pytest.param(chat(stream="yes"), "'stream' must be a boolean", id="stream"),
    pytest.param(chat(stop=[1]), "'stop' must be an array of strings", id="stop"),
    pytest.param(chat(reasoning_effort="max"), "'reasoning_effort' must be one of", id="effort"),
    pytest.param(chat(tools=[{"type": "function"}]), "tools[0] must be", id="tools"),
    pytest.param(chat(tool_choice="always"), "'tool_choice' must be", id="tool-choice"),
    pytest.param(
        chat(allow_ignored_params="yes"), "'allow_ignored_params' must be a boolean", id="allow"
    ),
    pytest.param(
        chat(extended_thinking={"enabled": True, "budget_tokens": 1023}),
        "'extended_thinking.budget_tokens' must be at least 1024",
        id="budget-min",
    ),
    pytest.param(
        chat(extended_thinking={"enabled": True, "budget_tokens": 2048}, max_tokens=2048),
        "'max_tokens' must be greater than 'extended_thinking.budget_tokens'",
        id="budget-above-max-tokens",
    ),
    pytest.param(
        chat(extended_thinking={"enabled": True, "budget_tokens": 1024}, temperature=0.5),
        "'temperature' may only be set to 1 when extended thinking is enabled",
        id="thinking-temperature",
    ),
    pytest.param(chat(extended_thinking=True), "'extended_thinking' must be an object", id="et"),
    pytest.param(chat(model=""), "'model' must be a non-empty string", id="model-empty"),
    pytest.param(chat(messages=[]), "'messages' must be a non-empty array", id="messages-empty"),
    pytest.param(
        chat(messages=[{"role": "robot", "content": "hi"}]),
        "messages[0].role must be one of",
        id="role",
    ),
    pytest.param(
        chat(messages=[{"role": "user"}]), "messages[0].content must be a string", id="content"
    ),
    pytest.param(
        chat(messages=[*HI, {"role": "tool", "content": "sunny"}]),
        "messages[1].tool_call_id is required",
        id="tool-call-id",
    ),
    pytest.param([1, 2], "the body must be a JSON object", id="not-an-object"),
    pytest.param(b"{not json", "the body is not valid JSON", id="not-json"),
]


@pytest.mark.parametrize(("body", "detail"), BAD_REQUESTS)
def test_invalid_values_are_400_invalid_request_error(
    http: httpx.Client, body: object, detail: str
) -> None:
    response = post(http, body)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == 400
    assert error["type"] == "invalid_request_error"
    assert error["message"].startswith("Invalid request: ")
    assert detail in error["message"]


@pytest.mark.parametrize("name", ["model", "messages"])
def test_missing_model_or_messages_is_400_as_heroku_words_it(http: httpx.Client, name: str) -> None:
    body = chat()
    del body[name]
    response = post(http, body)
    assert response.status_code == 400
    expected = fixture("400_object.json").replace(b"'messages'", f"'{name}'".encode())
    assert response.content == expected


@pytest.mark.parametrize("name", sorted(IGNORED_PARAMS | {"frobnicate"}))
def test_unknown_and_ignored_params_are_400_without_allow_ignored_params(
    http: httpx.Client, name: str
) -> None:
    response = post(http, chat(**{name: 1}))
    assert response.status_code == 400
    expected = json.dumps(
        {
            "error": json.dumps(
                {
                    "code": 400,
                    "message": f"unrecognized request argument supplied: {name}",
                    "type": "invalid_request",
                }
            )
        }
    ).encode()
    assert response.content == expected


def test_an_unknown_param_is_rejected_in_the_captured_form(http: httpx.Client) -> None:
    # The July 2025 capture rejected stream_options; Heroku's compatibility page now lists it
    # as supported, so the emulator accepts it, and the captured form is checked on another name.
    response = post(http, chat(frobnicate={"include_usage": True}))
    captured = fixture("400_string_encoded.json").replace(b"stream_options", b"frobnicate")
    assert response.content == captured


@pytest.mark.parametrize(
    ("name", "value"),
    [("stream_options", {"include_usage": True}), ("parallel_tool_calls", False)],
)
def test_params_the_compatibility_page_supports_are_accepted(
    http: httpx.Client, name: str, value: object
) -> None:
    response = post(http, chat(**{name: value}))
    assert response.status_code == 200


@pytest.mark.parametrize("name", sorted(IGNORED_PARAMS | {"frobnicate"}))
def test_allow_ignored_params_drops_them(http: httpx.Client, name: str) -> None:
    response = post(http, chat(**{name: 1}, allow_ignored_params=True))
    assert response.status_code == 200
    assert response.json()["object"] == "chat.completion"


def test_every_supported_param_is_accepted(http: httpx.Client) -> None:
    # Thinking off (and not a Claude model), so that temperature and top_p go together.
    body = chat(
        model="gpt-oss-120b",
        max_tokens=4096,
        max_completion_tokens=4096,
        temperature=1,
        top_p=0.999,
        top_k=40,
        stop=["\n\nHuman:"],
        stream=False,
        tools=[{"type": "function", "function": {"name": "get_weather", "parameters": {}}}],
        tool_choice="auto",
        extended_thinking={"enabled": False, "budget_tokens": 1024, "include_reasoning": False},
        reasoning_effort="low",
        allow_ignored_params=False,
        user="user-1",
        stream_options={"include_usage": True},
        parallel_tool_calls=True,
        modalities=["text"],
    )
    assert set(body) == SUPPORTED_PARAMS
    response = post(http, body)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("value", [0, 0.5, 1])
def test_temperature_bounds_are_inclusive(http: httpx.Client, value: float) -> None:
    assert post(http, chat(temperature=value)).status_code == 200


def test_budget_tokens_of_1024_is_accepted(http: httpx.Client) -> None:
    thinking = {"enabled": True, "budget_tokens": 1024, "include_reasoning": True}
    assert post(http, chat(extended_thinking=thinking, max_tokens=4096)).status_code == 200


def tool_turn(content: object, arguments: object = '{"city": "Paris"}') -> list[Any]:
    call = {
        "id": "tooluse_1",
        "type": "function",
        "function": {"name": "w", "arguments": arguments},
    }
    assistant: dict[str, Any] = {"role": "assistant", "tool_calls": [call]}
    if content != "<missing>":
        assistant["content"] = content
    return [*HI, assistant, {"role": "tool", "tool_call_id": "tooluse_1", "content": "sunny"}]


@pytest.mark.parametrize("content", [None, "", "   ", [], "<missing>"])
def test_assistant_tool_calls_with_empty_content_is_400_content_is_required(
    http: httpx.Client, content: object
) -> None:
    response = post(http, chat(messages=tool_turn(content)))
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": 400, "message": "content is required", "type": "invalid_request_error"}
    }


def test_assistant_tool_calls_with_content_is_accepted(http: httpx.Client) -> None:
    assert post(http, chat(messages=tool_turn("Let me check."))).status_code == 200
    plain = [*HI, {"role": "assistant", "content": None}, *HI]
    assert post(http, chat(messages=plain)).status_code == 200


@pytest.mark.parametrize(
    "arguments", ["", "{", "[1, 2]", "42", '"text"', "null", {"city": "Paris"}, None]
)
def test_tool_arguments_that_are_not_a_json_object_string_are_500(
    http: httpx.Client, arguments: object
) -> None:
    response = post(http, chat(messages=tool_turn(".", arguments)))
    assert response.status_code == 500
    assert response.content == fixture("500_failed_to_execute.json")


def test_sdk_maps_validation_errors(emu: Emulator) -> None:
    with emu.client(max_retries=0) as client:
        with pytest.raises(BadRequestError) as bad:
            client.chat.completions.create(messages=HI, temperature=2)
        assert bad.value.type == "invalid_request_error"
        with pytest.raises(BadRequestError) as unknown:
            client.chat.completions.create(messages=HI, seed=1)
        assert unknown.value.type == "invalid_request"
        assert "unrecognized request argument supplied: seed" in unknown.value.message
        # Arguments Heroku would answer 500 to are refused before sending.
        with pytest.raises(ValueError, match=r"arguments is a JSON list"):
            client.chat.completions.create(messages=tool_turn(".", "[]"))
        assert len(emu.requests) == 2
        emu.error(500, message="Failed to execute chat")
        with pytest.raises(InternalServerError) as failed:
            client.chat.completions.create(messages=HI)
        assert failed.value.message.endswith(
            "Failed to execute chat (request id: req_emulator_000003)"
        )
        ok = client.chat.completions.create(messages=HI, seed=1, allow_ignored_params=True)
    assert ok.choices[0].message.content


def test_an_invalid_request_leaves_the_script_alone(emu: Emulator, http: httpx.Client) -> None:
    emu.reply(text="scripted")
    assert post(http, chat(temperature=9)).status_code == 400
    assert len(emu.pending) == 1
    assert post(http, chat()).json()["choices"][0]["message"]["content"] == "scripted"
    assert emu.pending == []


def test_a_scripted_error_comes_before_validation(emu: Emulator, http: httpx.Client) -> None:
    emu.error(429)
    assert post(http, chat(temperature=9)).status_code == 429
    assert post(http, chat(temperature=9)).status_code == 400


# -- auth and routing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Unauthorized"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "Invalid API key provided"),
        ({"Authorization": "Bearer "}, "Invalid API key provided"),
        ({"Authorization": "inf-test"}, "Invalid API key provided"),
    ],
)
def test_missing_or_bad_authorization_is_401_flat(
    http: httpx.Client, headers: dict[str, str], message: str
) -> None:
    response = post(http, chat(), headers=headers)
    assert response.status_code == 401
    assert response.json() == {"message": message, "code": 401}


def test_any_bearer_token_works_unless_a_key_is_set() -> None:
    with httpx.Client(transport=Emulator().transport(), base_url="http://e") as open_http:
        assert post(open_http, chat(), {"authorization": "bearer anything"}).status_code == 200
    locked = Emulator(api_key="inf-right")
    with httpx.Client(transport=locked.transport(), base_url="http://e") as http:
        wrong = post(http, chat(), {"Authorization": "Bearer inf-wrong"})
        assert wrong.content == fixture("401_flat.json")
        assert post(http, chat(), {"Authorization": "Bearer inf-right"}).status_code == 200
    with locked.client() as client, locked.client(api_key="inf-wrong") as stranger:
        assert client.chat.completions.create(messages=HI).choices
        with pytest.raises(AuthenticationError, match="Invalid API key provided"):
            stranger.chat.completions.create(messages=HI)


def test_unknown_paths_are_404_and_wrong_methods_405(http: httpx.Client) -> None:
    missing = http.post("/v1/completions", json={}, headers=AUTH)
    assert missing.status_code == 404
    assert missing.json() == {
        "error": {
            "code": 404,
            "message": "Not found: POST /v1/completions",
            "type": "not_found_error",
        }
    }
    wrong = http.get("/v1/chat/completions", headers=AUTH)
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "POST"
    assert wrong.json()["error"]["code"] == 405


def test_sdk_maps_404(emu: Emulator) -> None:
    with (
        emu.client(base_url="https://emulator/nested", max_retries=0) as client,
        pytest.raises(NotFoundError, match="Not found: POST /nested/v1/chat/completions"),
    ):
        client.chat.completions.create(messages=HI)


def test_available_models_lists_a_few_models_without_auth(http: httpx.Client) -> None:
    response = http.get("/available-models")
    assert response.status_code == 200
    models = response.json()
    assert {"model_id": MODEL, "type": ["text-to-text"], "regions": ["us", "eu"]} in models
    kinds = {kind for model in models for kind in model["type"]}
    assert kinds == {"text-to-text", "text-to-embedding", "text-to-image", "text-to-ranking"}
    custom = Emulator(model="my-model")
    with httpx.Client(transport=custom.transport(), base_url="http://e") as other:
        assert "my-model" in [m["model_id"] for m in other.get("/available-models/").json()]


# -- default reply ------------------------------------------------------------------------


@pytest.mark.parametrize("framing", FRAMINGS)
def test_default_stream_is_word_by_word_and_framed(framing: str) -> None:
    emu = Emulator(framing)  # type: ignore[arg-type]
    with httpx.Client(transport=emu.transport(), base_url="http://e") as http:
        response = post(http, chat(stream=True))
    assert response.headers["content-type"] == "text/event-stream"
    events = sse(response.content)
    if framing == "heroku":
        assert response.content.startswith(b"event:message\ndata:{")
        assert response.content.endswith(b"event:done\ndata:[DONE]\n\n")
        assert {event for event, _ in events} == {"message", "done"}
    else:
        assert response.content.startswith(b"data: {")
        assert response.content.endswith(b"\n\ndata: [DONE]\n\n")
        assert b"event:" not in response.content
    chunks = payloads(response.content)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    words = [c["choices"][0]["delta"]["content"] for c in chunks[1:-1]]
    assert "".join(words) == (
        "Hello from the Heroku Inference emulator! You said: Why is Heroku so cool?"
    )
    assert all(len(word.split()) == 1 for word in words)
    last = chunks[-1]
    assert last["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "stop"}
    usage = last["usage"]
    assert usage["completion_tokens"] == len(words)
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert {c["id"] for c in chunks} == {chunks[0]["id"]}
    assert all(c["object"] == "chat.completion.chunk" and c["model"] == MODEL for c in chunks)


def test_default_non_streamed_reply_has_the_shape_of_a_real_capture(http: httpx.Client) -> None:
    body = post(http, chat()).json()
    real = json.loads((FIXTURES / "chat_completion.json").read_text())
    assert body.keys() == real.keys()
    assert body["choices"][0].keys() == real["choices"][0].keys()
    assert body["choices"][0]["message"].keys() == real["choices"][0]["message"].keys()
    assert body["usage"].keys() == real["usage"].keys()
    assert body["id"].startswith("chatcmpl-")
    assert body["system_fingerprint"].startswith("heroku-inf-")


def test_default_reply_is_deterministic(http: httpx.Client) -> None:
    first = post(http, chat()).json()
    second = post(http, chat()).json()
    assert first["choices"] == second["choices"]
    assert first["usage"] == second["usage"]
    assert first["id"] != second["id"]


def test_default_reply_echoes_the_last_user_message_and_counts_tokens(
    http: httpx.Client,
) -> None:
    messages = [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": [{"type": "text", "text": "second   question"}]},
    ]
    short = post(http, chat(messages=messages[-1:])).json()
    body = post(http, chat(messages=messages)).json()
    assert body["choices"][0]["message"]["content"].endswith("You said: second question")
    assert body["usage"]["prompt_tokens"] > short["usage"]["prompt_tokens"] > 0


@pytest.mark.parametrize("framing", FRAMINGS)
def test_default_reasoning_only_with_include_reasoning(framing: str) -> None:
    emu = Emulator(framing)  # type: ignore[arg-type]
    thinking: Any = {"enabled": True, "budget_tokens": 1024, "include_reasoning": True}
    with emu.client() as client:
        plain = client.chat.completions.create(messages=HI)
        quiet: Any = {**thinking, "include_reasoning": False}
        hidden = client.chat.completions.create(messages=HI, extended_thinking=quiet)
        shown = client.chat.completions.create(messages=HI, extended_thinking=thinking)
        with client.chat.completions.stream(messages=HI, extended_thinking=thinking) as stream:
            kinds = [event.type for event in stream]
            streamed = stream.get_final_completion()
    assert plain.choices[0].message.reasoning is None
    assert hidden.choices[0].message.reasoning is None
    reasoning = shown.choices[0].message.reasoning
    assert reasoning is not None
    assert reasoning.thinking
    assert streamed.choices[0].message.reasoning == reasoning
    assert streamed.choices[0].message.content == shown.choices[0].message.content
    assert kinds.index("reasoning.done") < kinds.index("content.delta")


def test_default_reply_honours_max_tokens_and_stop(http: httpx.Client) -> None:
    cut = post(http, chat(max_tokens=3)).json()
    assert cut["choices"][0]["message"]["content"] == "Hello from the "
    assert cut["choices"][0]["finish_reason"] == "length"
    assert cut["usage"]["completion_tokens"] == 3
    stopped = post(http, chat(stop=["Inference"])).json()
    assert stopped["choices"][0]["message"]["content"] == "Hello from the Heroku "
    assert stopped["choices"][0]["finish_reason"] == "stop"


def test_forced_tool_choice_calls_the_tool_with_example_arguments(emu: Emulator) -> None:
    weather: Any = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {
                "type": "object",
                "properties": {
                    "city": {"type": "string"},
                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                    "days": {"type": "integer"},
                },
                "required": ["city", "unit", "days"],
            },
        },
    }
    other: Any = {"type": "function", "function": {"name": "noop"}}
    named: Any = {"type": "function", "function": {"name": "get_weather"}}
    with emu.client() as client:
        auto = client.chat.completions.create(messages=HI, tools=[weather], tool_choice="auto")
        forced = client.chat.completions.create(
            messages=HI, tools=[other, weather], tool_choice=named
        )
        required = client.chat.completions.create(
            messages=HI, tools=[other, weather], tool_choice="required"
        )
    assert auto.choices[0].message.tool_calls is None
    calls = forced.choices[0].message.tool_calls
    assert calls is not None
    assert forced.choices[0].finish_reason == "tool_calls"
    assert calls[0].function.name == "get_weather"
    assert json.loads(calls[0].function.arguments) == {
        "city": "example",
        "unit": "celsius",
        "days": 1,
    }
    assert forced.choices[0].message.content == "Calling get_weather."
    required_calls = required.choices[0].message.tool_calls
    assert required_calls is not None
    assert required_calls[0].function.name == "noop"


# -- scripting ----------------------------------------------------------------------------


def test_scripted_replies_are_taken_in_order_then_the_default(emu: Emulator) -> None:
    emu.reply(text="one")
    emu.reply(text="two", times=2)
    with emu.client() as client:
        texts = [
            client.chat.completions.create(messages=HI).choices[0].message.content for _ in range(4)
        ]
    assert texts[:3] == ["one", "two", "two"]
    assert texts[3] is not None
    assert texts[3].startswith("Hello from the Heroku Inference emulator!")


def test_scripted_reply_fields(emu: Emulator) -> None:
    emu.reply(
        text="Partly.",
        reasoning="Think first.",
        usage={"prompt_tokens": 5, "completion_tokens": 6},
        finish_reason="length",
    )
    with emu.client() as client:
        completion = client.chat.completions.create(messages=HI)
    choice = completion.choices[0]
    assert choice.message.content == "Partly."
    assert choice.message.reasoning is not None
    assert choice.message.reasoning.thinking == "Think first."
    assert choice.finish_reason == "length"
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.total_tokens) == (5, 11)


@pytest.mark.parametrize("framing", FRAMINGS)
def test_scripted_tool_calls_stream_their_arguments_in_fragments_by_index(framing: str) -> None:
    emu = Emulator(framing)  # type: ignore[arg-type]
    emu.reply(
        text="Let me check both.",
        tool_calls=[
            {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}},
            {"name": "get_stock_price", "arguments": '{"symbol": "CRM"}', "id": "tooluse_mine"},
        ],
    )
    with httpx.Client(transport=emu.transport(), base_url="http://e") as http:
        raw = post(http, chat(stream=True)).content
    deltas = [c["choices"][0]["delta"] for c in payloads(raw)]
    fragments: dict[int, list[str]] = {0: [], 1: []}
    headers = {}
    for delta in deltas:
        for call in delta.get("tool_calls", []):
            if "id" in call:
                headers[call["index"]] = (call["id"], call["function"]["name"])
            fragments[call["index"]].append(call["function"]["arguments"])
    assert headers[0][1] == "get_weather"
    assert headers[0][0].startswith("tooluse_")
    assert headers[1] == ("tooluse_mine", "get_stock_price")
    assert all(len([f for f in parts if f]) >= 2 for parts in fragments.values())
    assert json.loads("".join(fragments[0])) == {"city": "Paris", "unit": "celsius"}
    assert "".join(fragments[1]) == '{"symbol": "CRM"}'
    assert payloads(raw)[-1]["choices"][0]["finish_reason"] == "tool_calls"

    emu.reply(text="Let me check.", tool_calls=[{"name": "get_weather", "arguments": {"a": 1}}])
    with emu.client() as client, client.chat.completions.stream(messages=HI) as stream:
        done = [e for e in stream if e.type == "tool_calls.function.arguments.done"]
        final = stream.get_final_completion()
    assert done[0].parsed_arguments == {"a": 1}
    calls = final.choices[0].message.tool_calls
    assert calls is not None
    assert calls[0].function.arguments == '{"a": 1}'
    assert final.choices[0].message.content == "Let me check."


def test_scripted_tool_call_arguments_may_be_any_string(emu: Emulator) -> None:
    emu.reply(tool_calls=[{"name": "broken", "arguments": "{not json"}])
    with emu.client() as client:
        completion = client.chat.completions.create(messages=HI)
    calls = completion.choices[0].message.tool_calls
    assert calls is not None
    assert calls[0].function.arguments == "{not json"
    assert completion.choices[0].message.content is None


def test_scripting_rejects_nonsense(emu: Emulator) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        emu.fault("explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="after"):
        emu.fault("disconnect", after=-1)
    with pytest.raises(ValueError, match="delay"):
        emu.fault("slow", delay=-1)
    with pytest.raises(ValueError, match="status"):
        emu.error(200)
    with pytest.raises(ValueError, match="times"):
        emu.reply(text="x", times=0)
    with pytest.raises(TypeError, match="tool_calls"):
        emu.reply(tool_calls={"name": "x"})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="framing"):
        Emulator("sse")  # type: ignore[arg-type]
    assert emu.pending == []


def test_reset_forgets_script_and_requests(emu: Emulator, http: httpx.Client) -> None:
    emu.reply(text="a")
    post(http, chat())
    emu.error(500)
    emu.reset()
    assert emu.pending == []
    assert emu.requests == []
    assert post(http, chat()).status_code == 200
    assert "pending=0, requests=1" in repr(emu)


# -- scripted errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status", "form"),
    [
        ("400_object.json", 400, None),
        ("400_string_encoded.json", 400, None),
        ("401_flat.json", 401, "flat"),
        ("403_model_access.json", 403, None),
        ("403_waf.html", 403, None),
        ("429_rate_limit.json", 429, "object"),
        ("500_failed_to_execute.json", 500, None),
        ("503_router.html", 503, "html"),
    ],
)
def test_every_fixture_error_body_can_be_sent_as_is(
    emu: Emulator, http: httpx.Client, name: str, status: int, form: str | None
) -> None:
    raw = (FIXTURES / "errors" / name).read_text()
    emu.error(status, body=raw)
    response = post(http, chat())
    assert response.status_code == status
    assert response.text == raw
    kind = "text/html" if name.endswith(".html") else "application/json"
    assert response.headers["content-type"] == kind
    if form is not None:  # the form name alone builds the same body
        emu.error(status, body=form)
        assert post(http, chat()).content.strip() == raw.strip().encode()


@pytest.mark.parametrize(
    ("status", "body", "error", "detail"),
    [
        (400, "object", BadRequestError, "400 Bad Request: Invalid request"),
        (400, "string_encoded", BadRequestError, "400 Bad Request: Invalid request"),
        (401, None, AuthenticationError, "401 Unauthorized: Invalid API key provided"),
        (403, "object", PermissionDeniedError, "You do not have access to that model"),
        (403, "html", PermissionDeniedError, "The request could not be satisfied"),
        (404, "flat", NotFoundError, "404 Not Found: Not found"),
        (500, None, InternalServerError, "500 Internal Server Error: Internal server error"),
        (418, "text that is not JSON", Exception, "text that is not JSON"),
        (422, {"detail": "custom"}, Exception, "custom"),
    ],
)
def test_scripted_errors_map_to_sdk_errors(
    emu: Emulator, status: int, body: Any, error: type[Exception], detail: str
) -> None:
    emu.error(status, body=body, headers={"x-request-id": "req_scripted"})
    with emu.client(max_retries=0) as client, pytest.raises(error) as caught:
        client.chat.completions.create(messages=HI)
    assert detail in str(caught.value)
    assert "req_scripted" in str(caught.value)
    assert getattr(caught.value, "status_code", None) == status


def test_a_scripted_500_is_retried_unless_it_says_failed_to_execute_chat(emu: Emulator) -> None:
    emu.error(500)  # a transient 500: retried
    emu.reply(text="second time lucky")
    with emu.client(max_retries=1) as client:
        completion = client.chat.completions.create(messages=HI)
    assert completion.choices[0].message.content == "second time lucky"
    assert completion._retries_taken == 1
    emu.error(500, message="Failed to execute chat")  # deterministic on Heroku: not retried
    with emu.client(max_retries=2) as client, pytest.raises(InternalServerError):
        client.chat.completions.create(messages=HI)
    assert len(emu.requests) == 3


def test_truncate_fault_ends_the_stream_cleanly_without_a_terminator(emu: Emulator) -> None:
    emu.fault("truncate", after=2)
    with emu.client() as client, client.chat.completions.create(messages=HI, stream=True) as s:
        chunks = [next(s), next(s)]
        with pytest.raises(StreamError, match="no \\[DONE\\] terminator after 2 chunk"):
            next(s)
    assert len(chunks) == 2


def test_error_message_and_default_bodies(emu: Emulator, http: httpx.Client) -> None:
    emu.error(429, message="Slow down")
    emu.error(503)
    emu.error(502, body="flat")
    assert post(http, chat()).json() == {
        "error": {"code": 429, "message": "Slow down", "type": "rate_limit_error"}
    }
    assert post(http, chat()).json() == {
        "error": {"code": 503, "message": "Service Unavailable", "type": "server_error"}
    }
    assert post(http, chat()).json() == {"message": "Bad Gateway", "code": 502}


def test_retry_after_is_sent_and_the_sdk_retries(emu: Emulator, http: httpx.Client) -> None:
    emu.error(429, retry_after=0)
    emu.error(503, retry_after=0.01)
    emu.reply(text="finally")
    with emu.client(max_retries=2) as client:
        completion = client.chat.completions.create(messages=HI)
    assert completion.choices[0].message.content == "finally"
    assert completion._retries_taken == 2
    assert len(emu.requests) == 3
    emu.error(429, retry_after=7)
    assert post(http, chat()).headers["retry-after"] == "7"


def test_retries_give_up_with_the_last_error(emu: Emulator) -> None:
    emu.error(429, retry_after=0, times=3)
    with emu.client(max_retries=2) as client, pytest.raises(RateLimitError) as caught:
        client.chat.completions.create(messages=HI)
    assert caught.value.retries_taken == 2
    assert emu.pending == []


# -- faults -------------------------------------------------------------------------------


@pytest.mark.parametrize("framing", FRAMINGS)
@pytest.mark.parametrize("after", [0, 2])
def test_disconnect_drops_the_stream_after_n_events(framing: str, after: int) -> None:
    emu = Emulator(framing)  # type: ignore[arg-type]
    emu.fault("disconnect", after=after)
    with httpx.Client(transport=emu.transport(), base_url="http://e") as http:
        received: list[bytes] = []
        with (
            http.stream("POST", "/v1/chat/completions", json=chat(stream=True), headers=AUTH) as r,
            pytest.raises(httpx.RemoteProtocolError),
        ):
            received.extend(r.iter_raw())
    assert len(received) == after
    emu.fault("disconnect", after=after)
    seen: list[Any] = []
    with emu.client(max_retries=0) as client:
        stream = client.chat.completions.create(messages=HI, stream=True)
        with pytest.raises(APIConnectionError, match="interrupted after"):
            drain(stream, seen)
    assert len(seen) == after


def test_a_stream_is_never_retried_but_a_dropped_body_is(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_wait(monkeypatch)
    emu.fault("disconnect", after=0)
    with emu.client(max_retries=1) as client:
        completion = client.chat.completions.create(messages=HI)
    assert completion._retries_taken == 1
    assert completion.choices[0].message.content


@pytest.mark.parametrize("framing", FRAMINGS)
def test_malformed_event_after_n(framing: str) -> None:
    emu = Emulator(framing)  # type: ignore[arg-type]
    emu.fault("malformed", after=2)
    with httpx.Client(transport=emu.transport(), base_url="http://e") as http:
        events = sse(post(http, chat(stream=True)).content)
    with pytest.raises(ValueError, match="Unterminated string"):
        json.loads(events[2][1])
    assert events[-1][1] == "[DONE]"
    emu.fault("malformed", after=2)
    seen: list[Any] = []
    with emu.client() as client:
        stream = client.chat.completions.create(messages=HI, stream=True)
        with pytest.raises(StreamError, match="not valid JSON") as caught:
            drain(stream, seen)
    assert len(seen) == 2
    assert caught.value.raw is not None
    assert caught.value.raw.startswith('{"id":"chatcmpl-')


@pytest.mark.parametrize("framing", FRAMINGS)
def test_inband_error_after_n(framing: str) -> None:
    emu = Emulator(framing)  # type: ignore[arg-type]
    emu.fault("inband_error", after=3)
    with httpx.Client(transport=emu.transport(), base_url="http://e") as http:
        events = sse(post(http, chat(stream=True)).content)
    assert len(events) == 4
    expected_event = "error" if framing == "heroku" else None
    assert events[3][0] == expected_event
    assert json.loads(events[3][1]) == json.loads(fixture("500_failed_to_execute.json"))
    emu.fault("inband_error", after=1, body={"error": {"message": "Model overloaded", "code": 503}})
    with (
        emu.client() as client,
        client.chat.completions.stream(messages=HI) as stream,
        pytest.raises(StreamError, match="Model overloaded") as caught,
    ):
        stream.until_done()
    assert caught.value.code == 503


def test_slow_drip_sleeps_between_events_in_sync(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    naps: list[float] = []
    monkeypatch.setattr("time.sleep", naps.append)  # the transport's sleep
    emu.fault("slow", delay=0.05, text="one two three")
    with emu.client() as client:
        chunks = list(client.chat.completions.create(messages=HI, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "one two three"
    assert naps == [0.05] * len(chunks)  # between the events, the terminator included


def test_slow_drip_after_n_and_on_whole_bodies(emu: Emulator) -> None:
    emu.fault("slow", delay=0.01, after=3)
    emu.fault("slow", delay=0.01)
    plan = emu.handle("POST", "/v1/chat/completions", AUTH, json.dumps(chat(stream=True)).encode())
    kinds = ["delay" if isinstance(p, Delay) else "bytes" for p in plan.parts]
    assert kinds[:4] == ["bytes", "bytes", "bytes", "delay"]
    assert kinds.count("delay") == kinds.count("bytes") - 3
    whole = emu.handle("POST", "/v1/chat/completions", AUTH, json.dumps(chat()).encode())
    assert whole.parts[0] == Delay(0.01)
    assert json.loads(whole.body)["object"] == "chat.completion"


def test_faults_on_non_streamed_requests(emu: Emulator, http: httpx.Client) -> None:
    emu.fault("disconnect", after=1)
    plan = emu.handle("POST", "/v1/chat/completions", AUTH, json.dumps(chat()).encode())
    assert plan.parts[-1] is DISCONNECT
    assert plan.body.startswith(b'{"id":')
    emu.fault("malformed")
    emu.fault("inband_error", text="ignored")
    with emu.client(max_retries=0) as client, pytest.raises(APIResponseValidationError):
        client.chat.completions.create(messages=HI)
    response = post(http, chat())
    assert response.status_code == 200
    assert response.json() == {
        "error": {"code": 500, "message": "Failed to execute chat", "type": "server_error"}
    }
    emu.fault("inband_error")
    with (
        emu.client(max_retries=0) as client,
        pytest.raises(APIResponseValidationError, match="Failed to execute chat"),
    ):
        client.chat.completions.create(messages=HI)


def test_fault_with_text_replaces_the_default_reply(emu: Emulator) -> None:
    emu.fault("inband_error", after=2, text="Heroku is cool")
    texts: list[str] = []
    with (
        emu.client() as client,
        client.chat.completions.stream(messages=HI) as stream,
        pytest.raises(StreamError, match="Failed to execute chat"),
    ):
        drain(stream.text_stream, texts)
    assert texts == ["Heroku "]


# -- recorded requests --------------------------------------------------------------------


def test_requests_are_recorded_as_received(emu: Emulator, http: httpx.Client) -> None:
    with emu.client(default_headers={"X-Heroku-Prompt-Caching": "false"}) as client:
        client.chat.completions.create(messages=HI, max_tokens=10, stream=False)
    post(http, chat(temperature=7))
    http.get("/available-models?x=1")
    first, rejected, listing = emu.requests
    assert (first.method, first.path) == ("POST", "/v1/chat/completions")
    assert first.body == {"model": MODEL, "messages": HI, "max_tokens": 10}
    assert first.headers["authorization"] == "Bearer inf-emulator-key"
    assert first.headers["x-heroku-prompt-caching"] == "false"
    assert first.headers["Accept"] == "application/json"
    assert json.loads(first.content) == first.body
    assert rejected.body["temperature"] == 7
    assert (listing.method, listing.path, listing.body) == ("GET", "/available-models", None)


def test_recorded_body_is_none_when_not_json(emu: Emulator, http: httpx.Client) -> None:
    post(http, b"\xff\xfe")
    assert emu.requests[0].body is None
    assert emu.requests[0].content == b"\xff\xfe"


# -- the transport: incremental, sync and async -------------------------------------------


def test_sync_body_streams_one_event_per_read(emu: Emulator) -> None:
    with (
        httpx.Client(transport=emu.transport(), base_url="http://e") as http,
        http.stream("POST", "/v1/chat/completions", json=chat(stream=True), headers=AUTH) as r,
    ):
        pieces = list(r.iter_raw())
    assert len(pieces) == len(sse(b"".join(pieces)))
    assert all(piece.endswith(b"\n\n") and piece.count(b"\n\n") == 1 for piece in pieces)


def test_clients_close_their_own_pool_but_not_a_given_one(emu: Emulator) -> None:
    with emu.client() as client:
        pass
    assert client._http.is_closed
    given = httpx.Client(transport=emu.transport())
    with emu.client(http_client=given):
        pass
    assert not given.is_closed
    given.close()
    assert isinstance(emu.transport(), httpx.BaseTransport | httpx.AsyncBaseTransport)
    assert isinstance(emu.transport(), EmulatorTransport)
    assert callable(create_app(emu))


@pytest.mark.anyio
@pytest.mark.parametrize("framing", FRAMINGS)
async def test_async_stream_default_and_scripted(framing: str) -> None:
    emu = Emulator(framing)  # type: ignore[arg-type]
    emu.reply(text="Heroku is cool", tool_calls=[{"name": "f", "arguments": {"x": [1, 2]}}])
    async with emu.async_client() as client:
        async with client.chat.completions.stream(messages=HI) as stream:
            texts = [text async for text in stream.text_stream]
            final = await stream.get_final_completion()
        default = await client.chat.completions.create(messages=HI)
    assert client._http.is_closed
    assert texts == ["Heroku ", "is ", "cool"]
    calls = final.choices[0].message.tool_calls
    assert calls is not None
    assert json.loads(calls[0].function.arguments) == {"x": [1, 2]}
    assert final.choices[0].finish_reason == "tool_calls"
    assert default.choices[0].message.content
    assert [r.body.get("stream") for r in emu.requests] == [True, None]


@pytest.mark.anyio
async def test_async_body_streams_one_event_per_read() -> None:
    emu = Emulator()
    async with (
        httpx.AsyncClient(transport=emu.transport(), base_url="http://e") as http,
        http.stream("POST", "/v1/chat/completions", json=chat(stream=True), headers=AUTH) as r,
    ):
        pieces = [piece async for piece in r.aiter_raw()]
    assert len(pieces) == len(sse(b"".join(pieces))) > 5


@pytest.mark.anyio
async def test_async_disconnect() -> None:
    emu = Emulator()
    emu.fault("disconnect", after=2)
    seen: list[Any] = []
    async with emu.async_client(max_retries=0) as client:
        stream = await client.chat.completions.create(messages=HI, stream=True)
        with pytest.raises(APIConnectionError, match="interrupted after 2 chunk"):
            await adrain(stream, seen)
    assert len(seen) == 2


@pytest.mark.anyio
async def test_async_malformed_and_inband_error() -> None:
    emu = Emulator("openai")
    emu.fault("malformed", after=1)
    emu.fault("inband_error", after=2)
    async with emu.async_client() as client:
        for expected in ("not valid JSON", "Failed to execute chat"):
            stream = await client.chat.completions.create(messages=HI, stream=True)
            with pytest.raises(StreamError, match=expected):
                await adrain(stream, [])


@pytest.mark.anyio
async def test_async_slow_drip_sleeps_with_anyio(monkeypatch: pytest.MonkeyPatch) -> None:
    naps: list[float] = []
    real_sleep = anyio.sleep

    async def sleep(seconds: float) -> None:
        naps.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr("anyio.sleep", sleep)  # the transport's sleep
    emu = Emulator()
    emu.fault("slow", delay=0.02, text="a b")
    async with emu.async_client() as client:
        stream = await client.chat.completions.create(messages=HI, stream=True)
        chunks = [chunk async for chunk in stream]
    assert len(chunks) == 4  # role, "a ", "b", finish
    assert naps == [0.02] * 4


@pytest.mark.anyio
async def test_async_slow_drip_really_sleeps() -> None:
    emu = Emulator()
    emu.fault("slow", delay=0.01, text="slowly but surely")
    async with emu.async_client() as client:
        completion = await client.chat.completions.create(messages=HI)
        async with client.chat.completions.stream(messages=HI) as stream:
            final = await stream.get_final_completion()
    assert completion.choices[0].message.content == "slowly but surely"
    assert final.choices[0].message.content


@pytest.mark.anyio
async def test_async_retries_on_scripted_errors() -> None:
    emu = Emulator()
    emu.error(503, retry_after=0)
    emu.error(429, retry_after="0")
    async with emu.async_client() as client:
        completion = await client.chat.completions.create(messages=HI)
    assert completion._retries_taken == 2


def test_async_client_accepts_options(emu: Emulator) -> None:
    client = emu.async_client(model="nova-lite", max_retries=5)
    assert isinstance(client, AsyncClient)
    assert (client.model, client.max_retries) == ("nova-lite", 5)
    assert str(client.base_url) == "https://heroku-inference.emulator"


# -- the ASGI app in-process, and serving without uvicorn ---------------------------------


@pytest.mark.anyio
async def test_asgi_app_answers_in_process(emu: Emulator) -> None:
    app = create_app(emu)
    emu.reply(text="over ASGI")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://asgi"
    ) as http:
        streamed = await http.post("/v1/chat/completions", json=chat(stream=True), headers=AUTH)
        whole = await http.post("/v1/chat/completions?beta=1", json=chat(), headers=AUTH)
        rejected = await http.post("/v1/chat/completions", json=chat(seed=1), headers=AUTH)
        models = await http.get("/available-models")
    assert streamed.headers["content-type"] == "text/event-stream"
    texts = [c["choices"][0]["delta"].get("content") for c in payloads(streamed.content)]
    assert "".join(t for t in texts if t) == "over ASGI"
    assert whole.headers["content-length"] == str(len(whole.content))
    assert whole.json()["choices"][0]["message"]["content"].startswith("Hello from")
    assert rejected.status_code == 400
    assert models.status_code == 200
    assert [r.path for r in emu.requests] == [
        "/v1/chat/completions",
        "/v1/chat/completions",
        "/v1/chat/completions",
        "/available-models",
    ]


@pytest.mark.anyio
async def test_asgi_lifespan_completes() -> None:
    app = create_app(Emulator())
    incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[Any] = []

    async def receive() -> Any:
        return incoming.pop(0)

    async def send(message: Any) -> None:
        sent.append(message["type"])

    with anyio.fail_after(5):
        await app({"type": "lifespan"}, receive, send)
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_serving_without_uvicorn_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from heroku_inference import ConfigurationError
    from heroku_inference.testing._server import serve

    monkeypatch.setitem(sys.modules, "uvicorn", None)
    with pytest.raises(ConfigurationError, match=r"pip install 'heroku-inference\[emulator\]'"):
        serve(Emulator(), port=0)


def test_a_slow_drip_past_the_read_timeout_times_out_in_process(emu: Emulator) -> None:
    emu.fault("slow", delay=0.3, after=1)
    with emu.client(max_retries=0) as client:
        stream = client.chat.completions.create(messages=HI, stream=True, timeout=0.05)
        with stream, pytest.raises(APITimeoutError, match="interrupted after 1 chunk"):
            list(stream)


@pytest.mark.anyio
async def test_a_slow_drip_past_the_read_timeout_times_out_in_process_async(
    emu: Emulator,
) -> None:
    emu.fault("slow", delay=0.3, after=1)
    async with emu.async_client(max_retries=0) as client:
        stream = await client.chat.completions.create(messages=HI, stream=True, timeout=0.05)
        async with stream:
            with pytest.raises(APITimeoutError):
                async for _ in stream:
                    pass


def test_an_emulator_can_keep_only_its_latest_requests() -> None:
    emu = Emulator(keep_requests=2)
    with emu.client() as client:
        for word in ("one", "two", "three"):
            client.chat.completions.create(messages=[{"role": "user", "content": word}])
    assert [r.body["messages"][0]["content"] for r in emu.requests] == ["two", "three"]
    with pytest.raises(ValueError, match="keep_requests"):
        Emulator(keep_requests=-1)


def test_the_emulator_url_keeps_a_bounded_history() -> None:
    from heroku_inference import _client

    assert _client.LONG_RUNNING_KEEP == 100
    transport = _client._emulator_transport()
    emulator = transport.emulator  # type: ignore[union-attr]
    assert emulator._engine.keep_requests == 100
