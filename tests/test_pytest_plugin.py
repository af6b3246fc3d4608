"""The pytest plugin, used the way a user would: fixtures in ordinary tests of ordinary code.

The plugin is meant to load through its ``pytest11`` entry point (``heroku_inference``). Until
that entry point is installed, this module loads it by name; loading it both ways would
register the same module twice, which pluggy refuses.
"""

from __future__ import annotations

import json
from importlib.metadata import entry_points
from typing import Any

import pytest

from heroku_inference import AsyncClient, Client, RateLimitError
from heroku_inference.testing import Emulator

PLUGIN = "heroku_inference.testing.pytest_plugin"
_installed = any(ep.value.startswith(PLUGIN) for ep in entry_points(group="pytest11"))
pytest_plugins = ["pytester"] if _installed else ["pytester", PLUGIN]


# -- code under test, as a user would have it ---------------------------------------------


def get_weather(city: str) -> str:
    return json.dumps({"city": city, "sky": "sunny"})


def weather_bot(client: Client, question: str) -> str:
    """A small tool loop: ask, run the tools the model calls, ask again."""
    tools: list[Any] = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            },
        }
    ]
    messages: list[Any] = [{"role": "user", "content": question}]
    for _ in range(3):
        completion = client.chat.completions.create(messages=messages, tools=tools)
        message = completion.choices[0].message
        if not message.tool_calls:
            return message.content or ""
        messages.append(message)
        for call in message.tool_calls:
            arguments = json.loads(call.function.arguments)
            result = get_weather(**arguments)
            messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
    raise RuntimeError("too many tool rounds")


async def summarise(client: AsyncClient, text: str) -> str:
    async with client.chat.completions.stream(
        messages=[{"role": "user", "content": f"Summarise: {text}"}], max_tokens=200
    ) as stream:
        return "".join([piece async for piece in stream.text_stream])


# -- the fixtures -------------------------------------------------------------------------


def test_weather_bot_runs_the_tool_and_answers(
    heroku_client: Client, heroku_emulator: Emulator
) -> None:
    heroku_emulator.reply(
        text="Let me look.", tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}]
    )
    heroku_emulator.reply(text="It is sunny in Paris.")

    assert weather_bot(heroku_client, "Weather in Paris?") == "It is sunny in Paris."

    first, second = heroku_emulator.requests
    assert first.body["tools"][0]["function"]["name"] == "get_weather"
    assistant, tool = second.body["messages"][1:]
    assert assistant["content"] == "Let me look."
    assert json.loads(assistant["tool_calls"][0]["function"]["arguments"]) == {"city": "Paris"}
    assert tool["tool_call_id"] == assistant["tool_calls"][0]["id"]
    assert json.loads(tool["content"])["sky"] == "sunny"


def test_a_tool_call_with_no_text_replays_with_a_placeholder(
    heroku_client: Client, heroku_emulator: Emulator
) -> None:
    """A model that calls a tool with no text: Heroku wants content on that turn, so the
    SDK's message goes back with a placeholder and the loop completes."""
    heroku_emulator.reply(tool_calls=[{"name": "get_weather", "arguments": {"city": "Oslo"}}])
    heroku_emulator.reply(text="Sunny in Oslo.")
    assert weather_bot(heroku_client, "Weather in Oslo?") == "Sunny in Oslo."
    assistant = heroku_emulator.requests[1].body["messages"][1]
    assert assistant["content"] == "."


def test_a_hand_written_tool_turn_with_no_text_gets_the_placeholder(
    heroku_client: Client, heroku_emulator: Emulator
) -> None:
    """A history written by hand with an empty assistant turn: Heroku would answer 400
    ``content is required``, so the SDK sends it with the placeholder."""
    messages: list[Any] = [
        {"role": "user", "content": "Weather in Oslo?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
    ]
    heroku_client.chat.completions.create(messages=messages)
    assert heroku_emulator.requests[-1].body["messages"][1]["content"] == "."
    assert messages[1]["content"] == ""  # the caller's dict is left as it was


def test_unscripted_requests_get_the_default_reply(
    heroku_client: Client, heroku_emulator: Emulator
) -> None:
    completion = heroku_client.chat.completions.create(
        messages=[{"role": "user", "content": "Ping"}]
    )
    assert completion.choices[0].message.content == (
        "Hello from the Heroku Inference emulator! You said: Ping"
    )
    assert heroku_emulator.pending == []


def test_each_test_gets_a_fresh_emulator(heroku_emulator: Emulator) -> None:
    assert heroku_emulator.requests == []
    assert heroku_emulator.pending == []
    assert heroku_emulator.framing == "heroku"


def test_rate_limits_can_be_scripted(heroku_client: Client, heroku_emulator: Emulator) -> None:
    heroku_emulator.error(429, retry_after=0, times=3)
    with pytest.raises(RateLimitError):
        heroku_client.chat.completions.create(messages=[{"role": "user", "content": "hi"}])
    assert len(heroku_emulator.requests) == 3  # the first try and two retries


@pytest.mark.anyio
async def test_async_client_fixture(
    heroku_async_client: AsyncClient, heroku_emulator: Emulator
) -> None:
    heroku_emulator.reply(text="Dynos run your code.")
    assert await summarise(heroku_async_client, "a long text") == "Dynos run your code."
    assert heroku_emulator.requests[0].body["stream"] is True
    assert heroku_emulator.requests[0].body["max_tokens"] == 200


@pytest.mark.heroku_emulator(framing="openai", api_key="inf-secret", model="nova-lite")
def test_marker_configures_the_emulator(heroku_client: Client, heroku_emulator: Emulator) -> None:
    assert heroku_emulator.framing == "openai"
    completion = heroku_client.chat.completions.create(messages=[{"role": "user", "content": "hi"}])
    assert completion.model == "nova-lite"
    sent = heroku_emulator.requests[0]
    assert sent.headers["authorization"] == "Bearer inf-secret"


# -- the plugin in a user's own project (pytester) ----------------------------------------

USER_TESTS = """
import pytest

from heroku_inference import StreamError


def test_sync(heroku_client, heroku_emulator):
    heroku_emulator.reply(text="hi there")
    reply = heroku_client.chat.completions.create(messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "hi there"


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_async(heroku_async_client, heroku_emulator, anyio_backend):
    heroku_emulator.fault("inband_error", after=1)
    stream = await heroku_async_client.chat.completions.create(
        messages=[{"role": "user", "content": "hi"}], stream=True
    )
    with pytest.raises(StreamError, match="Failed to execute chat"):
        async with stream:
            async for _ in stream:
                pass


def test_fails_when_it_should(heroku_client):
    heroku_client.chat.completions.create(messages=[{"role": "user", "content": "x"}], seed=1)
"""


INNER = ("-p", "no:heroku_inference", "-p", PLUGIN, "-p", "no:asyncio", "-p", "no:cacheprovider")
"""Load the plugin by name whether or not its entry point is installed; the user's tests use
anyio, so pytest-asyncio stays out of the inner run."""


def test_plugin_in_a_user_project(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest(*INNER, "-p", "anyio")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*BadRequestError*unrecognized request argument supplied: seed*"])


def test_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*INNER, "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.heroku_emulator(*"])
