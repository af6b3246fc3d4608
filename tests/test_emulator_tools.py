"""The emulator as the model in tool loops: forced tool calls with arguments that fit the
schema, and answers that use tool results."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from heroku_inference.testing import Emulator

HI = [{"role": "user", "content": "Hi"}]


def post(emu: Emulator, **fields: Any) -> dict[str, Any]:
    body = {"model": emu.model, "messages": HI, **fields}
    with httpx.Client(transport=emu.transport(), base_url="http://emulator") as http:
        response = http.post(
            "/v1/chat/completions", json=body, headers={"authorization": "Bearer k"}
        )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def forced(parameters: dict[str, Any], choice: Any = None) -> dict[str, Any]:
    tool = {"type": "function", "function": {"name": "f", "parameters": parameters}}
    reply = post(Emulator(), tools=[tool], tool_choice=choice or "required")
    call = reply["choices"][0]["message"]["tool_calls"][0]
    assert call["function"]["name"] == "f"
    arguments: dict[str, Any] = json.loads(call["function"]["arguments"])
    return arguments


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ({"type": "integer", "minimum": 5}, 5),
        ({"type": "integer", "exclusiveMaximum": 0}, -1),
        ({"type": "number", "exclusiveMinimum": 2}, 2.5),
        ({"type": "integer", "multipleOf": 7}, 7),
        ({"type": "string", "minLength": 10}, "examplexxx"),
        ({"type": "string", "maxLength": 3}, "exa"),
        ({"type": "string", "format": "date-time"}, "2024-01-01T00:00:00Z"),
        ({"type": "string", "format": "email"}, "user@example.com"),
        ({"enum": ["b", "a"]}, "b"),
        ({"const": 3}, 3),
        ({"type": "boolean"}, True),
        ({"type": ["null", "integer"]}, 1),
        ({"anyOf": [{"type": "null"}, {"type": "string"}]}, "example"),
        ({"type": "array", "items": {"type": "integer"}, "minItems": 3}, [1, 1, 1]),
        (
            {"type": "array", "items": {"type": "string"}, "minItems": 2, "uniqueItems": True},
            ["example", "example1"],
        ),
        ({"type": "string", "default": "kept"}, "kept"),
    ],
)
def test_forced_arguments_fit_the_schema(schema: dict[str, Any], value: Any) -> None:
    arguments = forced({"type": "object", "properties": {"x": schema}, "required": ["x"]})
    assert arguments == {"x": value}


def test_forced_arguments_follow_references_and_name_the_chosen_tool() -> None:
    parameters = {
        "type": "object",
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {"label": {"type": "string"}, "child": {"$ref": "#/$defs/Node"}},
                "required": ["label"],
            }
        },
        "properties": {"root": {"$ref": "#/$defs/Node"}, "optional": {"type": "string"}},
        "required": ["root"],
    }
    choice = {"type": "function", "function": {"name": "f"}}
    assert forced(parameters, choice) == {"root": {"label": "example"}}


def test_after_tool_results_the_default_answer_uses_them() -> None:
    messages = [
        *HI,
        {
            "role": "assistant",
            "content": "Checking.",
            "tool_calls": [
                {"id": "a", "type": "function", "function": {"name": "weather", "arguments": "{}"}},
                {"id": "b", "type": "function", "function": {"name": "stock", "arguments": "{}"}},
            ],
        },
        {"role": "tool", "tool_call_id": "a", "content": "sunny"},
        {"role": "tool", "tool_call_id": "b", "content": '{"price": 310.5}'},
    ]
    reply = post(Emulator(), messages=messages)
    assert reply["choices"][0]["message"]["content"] == (
        'The tools returned: weather: sunny; stock: {"price": 310.5}.'
    )
    # A new user turn after the tools is answered as usual.
    later = post(Emulator(), messages=[*messages, {"role": "user", "content": "Thanks"}])
    assert later["choices"][0]["message"]["content"].endswith("You said: Thanks")
