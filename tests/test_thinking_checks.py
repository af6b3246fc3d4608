"""Extended thinking: what Claude refuses is refused before sending, with how to fix it; what
it takes is sent as given. The emulator refuses the same, as Claude does behind Heroku."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from heroku_inference.testing import Emulator

from .flavors import Flavor, both

USER = [{"role": "user", "content": "Is 97 prime?"}]
THINKING = {"enabled": True, "budget_tokens": 1024, "include_reasoning": True}
FORCED = {"type": "function", "function": {"name": "answer"}}
TOOL = {"type": "function", "function": {"name": "answer", "parameters": {"type": "object"}}}


def client_of(api: Flavor, emu: Emulator) -> Any:
    return emu.async_client() if api.is_async else emu.client()


REFUSED: list[tuple[dict[str, Any], type[Exception], str]] = [
    (
        {"extended_thinking": {**THINKING, "budget_tokens": 512}},
        ValueError,
        r"budget_tokens must be at least 1024, got 512; set budget_tokens=1024",
    ),
    (
        {"extended_thinking": THINKING, "max_tokens": 1024},
        ValueError,
        r"max_tokens \(1024\) must be greater than extended_thinking.budget_tokens \(1024\).*"
        r"max_tokens=2048",
    ),
    (
        {"extended_thinking": THINKING, "temperature": 0.2},
        ValueError,
        r"temperature must be 1 \(or left out\) while thinking is on \(extended_thinking\)",
    ),
    (
        {"reasoning_effort": "low", "temperature": 0.2},
        ValueError,
        r"temperature must be 1 .* \(reasoning_effort\)",
    ),
    (
        {"extended_thinking": THINKING, "temperature": 1, "top_p": 0.9},
        ValueError,
        r"temperature and top_p cannot both be set while thinking is on",
    ),
    (
        {"extended_thinking": THINKING, "tools": [TOOL], "tool_choice": FORCED},
        ValueError,
        r"Thinking may not be enabled when tool_choice forces tool use'. Use tool_choice='auto'",
    ),
    (
        {"extended_thinking": THINKING, "tools": [TOOL], "tool_choice": "required"},
        ValueError,
        r"forces a tool call",
    ),
    ({"extended_thinking": "on"}, TypeError, r"extended_thinking must be a dict"),
    ({"extended_thinking": {"enabled": 1}}, TypeError, r"enabled must be True or False"),
    (
        {"extended_thinking": {"budget_tokens": "1024"}},
        TypeError,
        r"budget_tokens must be an integer",
    ),
    ({"reasoning_effort": "max"}, ValueError, r"reasoning_effort must be 'low', 'medium'"),
]


@pytest.mark.parametrize(("params", "error", "message"), REFUSED)
@both
async def test_what_claude_refuses_is_refused_before_sending(
    api: Flavor, params: dict[str, Any], error: type[Exception], message: str
) -> None:
    emu = Emulator()
    client = client_of(api, emu)
    with pytest.raises(error, match=message):
        await api.create(client, messages=USER, **params)
    assert emu.requests == []
    await api.close(client)


ACCEPTED: list[dict[str, Any]] = [
    {"extended_thinking": THINKING},
    {"extended_thinking": THINKING, "max_tokens": 2048, "temperature": 1},
    {"extended_thinking": THINKING, "top_p": 0.95},
    {"extended_thinking": THINKING, "tools": [TOOL], "tool_choice": "auto"},
    {"extended_thinking": {**THINKING, "enabled": False}, "temperature": 0.2, "top_p": 0.9},
    {"reasoning_effort": "high", "max_tokens": 4096},
]


@pytest.mark.parametrize("params", ACCEPTED)
@both
async def test_what_claude_takes_is_sent_as_given(api: Flavor, params: dict[str, Any]) -> None:
    emu = Emulator()
    client = client_of(api, emu)
    completion = await api.create(client, messages=USER, **params)
    await api.close(client)
    assert completion.choices[0].message.content
    body = emu.requests[-1].body
    assert {key: body[key] for key in params} == params


@both
async def test_reasoning_effort_is_not_thinking_on_other_models(api: Flavor) -> None:
    emu = Emulator()
    client = client_of(api, emu)
    await api.create(
        client, messages=USER, model="gpt-oss-120b", reasoning_effort="low", temperature=0.2
    )
    await api.close(client)
    assert emu.requests[-1].body["temperature"] == 0.2


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"tools": [TOOL], "tool_choice": FORCED}, "Thinking may not be enabled when tool_choice"),
        ({"tools": [TOOL], "tool_choice": "required"}, "Thinking may not be enabled"),
        ({"temperature": 1, "top_p": 0.5}, "`temperature` and `top_p` cannot both be specified"),
        (
            {
                "messages": [
                    *USER,
                    {
                        "role": "assistant",
                        "content": ".",
                        "tool_calls": [
                            {
                                "id": "t1",
                                "type": "function",
                                "function": {"name": "answer", "arguments": "{}"},
                            }
                        ],
                    },
                    {"role": "tool", "tool_call_id": "t1", "content": "97"},
                ]
            },
            "Expected `thinking` or `redacted_thinking`",
        ),
    ],
)
def test_the_emulator_refuses_what_claude_refuses_while_thinking(
    fields: dict[str, Any], message: str
) -> None:
    emu = Emulator()
    body = {"model": emu.model, "messages": USER, "extended_thinking": THINKING, **fields}
    with httpx.Client(transport=emu.transport(), base_url="http://emulator") as http:
        response = http.post(
            "/v1/chat/completions", json=body, headers={"authorization": "Bearer k"}
        )
        assert response.status_code == 400
        assert message in response.json()["error"]["message"]
        del body["extended_thinking"]
        again = http.post("/v1/chat/completions", json=body, headers={"authorization": "Bearer k"})
        assert again.status_code == 200
