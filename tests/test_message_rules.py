"""Heroku's tool-turn rules, applied to every request on both clients: what is sent, and what
is refused before anything is sent. The emulator enforces Heroku's side of each rule."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from heroku_inference import ChatCompletionMessage, Tool, tool
from heroku_inference.testing import Emulator

from .flavors import Flavor, both

USER = {"role": "user", "content": "Weather in Paris?"}


def call(arguments: Any = '{"city": "Paris"}', call_id: str = "call_1") -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": "w", "arguments": arguments}}


def turn(content: Any, *calls: dict[str, Any], result: Any = "sunny") -> list[Any]:
    calls = calls or (call(),)
    results = [{"role": "tool", "tool_call_id": c["id"], "content": result} for c in calls]
    return [USER, {"role": "assistant", "content": content, "tool_calls": list(calls)}, *results]


def client_of(api: Flavor, emu: Emulator) -> Any:
    return emu.async_client() if api.is_async else emu.client()


async def sent(api: Flavor, messages: list[Any], **params: Any) -> list[Any]:
    """The messages as the emulator received them (it answers 200 only to valid ones)."""
    emu = Emulator()
    client = client_of(api, emu)
    try:
        await api.create(client, messages=messages, **params)
    finally:
        await api.close(client)
    body: dict[str, Any] = emu.requests[-1].body
    return list(body["messages"])


@pytest.mark.parametrize("content", [None, "", "  ", []])
@both
async def test_a_tool_call_turn_without_text_gets_the_placeholder(
    api: Flavor, content: Any
) -> None:
    messages = turn(content)
    out = await sent(api, messages)
    assert out[1]["content"] == "."
    assert messages[1]["content"] == content  # the caller's dict is not changed


@both
async def test_the_placeholder_is_configurable_and_applies_to_sdk_messages(api: Flavor) -> None:
    reply = ChatCompletionMessage.model_validate({"content": None, "tool_calls": [call()]})
    messages = [USER, reply, {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}]
    out = await sent(api, messages, tool_call_placeholder="(checking)")
    assert out[1] == {"role": "assistant", "content": "(checking)", "tool_calls": [call()]}
    dicts = await sent(api, turn(None), tool_call_placeholder="(checking)")
    assert dicts[1]["content"] == "(checking)"


@both
async def test_a_blank_placeholder_is_refused(api: Flavor) -> None:
    emu = Emulator()
    client = client_of(api, emu)
    with pytest.raises(ValueError, match="tool_call_placeholder must be non-empty text"):
        await api.create(client, messages=turn(None), tool_call_placeholder=" ")
    assert emu.requests == []
    await api.close(client)


@pytest.mark.parametrize(
    ("arguments", "what"),
    [
        ("[1, 2]", "a JSON list"),
        ("42", "a JSON int"),
        ('"text"', "a JSON str"),
        ("null", "a JSON NoneType"),
        ('{"city": "Par', "not valid JSON"),
    ],
)
@both
async def test_arguments_that_are_not_a_json_object_are_refused_before_sending(
    api: Flavor, arguments: str, what: str
) -> None:
    emu = Emulator()
    client = client_of(api, emu)
    with pytest.raises(ValueError, match="Failed to execute chat") as raised:
        await api.create(client, messages=turn("Checking.", call(arguments)))
    assert f"messages[1].tool_calls[0].function.arguments is {what}" in str(raised.value)
    assert emu.requests == []
    await api.close(client)


@both
async def test_object_arguments_given_as_a_dict_or_nothing_are_sent_as_json_text(
    api: Flavor,
) -> None:
    out = await sent(
        api, turn("Checking.", call({"city": "Paris"}), call("", "call_2"), call(None, "call_3"))
    )
    arguments = [c["function"]["arguments"] for c in out[1]["tool_calls"]]
    assert [json.loads(a) for a in arguments] == [{"city": "Paris"}, {}, {}]


class Weather(BaseModel):
    temperature: float
    sky: str


@pytest.mark.parametrize(
    ("result", "content"),
    [
        ({"temp": 18}, {"temp": 18}),
        ([1, 2], {"result": [1, 2]}),
        (18.5, {"result": 18.5}),
        (True, {"result": True}),
        (None, {"result": None}),
        (Weather(temperature=18, sky="clear"), {"temperature": 18.0, "sky": "clear"}),
        ("[1, 2]", {"result": [1, 2]}),
        ("42", {"result": 42}),
        ("false", {"result": False}),
    ],
)
@both
async def test_tool_results_are_json_objects_or_text(
    api: Flavor, result: Any, content: Any
) -> None:
    out = await sent(api, turn("Checking.", result=result))
    assert isinstance(out[2]["content"], str)
    assert json.loads(out[2]["content"]) == content


@pytest.mark.parametrize("text", ["sunny", "2024-01-01 was sunny", '{"temp": 18}', "nothing"])
@both
async def test_text_results_stay_as_they_are(api: Flavor, text: str) -> None:
    out = await sent(api, turn("Checking.", result=text))
    assert out[2]["content"] == text


@both
async def test_reasoning_is_never_sent_back(api: Flavor) -> None:
    reply = ChatCompletionMessage.model_validate(
        {"content": "Paris.", "reasoning": {"thinking": "Hmm.", "signature": "sig"}}
    )
    as_dict = {**reply.to_dict(), "role": "assistant", "reasoning_content": "Hmm."}
    out = await sent(api, [USER, reply, USER, as_dict, USER])
    assert out[1] == {"role": "assistant", "content": "Paris."}
    assert "reasoning" not in out[3]
    assert "reasoning_content" not in out[3]


@both
async def test_tool_objects_are_accepted_wherever_tools_are(api: Flavor) -> None:
    @tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        return "sunny"

    class Person(BaseModel):
        name: str

    raw = {
        "type": "function",
        "function": {
            "name": "lookup",
            "parameters": {"$schema": "https://json-schema.org/draft/2020-12/schema"},
        },
    }
    emu = Emulator()
    client = client_of(api, emu)
    tools = [get_weather, Tool.from_model(Person), raw]
    await api.create(client, messages=[USER], tools=tools)
    if api.is_async:
        async with client.chat.completions.stream(messages=[USER], tools=tools) as stream:
            await stream.until_done()
    else:
        with client.chat.completions.stream(messages=[USER], tools=tools) as stream:
            stream.until_done()
    await api.close(client)
    for request in emu.requests:
        names = [t["function"]["name"] for t in request.body["tools"]]
        assert names == ["get_weather", "Person", "lookup"]
        assert request.body["tools"][0] == get_weather.to_param()
        assert request.body["tools"][2]["function"]["parameters"] == {}  # no $schema
    assert "$schema" in raw["function"]["parameters"]  # the caller's dict is not changed


@pytest.mark.parametrize("tools", ["get_weather", {"type": "function"}, [print], [42]])
@both
async def test_tools_that_are_not_tools_are_refused(api: Flavor, tools: Any) -> None:
    emu = Emulator()
    client = client_of(api, emu)
    with pytest.raises(TypeError, match="tools"):
        await api.create(client, messages=[USER], tools=tools)
    assert emu.requests == []
    await api.close(client)


def test_the_emulator_enforces_the_rules_the_sdk_applies() -> None:
    """Without the SDK's rules, each of these histories fails as on Heroku."""
    import httpx

    emu = Emulator()
    with httpx.Client(transport=emu.transport(), base_url="http://emulator") as http:

        def status(messages: list[Any]) -> int:
            body = {"model": emu.model, "messages": messages}
            headers = {"authorization": "Bearer key"}
            return http.post("/v1/chat/completions", json=body, headers=headers).status_code

        assert status(turn(None)) == 400
        assert status(turn("Checking.", call("[1, 2]"))) == 500
        assert status(turn("Checking.")) == 200


@both
async def test_absurdly_nested_arguments_in_the_history_are_a_value_error(api: Flavor) -> None:
    emu = Emulator()
    client = emu.async_client() if api.is_async else emu.client()
    history = [
        {"role": "user", "content": "hi"},
        {
            "role": "assistant",
            "content": "calling",
            "tool_calls": [
                {
                    "id": "c",
                    "type": "function",
                    "function": {"name": "f", "arguments": "[" * 100_000},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c", "content": "ok"},
    ]
    with pytest.raises(ValueError, match="JSON object"):
        await api.create(client, messages=history)
    assert emu.requests == []


def test_a_request_nested_too_deeply_is_a_value_error() -> None:
    from heroku_inference._call_params import encode_json_body

    deep: Any = "x"
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(ValueError, match="nested too deeply"):
        encode_json_body({"extra": deep}, "create")
