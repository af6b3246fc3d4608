"""``agents.stream()`` / ``agents.create()``: the request, the typed events of the wire
transcript in every split, ``tool.completion`` objects, ``tool.error``, unknown objects, an
``agent.error`` raised after the events before it, and the collected ``AgentResult``."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from heroku_inference import (
    AgentCompletion,
    AgentError,
    AgentResult,
    APIConnectionError,
    BadRequestError,
    StreamError,
    ToolCompletion,
    ToolErrorEvent,
    UnknownAgentEvent,
)
from heroku_inference.testing import Emulator

from .flavors import Flavor, both
from .helpers import SPLITS, FragmentedStream, fixture_bytes, replies, sse_events
from .test_streaming import SSE_HEADERS, entered, read_all, read_into, step

TRANSCRIPT = fixture_bytes("agents_mcp.heroku.sse")
HI = [{"role": "user", "content": "What is 2 to the 10th? Use Python."}]
TOOLS: list[Any] = [
    {
        "type": "heroku_tool",
        "name": "dyno_run_command",
        "description": "Run a command on a dyno",
        "runtime_params": {
            "target_app_name": "my-app",
            "dyno_size": "standard-1x",
            "ttl_seconds": 120,
            "max_calls": 3,
            "tool_params": {"cmd": "date", "description": "Today's date", "parameters": {}},
        },
    },
    {"type": "mcp", "name": "mcp-python/code_exec_python"},
]
TOOL_CALL_ID = "tooluse_GDSgVgflTByFOnL_ZbCrhQ"


def stream_of(body: bytes, size: int | None = None) -> httpx.Response:
    return httpx.Response(200, headers=SSE_HEADERS, stream=FragmentedStream(body, size))


def assistant(content: str, **extra: Any) -> dict[str, Any]:
    message = {"role": "assistant", "content": content, **extra}
    usage = {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}
    return {
        "id": "chatcmpl-run",
        "object": "chat.completion",
        "model": "claude-4-5-sonnet",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": usage,
    }


def assert_transcript_result(result: AgentResult) -> None:
    assert result.id == "chatcmpl-184410e4f1a2b3c4d5e6f"
    assert result.model == "claude-4-5-sonnet"
    assert [m.role for m in result.messages] == ["assistant", "tool", "assistant"]
    call = result.messages[0].tool_calls[0]
    assert (call.id, call.function.name) == (TOOL_CALL_ID, "mcp-python/code_exec_python")
    tool = result.messages[1]
    assert (tool.tool_call_id, tool.name) == (TOOL_CALL_ID, "mcp-python/code_exec_python")
    assert tool.result == {"content": [{"type": "text", "text": "1024\n"}], "isError": False}
    assert result.final is result.messages[2]
    assert result.text == "2 to the 10th power is 1024."
    usage = result.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (1152, 62, 1214)
    assert [e.object for e in result.events] == [
        "chat.completion",
        "tool.completion",
        "chat.completion",
    ]


# -- the request ------------------------------------------------------------------------------


@both
async def test_the_request_goes_to_the_agents_endpoint_as_a_stream(api: Flavor) -> None:
    handler, seen = replies(stream_of(TRANSCRIPT))
    client = api.client(handler)

    manager = client.agents.stream(
        messages=HI, tools=TOOLS, max_tokens_per_inference_request=4096, temperature=0.5
    )
    assert seen == []  # nothing is sent before entering
    async with entered(api, manager) as run:
        await read_all(api, run)

    [request] = seen
    assert (request.method, request.url.path) == ("POST", "/v1/agents/heroku")
    assert request.headers["accept"] == "text/event-stream"
    assert json.loads(request.content) == {
        "model": "claude-4-5-sonnet",
        "messages": HI,
        "tools": TOOLS,
        "max_tokens_per_inference_request": 4096,
        "temperature": 0.5,
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"tools": [{"type": "function", "function": {"name": "f"}}]}, "'heroku_tool' or 'mcp'"),
        ({"tools": [{"type": "mcp"}]}, r"tools\[0\].name must be a tool's name"),
        ({"tools": ["code_exec_python"]}, r"tools\[0\] must be a dict"),
        ({"stream": True}, "the agents endpoint always streams"),
        ({"max_tokens": 10}, "with max_tokens_per_inference_request"),
        ({"max_token_per_inference_request": 10}, "did you mean 'max_tokens_per_inference"),
        ({"messages": "hi"}, "messages must be a list of messages"),
    ],
)
@both
async def test_bad_requests_fail_before_sending(
    api: Flavor, params: dict[str, Any], message: str
) -> None:
    handler, seen = replies()
    client = api.client(handler)
    with pytest.raises(TypeError, match=message):
        client.agents.stream(**{"messages": HI, **params})
    with pytest.raises(TypeError, match=message):
        await api.call(client.agents.create, **{"messages": HI, **params})
    assert seen == []


# -- the wire transcript ------------------------------------------------------------------------


@pytest.mark.parametrize("size", SPLITS, ids=lambda size: f"split-{size or 'whole'}")
@both
async def test_the_transcript_gives_typed_events_in_every_split(
    api: Flavor, size: int | None
) -> None:
    handler, _ = replies(stream_of(TRANSCRIPT, size))
    client = api.client(handler)
    async with entered(api, client.agents.stream(messages=HI, tools=TOOLS)) as run:
        events = await read_all(api, run)
        result = await api.call(run.get_final_result)

    assert [type(e) for e in events] == [AgentCompletion, ToolCompletion, AgentCompletion]
    tool = events[1]
    assert tool.model is None
    assert tool.choices[0].finish_reason == ""
    assert (tool.usage.prompt_tokens, tool.usage.total_tokens) == (0, 0)
    assert tool.message.content.startswith("Tool 'mcp-python/code_exec_python' returned result:")
    assert events[0].choices[0].finish_reason == "tool_calls"
    assert events[0].message.tool_calls[0].id == TOOL_CALL_ID
    assert_transcript_result(result)
    assert result._request_id == "req_stream"
    assert run.response.is_closed


@both
async def test_text_stream_gives_each_turns_text(api: Flavor) -> None:
    handler, _ = replies(stream_of(TRANSCRIPT))
    client = api.client(handler)
    async with entered(api, client.agents.stream(messages=HI)) as run:
        texts = await read_all(api, run.text_stream)
        result = await api.call(run.get_final_result)
    assert texts == ["I'll run that Python for you.", "2 to the 10th power is 1024."]
    assert_transcript_result(result)


@both
async def test_create_collects_the_run(api: Flavor) -> None:
    handler, seen = replies(stream_of(TRANSCRIPT))
    client = api.client(handler)
    result = await api.call(client.agents.create, messages=HI, tools=TOOLS)
    assert isinstance(result, AgentResult)
    assert_transcript_result(result)
    assert seen[0].headers["accept"] == "text/event-stream"


@both
async def test_a_run_goes_on_with_its_transcript(api: Flavor) -> None:
    handler, seen = replies(stream_of(TRANSCRIPT), stream_of(TRANSCRIPT))
    client = api.client(handler)
    result = await api.call(client.agents.create, messages=HI)
    follow_up = [*HI, *result.messages, {"role": "user", "content": "And 2 to the 11th?"}]
    await api.call(client.agents.create, messages=follow_up)
    sent = json.loads(seen[1].content)["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool", "assistant", "user"]
    assert sent[1]["tool_calls"][0]["id"] == TOOL_CALL_ID
    assert sent[2] == {
        "role": "tool",
        "content": result.messages[1].content,
        "tool_call_id": TOOL_CALL_ID,
        "name": "mcp-python/code_exec_python",
    }


# -- errors, tool errors and objects this SDK does not know -------------------------------------


AGENT_ERROR = {"id": "chatcmpl-run", "object": "agent.error", "message": "tool budget exhausted"}


@pytest.mark.parametrize("framing", ["heroku", "openai"])
@both
async def test_an_agent_error_raises_after_the_events_before_it(api: Flavor, framing: str) -> None:
    body = sse_events([assistant("Working on it."), AGENT_ERROR], framing=framing)
    handler, _ = replies(stream_of(body))
    client = api.client(handler)
    events: list[Any] = []
    async with entered(api, client.agents.stream(messages=HI)) as run:
        with pytest.raises(AgentError, match="The agent failed: tool budget exhausted") as caught:
            await read_into(api, run, events)
        with pytest.raises(AgentError):  # reading on raises it again
            await step(api, run)
        with pytest.raises(AgentError):
            await api.call(run.get_final_result)
        assert run.current_result.text == "Working on it."

    assert [e.object for e in events] == ["chat.completion"]
    error = caught.value
    assert isinstance(error, StreamError)
    assert error.body == AGENT_ERROR
    assert error.request_id == "req_stream"
    assert run.response.is_closed


@both
async def test_an_agent_error_in_an_error_event_is_an_agent_error_too(api: Flavor) -> None:
    body = (
        b"event:message\ndata:" + json.dumps(assistant("Hi")).encode() + b"\n\n"
        b"event:error\ndata:" + json.dumps(AGENT_ERROR).encode() + b"\n\n"
    )
    handler, _ = replies(stream_of(body))
    client = api.client(handler)
    with pytest.raises(AgentError, match="tool budget exhausted"):
        await api.call(client.agents.create, messages=HI)


@both
async def test_an_agent_error_with_its_message_under_error(api: Flavor) -> None:
    nested = {"object": "agent.error", "error": {"message": "model overloaded"}}
    handler, _ = replies(stream_of(sse_events([nested])))
    client = api.client(handler)
    with pytest.raises(AgentError, match="model overloaded"):
        await api.call(client.agents.create, messages=HI)


@both
async def test_tool_errors_and_unknown_objects_are_events_not_failures(api: Flavor) -> None:
    tool_error = {
        "id": "chatcmpl-run",
        "object": "tool.error",
        "name": "pg_psql",
        "error": "timeout",
    }
    unknown = {"id": "chatcmpl-run", "object": "agent.progress", "step": 2, "note": "thinking"}
    nameless = {"id": "chatcmpl-run", "status": "working"}
    body = sse_events([tool_error, unknown, nameless, assistant("Done.")])
    handler, _ = replies(stream_of(body))
    client = api.client(handler)
    async with entered(api, client.agents.stream(messages=HI)) as run:
        events = await read_all(api, run)
        result = await api.call(run.get_final_result)

    assert [type(e) for e in events] == [
        ToolErrorEvent,
        UnknownAgentEvent,
        UnknownAgentEvent,
        AgentCompletion,
    ]
    assert (events[0].name, events[0].error) == ("pg_psql", "timeout")
    assert events[1].object == "agent.progress"
    assert events[1].model_extra == {"id": "chatcmpl-run", "step": 2, "note": "thinking"}
    assert events[2].object is None
    assert result.text == "Done."
    assert [m.role for m in result.messages] == ["assistant"]
    assert len(result.events) == 4


@both
async def test_an_error_payload_and_a_truncated_run_are_stream_errors(api: Flavor) -> None:
    inband = sse_events([assistant("Hi"), {"error": {"message": "Failed to execute chat"}}])
    truncated = TRANSCRIPT[: TRANSCRIPT.index(b"event:done")]
    handler, _ = replies(stream_of(inband), stream_of(truncated), stream_of(b"data: {nope\n\n"))
    client = api.client(handler)
    with pytest.raises(StreamError, match="Failed to execute chat") as caught:
        await api.call(client.agents.create, messages=HI)
    assert not isinstance(caught.value, AgentError)
    with pytest.raises(StreamError, match="ended before the server finished it"):
        await api.call(client.agents.create, messages=HI)
    with pytest.raises(StreamError, match="not valid JSON"):
        await api.call(client.agents.create, messages=HI)


@both
async def test_an_error_status_before_the_run_is_typed_and_5xx_are_retried(api: Flavor) -> None:
    handler, seen = replies(
        httpx.Response(
            503,
            text="<html><title>Application Error</title></html>",
            headers={"retry-after-ms": "0"},
        ),
        stream_of(TRANSCRIPT),
        httpx.Response(400, content=fixture_bytes("errors/400_string_encoded.json")),
    )
    client = api.client(handler, max_retries=1)
    result = await api.call(client.agents.create, messages=HI)
    assert result._retries_taken == 1
    with pytest.raises(BadRequestError, match="unrecognized request argument"):
        await api.call(client.agents.create, messages=HI)
    assert len(seen) == 3


@both
async def test_a_connection_cut_mid_run_is_a_connection_error(api: Flavor) -> None:
    class Cut(FragmentedStream):
        def __iter__(self) -> Any:
            yield self.body
            raise httpx.RemoteProtocolError("peer closed connection")

        async def __aiter__(self) -> Any:
            yield self.body
            raise httpx.RemoteProtocolError("peer closed connection")

    head = TRANSCRIPT[: TRANSCRIPT.index(b"\n\n") + 2]
    handler, _ = replies(httpx.Response(200, headers=SSE_HEADERS, stream=Cut(head)))
    client = api.client(handler, max_retries=2)
    events: list[Any] = []
    async with entered(api, client.agents.stream(messages=HI)) as run:
        with pytest.raises(APIConnectionError, match="after 1 chunk"):
            await read_into(api, run, events)
    assert len(events) == 1


# -- the emulator ---------------------------------------------------------------------------------


def emulated(api: Flavor, emu: Emulator) -> Any:
    return emu.async_client() if api.is_async else emu.client()


@both
async def test_the_emulator_plays_a_scripted_run(api: Flavor) -> None:
    emu = Emulator()
    emu.agent_run(
        {
            "role": "assistant",
            "content": "I'll run that Python for you.",
            "tool_calls": [{"name": "mcp-python/code_exec_python", "arguments": {"code": "1"}}],
        },
        {"role": "tool", "name": "mcp-python/code_exec_python", "error": "dyno crashed"},
        {"role": "tool", "name": "mcp-python/code_exec_python", "content": "1024\n"},
        {"role": "assistant", "content": "It is 1024."},
    )
    client = emulated(api, emu)
    async with entered(api, client.agents.stream(messages=HI, tools=TOOLS)) as run:
        events = await read_all(api, run)
        result = await api.call(run.get_final_result)

    assert [e.object for e in events] == [
        "chat.completion",
        "tool.error",
        "tool.completion",
        "chat.completion",
    ]
    assert len({e.id for e in events}) == 1
    call = events[0].message.tool_calls[0]
    assert json.loads(call.function.arguments) == {"code": "1"}
    tool = events[2]
    assert tool.model is None
    assert tool.usage is not None
    assert tool.usage.total_tokens == 0
    assert tool.message.tool_call_id == call.id
    assert tool.message.result == {
        "content": [{"type": "text", "text": "1024\n"}],
        "isError": False,
    }
    assert result.text == "It is 1024."
    assert result.usage.total_tokens > 0
    await api.close(client)


@both
async def test_the_emulator_can_end_a_run_with_an_agent_error(api: Flavor) -> None:
    emu = Emulator()
    emu.agent_run({"role": "assistant", "content": "Let me try."}, error="out of dynos")
    client = emulated(api, emu)
    events: list[Any] = []
    async with entered(api, client.agents.stream(messages=HI)) as run:
        with pytest.raises(AgentError, match="out of dynos"):
            await read_into(api, run, events)
    assert [e.object for e in events] == ["chat.completion"]
    await api.close(client)


@both
async def test_the_emulators_default_run_calls_the_first_tool(api: Flavor) -> None:
    client = emulated(api, Emulator())
    result = await api.call(client.agents.create, messages=HI, tools=TOOLS)
    assert [m.role for m in result.messages] == ["assistant", "tool", "assistant"]
    assert result.messages[0].tool_calls[0].function.name == "dyno_run_command"
    assert result.messages[1].name == "dyno_run_command"
    assert result.text.endswith("You said: What is 2 to the 10th? Use Python.")
    plain = await api.call(client.agents.create, messages=HI)
    assert [m.role for m in plain.messages] == ["assistant"]
    await api.close(client)


@both
async def test_the_emulator_scripts_errors_and_faults_for_agents(api: Flavor) -> None:
    emu = Emulator()
    emu.error(429, endpoint="agents", retry_after=0)
    emu.agent_run({"role": "assistant", "content": "After the retry."})
    emu.fault("truncate", after=1, endpoint="agents")
    client = emulated(api, emu)
    result = await api.call(client.agents.create, messages=HI, tools=TOOLS)  # 429, retried
    assert (result._retries_taken, result.text) == (1, "After the retry.")
    with pytest.raises(StreamError, match="ended before the server finished it"):
        await api.call(client.agents.create, messages=HI, tools=TOOLS)
    await api.close(client)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"tools": [{"type": "function", "name": "f"}]}, "tools[0].type must be one of"),
        ({"temperature": 1.5}, "'temperature' must be a number between 0 and 1"),
        ({"stream": True}, "unrecognized request argument supplied: stream"),
        ({"model": "cohere-embed-v4"}, "does not support chat completions"),
        ({"messages": []}, "'messages' must be a non-empty array"),
    ],
)
def test_the_emulator_checks_agent_requests(body: dict[str, Any], message: str) -> None:
    payload = {"model": "claude-4-5-sonnet", "messages": HI, **body}
    plan = Emulator().handle(
        "POST", "/v1/agents/heroku", {"authorization": "Bearer k"}, json.dumps(payload).encode()
    )
    assert plan.status == 400
    assert message in plan.body.decode()


def test_scripted_steps_are_checked_when_scripted() -> None:
    emu = Emulator()
    with pytest.raises(TypeError, match="role 'assistant' or 'tool'"):
        emu.agent_run({"role": "user", "content": "hi"})
    with pytest.raises(TypeError, match="needs the tool's 'name'"):
        emu.agent_run({"role": "tool", "content": "1"})
    with pytest.raises(ValueError, match="endpoint must be one of"):
        emu.error(500, endpoint="agent")


def test_unscripted_endpoints_leave_other_endpoints_replies_queued() -> None:
    emu = Emulator()
    emu.reply(text="for chat")
    with emu.client() as client:
        client.agents.create(messages=HI)
        assert client.chat.completions.create(messages=HI).choices[0].message.content == "for chat"


@both
async def test_a_transcripts_tool_message_goes_to_chat_as_a_tool_message(api: Flavor) -> None:
    from heroku_inference.testing import Emulator
    from heroku_inference.types.agents import ToolResultMessage

    emulator = Emulator()
    client = emulator.async_client() if api.is_async else emulator.client()
    message = ToolResultMessage(
        content="printed 1", tool_call_id="tooluse_1", name="code_exec_python"
    )
    history = [
        {"role": "user", "content": "Run it"},
        {
            "role": "assistant",
            "content": "Running.",
            "tool_calls": [
                {
                    "id": "tooluse_1",
                    "type": "function",
                    "function": {"name": "code_exec_python", "arguments": "{}"},
                }
            ],
        },
        message,
    ]
    await api.create(client, messages=history)
    assert emulator.requests[-1].body["messages"][-1] == {
        "role": "tool",
        "content": "printed 1",
        "tool_call_id": "tooluse_1",
        "name": "code_exec_python",
    }


@both
async def test_heroku_tool_turn_rules_apply_to_agents_requests(api: Flavor) -> None:
    from heroku_inference.testing import Emulator

    emulator = Emulator()  # refuses what Heroku refuses, on the agents endpoint too
    client = emulator.async_client() if api.is_async else emulator.client()
    history = [
        {"role": "user", "content": "Run it"},
        {
            "role": "assistant",
            "content": "",  # as a model's tool-calling turn often comes
            "tool_calls": [
                {
                    "id": "tooluse_1",
                    "type": "function",
                    "function": {"name": "code_exec_python", "arguments": {"code": "print(1)"}},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "tooluse_1", "content": [1, 2]},
        {"role": "user", "content": "And again?"},
    ]
    await api.call(client.agents.create, messages=history)
    sent = emulator.requests[-1].body["messages"]
    assert sent[1]["content"] == "."
    assert json.loads(sent[1]["tool_calls"][0]["function"]["arguments"]) == {"code": "print(1)"}
    assert json.loads(sent[2]["content"]) == {"result": [1, 2]}


def test_the_emulator_refuses_an_agents_tool_turn_without_content() -> None:
    import httpx as _httpx

    from heroku_inference.testing import Emulator

    emulator = Emulator()
    with _httpx.Client(transport=emulator.transport(), base_url="https://e") as http:
        response = http.post(
            "/v1/agents/heroku",
            headers={"authorization": "Bearer k"},
            json={
                "model": emulator.model,
                "messages": [
                    {"role": "user", "content": "Run it"},
                    {
                        "role": "assistant",
                        "content": "",
                        "tool_calls": [
                            {
                                "id": "t",
                                "type": "function",
                                "function": {"name": "f", "arguments": "{}"},
                            }
                        ],
                    },
                    {"role": "tool", "tool_call_id": "t", "content": "ok"},
                ],
            },
        )
    assert response.status_code == 400
    assert "content is required" in response.text
