"""heroku_inference.relay: streams to server-sent events, in both protocols, async and sync."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from heroku_inference.relay import headers, messages_from_ui, to_sse
from heroku_inference.testing import Emulator

from .flavors import Flavor, both
from .helpers import chunk, sse_events, sse_response

MESSAGES = [{"role": "user", "content": "Weather in Paris?"}]


def parse(body: bytes) -> list[tuple[str | None, Any]]:
    """(event name, decoded data) for each event of an SSE body."""
    events: list[tuple[str | None, Any]] = []
    for block in body.decode().split("\n\n"):
        if not block.strip():
            continue
        name = None
        data = ""
        for line in block.split("\n"):
            field, _, value = line.partition(": ")
            if field == "event":
                name = value
            elif field == "data":
                data = value
        events.append((name, data if data == "[DONE]" else json.loads(data)))
    return events


async def relay(api: Flavor, source: Any, protocol: str = "events") -> bytes:
    body = to_sse(source, protocol=protocol)  # type: ignore[arg-type]
    if api.is_async:
        return b"".join([part async for part in body])  # type: ignore[union-attr]
    return b"".join(body)  # type: ignore[arg-type]


def scripted(emulator: Emulator) -> None:
    emulator.reply(
        text="It is sunny.",
        reasoning="The user asks about the weather.",
        tool_calls=[{"id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}}],
        usage={"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12},
    )


@both
async def test_events_protocol_from_the_stream_helper(api: Flavor) -> None:
    emulator = Emulator()
    scripted(emulator)
    client = emulator.async_client() if api.is_async else emulator.client()
    body = await relay(api, client.chat.completions.stream(messages=MESSAGES))

    events = parse(body)
    names = [name for name, _ in events]
    assert names[-3:] == ["tool_call", "finish", "done"]
    text = "".join(data["delta"] for name, data in events if name == "text")
    reasoning = "".join(data["delta"] for name, data in events if name == "reasoning")
    assert (text, reasoning) == ("It is sunny.", "The user asks about the weather.")
    assert events[-3][1] == {"id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}}
    assert events[-2][1] == {
        "finish_reason": "tool_calls",
        "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12},
    }


@both
async def test_a_raw_chunk_stream_relays_the_same_as_the_helper(api: Flavor) -> None:
    emulator = Emulator()
    scripted(emulator)
    scripted(emulator)
    client = emulator.async_client() if api.is_async else emulator.client()
    from_helper = await relay(api, client.chat.completions.stream(messages=MESSAGES))
    raw = await api.create(client, messages=MESSAGES, stream=True)
    from_raw = await relay(api, raw)
    assert parse(from_raw) == parse(from_helper)


@both
async def test_an_upstream_error_becomes_an_error_event(api: Flavor) -> None:
    emulator = Emulator()
    emulator.fault("inband_error", after=2)
    client = emulator.async_client() if api.is_async else emulator.client()
    events = parse(await relay(api, client.chat.completions.stream(messages=MESSAGES)))

    assert [name for name, _ in events][-1] == "error"
    assert "done" not in [name for name, _ in events]
    assert events[-1][1]["type"] == "StreamError"
    assert "Failed to execute chat" in events[-1][1]["message"]


@both
async def test_an_error_while_opening_is_relayed_too(api: Flavor) -> None:
    emulator = Emulator()
    emulator.error(401, message="Invalid API key provided")
    client = emulator.async_client() if api.is_async else emulator.client()
    events = parse(await relay(api, client.chat.completions.stream(messages=MESSAGES), "ai-sdk"))
    assert events[0][1]["type"] == "start"
    assert events[-2][1]["type"] == "error"
    assert "401" in events[-2][1]["errorText"]
    assert events[-1][1] == "[DONE]"


@both
async def test_a_truncated_stream_is_an_error_not_a_short_reply(api: Flavor) -> None:
    body = sse_events([chunk("Hel", role="assistant"), chunk("lo")])
    body = body[: body.rindex(b"event:done")]
    client = api.client(lambda request: sse_response(body))
    raw = await api.create(client, messages=MESSAGES, stream=True)
    events = parse(await relay(api, raw, "ai-sdk"))
    kinds = [data["type"] for _, data in events if data != "[DONE]"]
    assert kinds[-1] == "error"
    assert "text-end" in kinds  # the open block is closed before the error
    assert "finish" not in kinds


def test_ai_sdk_frames_are_data_only_and_end_with_done() -> None:
    emulator = Emulator()
    scripted(emulator)
    with emulator.client() as client:
        body = b"".join(to_sse(client.chat.completions.stream(messages=MESSAGES), "ai-sdk"))  # type: ignore[arg-type]
    assert b"event:" not in body
    events = parse(body)
    kinds = [data["type"] if data != "[DONE]" else data for _, data in events]
    assert kinds[:3] == ["start", "start-step", "reasoning-start"]
    assert kinds[-4:] == ["tool-input-available", "finish-step", "finish", "[DONE]"]
    assert events[-2][1] == {"type": "finish", "finishReason": "tool-calls"}
    assert headers("ai-sdk")["x-vercel-ai-ui-message-stream"] == "v1"
    assert "x-vercel-ai-ui-message-stream" not in headers("events")


def test_an_unknown_protocol_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="protocol must be"):
        to_sse(iter(()), protocol="json")  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_the_relay_closes_the_upstream_when_its_reader_stops() -> None:
    emulator = Emulator()
    emulator.reply(text="one two three four five six seven eight")
    client = emulator.async_client()
    raw = await client.chat.completions.create(messages=MESSAGES, stream=True)
    body = to_sse(raw)
    first = await body.__anext__()  # type: ignore[union-attr]
    assert first.startswith(b"event: text")
    await body.aclose()  # type: ignore[union-attr]
    assert raw.response.is_closed


def test_ui_messages_become_messages() -> None:
    ui = [
        {"id": "1", "role": "system", "parts": [{"type": "text", "text": "Be brief."}]},
        {"id": "2", "role": "user", "parts": [{"type": "text", "text": "Weather in Paris?"}]},
        {
            "id": "3",
            "role": "assistant",
            "parts": [
                {"type": "step-start"},
                {"type": "reasoning", "text": "They want weather."},
                {"type": "text", "text": "Let me check."},
                {
                    "type": "tool-get_weather",
                    "toolCallId": "call_1",
                    "state": "output-available",
                    "input": {"city": "Paris"},
                    "output": {"temperature": 21},
                },
                {"type": "step-start"},
                {"type": "text", "text": "It is 21 degrees."},
                {
                    "type": "tool-forecast",
                    "toolCallId": "call_2",
                    "state": "input-available",
                    "input": {},
                },
            ],
        },
        {
            "id": "4",
            "role": "user",
            "parts": [
                {"type": "text", "text": "And this?"},
                {"type": "file", "mediaType": "image/png", "url": "data:image/png;base64,AAAA"},
            ],
        },
    ]
    assert messages_from_ui(ui) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": "Let me check.",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": '{"temperature":21}'},
        {"role": "assistant", "content": "It is 21 degrees."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "And this?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
            ],
        },
    ]


def test_ui_tool_results_that_are_not_objects_are_wrapped() -> None:
    ui = [
        {
            "role": "assistant",
            "parts": [
                {
                    "type": "dynamic-tool",
                    "toolName": "count",
                    "toolCallId": "c",
                    "state": "output-available",
                    "input": {},
                    "output": [1, 2],
                },
                {
                    "type": "tool-fail",
                    "toolCallId": "d",
                    "state": "output-error",
                    "input": {},
                    "errorText": "boom",
                },
            ],
        }
    ]
    messages = messages_from_ui(ui)
    assert messages[1]["tool_call_id"] == "c"
    assert json.loads(messages[1]["content"]) == {"result": [1, 2]}
    assert messages[2]["tool_call_id"] == "d"
    assert json.loads(messages[2]["content"]) == {"error": "boom"}


@pytest.mark.parametrize(
    "bad",
    [{"messages": []}, "hi", [{"role": "robot", "parts": []}], [{"role": "user", "parts": 3}]],
)
def test_bad_ui_messages_are_refused_clearly(bad: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        messages_from_ui(bad)


def test_sse_bytes_survive_newlines_in_text() -> None:
    from heroku_inference.relay import Frame

    frame = Frame("text", json.dumps({"delta": "a\nb"}))
    assert frame.encode() == b'event: text\ndata: {"delta": "a\\nb"}\n\n'
    assert httpx.Response(200, content=frame.encode()).text.count("\n") == 3


def weather_tool() -> Any:
    from heroku_inference import tool

    @tool
    def get_weather(city: str) -> dict[str, Any]:
        """The weather in a city.

        Args:
            city: The city.
        """
        return {"city": city, "sky": "sunny"}

    return get_weather


def script_tool_round(emulator: Emulator) -> None:
    emulator.reply(
        text="Checking.",
        tool_calls=[{"id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}}],
        usage={"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8},
    )
    emulator.reply(
        text="It is sunny in Paris.",
        usage={"prompt_tokens": 9, "completion_tokens": 6, "total_tokens": 15},
    )


@pytest.mark.parametrize("streamed", [True, False], ids=["streamed", "whole"])
@both
async def test_a_tool_run_relays_calls_results_and_both_rounds(api: Flavor, streamed: bool) -> None:
    emulator = Emulator()
    script_tool_round(emulator)
    client = emulator.async_client() if api.is_async else emulator.client()
    run = client.chat.completions.run_tools(
        messages=MESSAGES, tools=[weather_tool()], stream=streamed
    )
    events = parse(await relay(api, run))

    names = [name for name, _ in events]
    assert names.index("tool_call") < names.index("tool_result") < names.index("finish")
    call = next(data for name, data in events if name == "tool_call")
    assert call == {"id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}}
    result = next(data for name, data in events if name == "tool_result")
    assert result == {
        "id": "call_1",
        "name": "get_weather",
        "output": {"city": "Paris", "sky": "sunny"},
        "is_error": False,
    }
    text = "".join(data["delta"] for name, data in events if name == "text")
    assert text == "Checking.It is sunny in Paris."
    assert events[-2] == (
        "finish",
        {
            "finish_reason": "stop",
            "usage": {"prompt_tokens": 14, "completion_tokens": 9, "total_tokens": 23},
        },
    )
    assert names[-1] == "done"


def test_a_tool_run_in_the_ai_sdk_protocol_has_two_steps() -> None:
    emulator = Emulator()
    script_tool_round(emulator)
    with emulator.client() as client:
        run = client.chat.completions.run_tools(
            messages=MESSAGES, tools=[weather_tool()], stream=True
        )
        events = parse(b"".join(to_sse(run, "ai-sdk")))  # type: ignore[arg-type]
    kinds = [data["type"] if data != "[DONE]" else data for _, data in events]
    assert kinds.count("start-step") == kinds.count("finish-step") == 2
    output = next(
        data for _, data in events if data != "[DONE]" and data["type"] == "tool-output-available"
    )
    assert output == {
        "type": "tool-output-available",
        "toolCallId": "call_1",
        "output": {"city": "Paris", "sky": "sunny"},
    }


@both
async def test_an_agents_run_relays_its_turns_tools_and_error(api: Flavor) -> None:
    emulator = Emulator()
    emulator.agent_run(
        {
            "role": "assistant",
            "content": "Running it.",
            "tool_calls": [
                {"id": "tooluse_1", "name": "code_exec_python", "arguments": {"code": "print(1)"}}
            ],
        },
        {"role": "tool", "name": "code_exec_python", "content": "1"},
        {"role": "assistant", "content": "It printed 1."},
        error="the dyno ran out of time",
    )
    client = emulator.async_client() if api.is_async else emulator.client()
    stream = client.agents.stream(
        messages=[{"role": "user", "content": "Run print(1)"}],
        tools=[{"type": "heroku_tool", "name": "code_exec_python"}],
    )
    events = parse(await relay(api, stream))

    names = [name for name, _ in events]
    assert names[:4] == ["text", "tool_call", "tool_result", "text"]
    assert events[1][1]["arguments"] == {"code": "print(1)"}
    assert events[2][1]["id"] == "tooluse_1"
    assert names[-1] == "error"
    assert events[-1][1]["type"] == "AgentError"
    assert "ran out of time" in events[-1][1]["message"]
