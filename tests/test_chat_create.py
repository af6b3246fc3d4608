"""``chat.completions.create()`` without streaming: the request body, and the typed response."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import pytest

from heroku_inference import (
    APIResponseValidationError,
    ChatCompletion,
    ChatCompletionMessage,
    Reasoning,
    ToolCall,
    Usage,
)

from .flavors import MESSAGES, Flavor, both
from .helpers import MODEL, fixture_bytes, json_response, replies

COMPLETION = json.loads(fixture_bytes("chat_completion.json"))
REASONING = json.loads(fixture_bytes("chat_completion_reasoning.json"))

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}

EVERY_FIELD: dict[str, Any] = {
    "max_tokens": 1024,
    "max_completion_tokens": 512,
    "temperature": 0.2,
    "top_p": 0.9,
    "top_k": 40,
    "stop": ["\n\n", "END"],
    "tools": [WEATHER_TOOL],
    "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    "parallel_tool_calls": False,
    # Thinking off, so that the fields Claude refuses with thinking on may be sent too.
    "extended_thinking": {"enabled": False, "budget_tokens": 1024, "include_reasoning": True},
    "reasoning_effort": "high",
    "allow_ignored_params": True,
    "stream_options": {"include_usage": True},
    "user": "user-42",
    "metadata": {"session": "s-1"},
    "n": 1,
    "seed": 7,
    "presence_penalty": 0.5,
    "frequency_penalty": -0.5,
    "logit_bias": {"50256": -100},
    "logprobs": True,
    "top_logprobs": 3,
    "response_format": {"type": "json_object"},
    "service_tier": "auto",
    "store": False,
}


def ok(body: Any = COMPLETION, **headers: str) -> httpx.Response:
    return json_response(200, body, {"x-request-id": "req_abc", **headers})


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content)


# -- the request body ----------------------------------------------------------------------


@both
async def test_only_model_and_messages_when_nothing_else_is_set(api: Flavor) -> None:
    handler, seen = replies(ok())
    client = api.client(handler)

    await api.create(client, messages=MESSAGES)

    [request] = seen
    assert request.method == "POST"
    assert str(request.url) == "https://inference.test/v1/chat/completions"
    assert body_of(request) == {"model": MODEL, "messages": MESSAGES}


@pytest.mark.parametrize(("field", "value"), list(EVERY_FIELD.items()), ids=list(EVERY_FIELD))
@both
async def test_each_documented_field_is_sent_alone(api: Flavor, field: str, value: Any) -> None:
    handler, seen = replies(ok())
    client = api.client(handler)

    await api.create(client, **{field: value})

    assert body_of(seen[0]) == {"model": MODEL, "messages": MESSAGES, field: value}


@both
async def test_every_documented_field_together(api: Flavor) -> None:
    handler, seen = replies(ok())
    client = api.client(handler)
    messages = [
        {"role": "system", "content": "Be terse."},
        {"role": "developer", "content": "Answer in French."},
        {"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]},
        {
            "role": "assistant",
            "content": "Checking.",
            "tool_calls": [
                {
                    "id": "toolu_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "toolu_1", "content": "18 C"},
    ]

    # Not a Claude model: reasoning_effort does not turn Claude's thinking on.
    await api.create(client, messages=messages, model="gpt-oss-120b", **EVERY_FIELD)

    assert body_of(seen[0]) == {"model": "gpt-oss-120b", "messages": messages, **EVERY_FIELD}


@both
async def test_values_the_caller_sets_to_falsy_are_still_sent(api: Flavor) -> None:
    handler, seen = replies(ok())
    client = api.client(handler)

    await api.create(client, temperature=0, stop=[], allow_ignored_params=False)

    assert body_of(seen[0]) == {
        "model": MODEL,
        "messages": MESSAGES,
        "temperature": 0,
        "stop": [],
        "allow_ignored_params": False,
    }


@both
async def test_extra_body_merges_into_the_body(api: Flavor) -> None:
    handler, seen = replies(ok())
    client = api.client(handler)

    await api.create(
        client,
        temperature=0.5,
        extra_body={"top_k": 5, "temperature": 0.9, "vendor": {"x": [1, 2]}},
    )

    assert body_of(seen[0]) == {
        "model": MODEL,
        "messages": MESSAGES,
        "temperature": 0.9,
        "top_k": 5,
        "vendor": {"x": [1, 2]},
    }


@both
async def test_extra_headers_are_sent_and_stay_out_of_the_body(api: Flavor) -> None:
    handler, seen = replies(ok())
    client = api.client(handler)

    await api.create(client, extra_headers={"X-Heroku-Prompt-Caching": "false"}, timeout=9)

    assert seen[0].headers["x-heroku-prompt-caching"] == "false"
    assert body_of(seen[0]) == {"model": MODEL, "messages": MESSAGES}


@both
async def test_an_unknown_keyword_is_a_type_error_before_sending(api: Flavor) -> None:
    handler, seen = replies()
    client = api.client(handler)

    with pytest.raises(TypeError, match="unexpected keyword argument 'top_kk'") as raised:
        await api.create(client, top_kk=3)

    assert "extra_body={'top_kk': ...}" in str(raised.value)
    assert seen == []


@pytest.mark.parametrize(
    ("messages", "complaint"),
    [
        ("Hello!", "messages must be a list of messages"),
        ({"role": "user", "content": "Hello!"}, "messages must be a list of messages"),
        (b"Hello!", "messages must be a list of messages"),
        (42, "messages must be a list of messages"),
        (["Hello!"], r"messages\[0\] must be a dict or a message from a response, got str"),
    ],
)
@both
async def test_messages_of_the_wrong_shape_are_a_type_error_before_sending(
    api: Flavor, messages: Any, complaint: str
) -> None:
    handler, seen = replies()
    client = api.client(handler)

    with pytest.raises(TypeError, match=complaint):
        await api.create(client, messages=messages)

    assert seen == []


@both
async def test_missing_messages_is_a_type_error(api: Flavor) -> None:
    handler, seen = replies()
    client = api.client(handler)

    async def without_messages() -> None:
        result = client.chat.completions.create(model=MODEL)
        if api.is_async:
            await result

    with pytest.raises(TypeError, match="missing required keyword argument: 'messages'"):
        await without_messages()

    assert seen == []


@both
async def test_a_value_that_is_not_json_is_a_type_error_before_sending(api: Flavor) -> None:
    handler, seen = replies()
    client = api.client(handler)

    with pytest.raises(TypeError, match="cannot be sent as JSON"):
        await api.create(client, metadata={"when": object()})

    assert seen == []


@both
async def test_messages_may_be_any_iterable(api: Flavor) -> None:
    handler, seen = replies(ok())
    client = api.client(handler)

    await api.create(client, messages=(message for message in MESSAGES))

    assert body_of(seen[0])["messages"] == MESSAGES


@both
async def test_an_earlier_reply_goes_back_as_an_assistant_message(api: Flavor) -> None:
    reply = copy.deepcopy(REASONING)
    reply["choices"][0]["message"]["content"] = "Let me check the weather."
    reply["choices"][0]["message"]["tool_calls"] = [
        {
            "id": "toolu_01",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        }
    ]
    reply["choices"][0]["finish_reason"] = "tool_calls"
    handler, seen = replies(ok(reply), ok())
    client = api.client(handler)

    first = await api.create(client, tools=[WEATHER_TOOL])
    message = first.choices[0].message
    assert isinstance(message, ChatCompletionMessage)
    assert message.reasoning == Reasoning(thinking="Paris is the capital; answer directly.")
    history = [
        *MESSAGES,
        message,
        {"role": "tool", "tool_call_id": "toolu_01", "content": "18 C and sunny"},
    ]
    await api.create(client, messages=history, tools=[WEATHER_TOOL])

    assert body_of(seen[1])["messages"] == [
        *MESSAGES,
        {
            "role": "assistant",
            "content": "Let me check the weather.",
            "tool_calls": [
                {
                    "id": "toolu_01",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "toolu_01", "content": "18 C and sunny"},
    ]


@both
async def test_a_plain_reply_goes_back_without_reasoning_or_refusal(api: Flavor) -> None:
    handler, seen = replies(ok(REASONING), ok())
    client = api.client(handler)

    first = await api.create(client)
    await api.create(client, messages=[*MESSAGES, first.choices[0].message])

    assert body_of(seen[1])["messages"][-1] == {
        "role": "assistant",
        "content": "The capital of France is Paris.",
    }


# -- the response --------------------------------------------------------------------------


@both
async def test_a_completion_is_typed(api: Flavor) -> None:
    handler, _ = replies(ok())
    client = api.client(handler)

    completion = await api.create(client)

    assert isinstance(completion, ChatCompletion)
    assert completion.id == "chatcmpl-1846531e6d7a6be30e1c6"
    assert completion.object == "chat.completion"
    assert completion.created == 1749176895
    assert completion.model == "claude-3-7-sonnet"
    assert completion.system_fingerprint == "heroku-inf-1qgiqof"
    [choice] = completion.choices
    assert choice.index == 0
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant"
    assert choice.message.content == "The capital of France is Paris."
    assert choice.message.refusal is None
    assert choice.message.tool_calls is None
    assert choice.message.reasoning is None
    assert completion.usage == Usage(prompt_tokens=14, completion_tokens=51, total_tokens=65)
    assert completion._request_id == "req_abc"
    assert completion._retries_taken == 0


@both
async def test_reasoning_is_typed(api: Flavor) -> None:
    handler, _ = replies(ok(REASONING))
    client = api.client(handler)

    completion = await api.create(
        client, extended_thinking={"enabled": True, "budget_tokens": 1024}
    )

    reasoning = completion.choices[0].message.reasoning
    assert isinstance(reasoning, Reasoning)
    assert reasoning.thinking == "Paris is the capital; answer directly."
    assert reasoning.signature is None


@both
async def test_reasoning_as_a_bare_string_is_accepted(api: Flavor) -> None:
    reply = copy.deepcopy(COMPLETION)
    reply["choices"][0]["message"]["reasoning"] = "Short thought."
    handler, _ = replies(ok(reply))
    client = api.client(handler)

    completion = await api.create(client)

    assert completion.choices[0].message.reasoning == Reasoning(thinking="Short thought.")


@both
async def test_tool_calls_are_typed(api: Flavor) -> None:
    reply = copy.deepcopy(COMPLETION)
    reply["choices"][0]["message"]["tool_calls"] = [
        {
            "id": "toolu_a",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        },
        {
            "id": "toolu_b",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Lyon"}'},
        },
    ]
    reply["choices"][0]["finish_reason"] = "tool_calls"
    handler, _ = replies(ok(reply))
    client = api.client(handler)

    completion = await api.create(client)

    calls = completion.choices[0].message.tool_calls
    assert calls is not None
    assert all(isinstance(call, ToolCall) for call in calls)
    assert [(c.id, c.function.name, json.loads(c.function.arguments)) for c in calls] == [
        ("toolu_a", "get_weather", {"city": "Paris"}),
        ("toolu_b", "get_weather", {"city": "Lyon"}),
    ]
    assert completion.choices[0].finish_reason == "tool_calls"


@both
async def test_unknown_fields_and_finish_reasons_are_kept(api: Flavor) -> None:
    reply = copy.deepcopy(COMPLETION)
    reply["x_heroku_region"] = "us"
    reply["choices"][0]["finish_reason"] = "pause_turn"
    reply["choices"][0]["message"]["citations"] = [{"url": "https://example.test"}]
    reply["usage"]["cache_read_input_tokens"] = 12
    handler, _ = replies(ok(reply))
    client = api.client(handler)

    completion = await api.create(client)

    assert completion.model_extra == {"x_heroku_region": "us"}
    assert completion.choices[0].finish_reason == "pause_turn"
    message = completion.choices[0].message
    assert message.model_extra == {"citations": [{"url": "https://example.test"}]}
    assert completion.usage is not None
    assert completion.usage.model_extra == {"cache_read_input_tokens": 12}
    assert completion.to_dict()["x_heroku_region"] == "us"


@both
async def test_request_id_from_request_id_header(api: Flavor) -> None:
    handler, _ = replies(httpx.Response(200, json=COMPLETION, headers={"request-id": "rid-2"}))
    client = api.client(handler)

    completion = await api.create(client)

    assert completion._request_id == "rid-2"


@both
async def test_an_html_page_with_200_is_a_validation_error(api: Flavor) -> None:
    page = b"<html><head><title>Maintenance</title></head><body>Back soon</body></html>"
    handler, _ = replies(httpx.Response(200, content=page, headers={"content-type": "text/html"}))
    client = api.client(handler)

    with pytest.raises(APIResponseValidationError) as raised:
        await api.create(client)

    message = str(raised.value)
    assert message.startswith("The server answered 200 with a body that is not a chat completion")
    assert "(text/html)" in message
    assert "Maintenance" in message
    assert raised.value.body == page.decode()
    assert raised.value.request is not None
    assert raised.value.retries_taken == 0


@pytest.mark.parametrize("body", [b"", b"[]", b"null", b'"text"', b"{not json"])
@both
async def test_a_200_that_is_not_a_completion_is_a_validation_error(
    api: Flavor, body: bytes
) -> None:
    handler, _ = replies(httpx.Response(200, content=body))
    client = api.client(handler)

    with pytest.raises(APIResponseValidationError, match="not a chat completion"):
        await api.create(client)


@both
async def test_an_error_object_with_200_is_not_an_empty_completion(api: Flavor) -> None:
    error = {"error": {"message": "Model is overloaded", "type": "server_error"}}
    handler, _ = replies(ok(error))
    client = api.client(handler)

    with pytest.raises(APIResponseValidationError) as raised:
        await api.create(client)

    assert str(raised.value) == (
        "The server answered 200 with an error instead of a chat completion: Model is overloaded"
    )
    assert raised.value.body == error


@pytest.mark.parametrize("content", [None, "", "  "])
def test_a_tool_call_turn_with_no_text_is_replayed_with_a_placeholder(content: str | None) -> None:
    from heroku_inference.resources._chat_call import (
        TOOL_CALL_PLACEHOLDER,
        build_chat_call,
        message_param,
    )
    from heroku_inference.testing import Emulator

    message = ChatCompletionMessage(
        content=content,
        tool_calls=[{"id": "call_1", "function": {"name": "f", "arguments": "{}"}}],
    )
    with Emulator().client() as client:
        settings = client._context.settings
    history = [message, ChatCompletionMessage(content=content)]
    call = build_chat_call(settings, {"messages": history}, stream=False)
    sent = json.loads(call.body)["messages"]
    assert sent[0]["content"] == TOOL_CALL_PLACEHOLDER == "."
    assert sent[0]["tool_calls"][0]["id"] == "call_1"
    # A plain reply with no text is left alone: only tool-call turns need content.
    assert sent[1]["content"] == content
    assert message_param(message)["content"] == content
