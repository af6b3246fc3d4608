"""OpenTelemetry GenAI spans and metrics, checked with the SDK's in-memory exporters.

Each test gets its own tracer and meter providers (the global getters are patched for the
test), so nothing leaks between tests and the rest of the suite runs with telemetry off.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from heroku_inference import APIConnectionError, BadRequestError, StreamError

from .flavors import Flavor, both
from .helpers import API_KEY, MODEL, chunk, json_response, replies, sse_events, sse_response
from .test_chat_create import COMPLETION
from .test_streaming import read_all

MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]


@dataclass
class Telemetry:
    spans: InMemorySpanExporter
    reader: InMemoryMetricReader
    tracer_provider: TracerProvider

    def finished(self) -> list[ReadableSpan]:
        return list(self.spans.get_finished_spans())

    def only_span(self) -> ReadableSpan:
        spans = self.finished()
        assert len(spans) == 1, [s.name for s in spans]
        return spans[0]

    def metrics(self) -> dict[str, list[Any]]:
        data = self.reader.get_metrics_data()
        found: dict[str, list[Any]] = {}
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    found.setdefault(metric.name, []).extend(metric.data.data_points)
        return found


@pytest.fixture
def otel(monkeypatch: pytest.MonkeyPatch) -> Iterator[Telemetry]:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: tracer_provider)
    monkeypatch.setattr(metrics, "get_meter_provider", lambda: meter_provider)
    monkeypatch.delenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", raising=False)
    yield Telemetry(exporter, reader, tracer_provider)
    meter_provider.shutdown()
    tracer_provider.shutdown()


def assert_no_key(otel: Telemetry) -> None:
    for span in otel.finished():
        dumped = json.dumps(
            {
                "attributes": dict(span.attributes or {}),
                "events": [dict(e.attributes or {}) for e in span.events],
            },
            default=str,
        )
        assert API_KEY not in dumped
        assert "Bearer" not in dumped


@both
async def test_a_completion_is_one_client_span_with_the_genai_attributes(
    api: Flavor, otel: Telemetry
) -> None:
    handler, _ = replies(json_response(200, COMPLETION))
    client = api.client(handler)
    await api.create(client, max_tokens=100, temperature=0.5, top_p=0.9, stop=["END"])

    span = otel.only_span()
    assert span.name == f"chat {MODEL}"
    assert span.kind is trace.SpanKind.CLIENT
    attributes = dict(span.attributes or {})
    assert attributes["gen_ai.operation.name"] == "chat"
    assert attributes["gen_ai.provider.name"] == "heroku"
    assert attributes["gen_ai.request.model"] == MODEL
    assert attributes["gen_ai.request.max_tokens"] == 100
    assert attributes["gen_ai.request.temperature"] == 0.5
    assert attributes["gen_ai.request.top_p"] == 0.9
    assert attributes["gen_ai.request.stop_sequences"] == ("END",)
    assert attributes["gen_ai.response.id"] == COMPLETION["id"]
    assert attributes["gen_ai.response.model"] == COMPLETION["model"]
    assert attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert attributes["gen_ai.usage.input_tokens"] == COMPLETION["usage"]["prompt_tokens"]
    assert attributes["gen_ai.usage.output_tokens"] == COMPLETION["usage"]["completion_tokens"]
    assert attributes["server.address"] == "inference.test"
    assert "error.type" not in attributes
    assert "gen_ai.input.messages" not in attributes  # content only on opt-in
    assert span.status.status_code is not trace.StatusCode.ERROR
    assert_no_key(otel)

    found = otel.metrics()
    (duration,) = found["gen_ai.client.operation.duration"]
    assert duration.count == 1
    assert duration.attributes["gen_ai.request.model"] == MODEL
    tokens = {p.attributes["gen_ai.token.type"]: p.sum for p in found["gen_ai.client.token.usage"]}
    assert tokens == {
        "input": COMPLETION["usage"]["prompt_tokens"],
        "output": COMPLETION["usage"]["completion_tokens"],
    }


@both
async def test_a_retried_completion_is_one_span_with_a_retry_event(
    api: Flavor, otel: Telemetry
) -> None:
    handler, seen = replies(
        httpx.Response(429, headers={"retry-after-ms": "1"}), json_response(200, COMPLETION)
    )
    client = api.client(handler)
    await api.create(client)

    assert len(seen) == 2
    span = otel.only_span()
    (retry,) = [event for event in span.events if event.name == "retry"]
    assert dict(retry.attributes or {}) == {
        "retry.attempt": 1,
        "retry.delay": 0.001,
        "retry.reason": "429",
    }
    assert span.status.status_code is not trace.StatusCode.ERROR


@both
async def test_a_failed_call_sets_error_type_and_status(api: Flavor, otel: Telemetry) -> None:
    body = {"error": {"message": f"bad key {API_KEY}", "type": "invalid_request_error"}}
    handler, _ = replies(json_response(400, body))
    client = api.client(handler)
    with pytest.raises(BadRequestError):
        await api.create(client)

    span = otel.only_span()
    assert dict(span.attributes or {})["error.type"] == "400"
    assert span.status.status_code is trace.StatusCode.ERROR
    assert API_KEY not in (span.status.description or "")
    assert_no_key(otel)
    (duration,) = otel.metrics()["gen_ai.client.operation.duration"]
    assert duration.attributes["error.type"] == "400"


@both
async def test_a_connection_failure_names_its_type(api: Flavor, otel: Telemetry) -> None:
    handler, _ = replies(httpx.ConnectError("refused"))
    client = api.client(handler, max_retries=0)
    with pytest.raises(APIConnectionError):
        await api.create(client)
    assert dict(otel.only_span().attributes or {})["error.type"] == "APIConnectionError"


def stream_body() -> bytes:
    return sse_events(
        [
            chunk("Hel", role="assistant"),
            chunk("lo"),
            chunk(finish_reason="stop", usage={"prompt_tokens": 3, "completion_tokens": 2}),
        ]
    )


@both
async def test_a_stream_read_to_its_end_ends_its_span_then(api: Flavor, otel: Telemetry) -> None:
    handler, _ = replies(sse_response(stream_body()))
    client = api.client(handler)
    stream = await api.create(client, stream=True)
    assert otel.finished() == []  # still open while the stream is
    chunks = await read_all(api, stream)

    assert len(chunks) == 3
    span = otel.only_span()
    attributes = dict(span.attributes or {})
    assert attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert attributes["gen_ai.usage.output_tokens"] == 2
    assert attributes["gen_ai.response.time_to_first_chunk"] >= 0
    assert "error.type" not in attributes
    assert [e.name for e in span.events] == ["gen_ai.first_chunk"]
    assert len(otel.metrics()["gen_ai.client.operation.time_to_first_chunk"]) == 1


@both
async def test_the_stream_helper_ends_its_span_at_the_end(api: Flavor, otel: Telemetry) -> None:
    handler, _ = replies(sse_response(stream_body()))
    client = api.client(handler)
    if api.is_async:
        async with client.chat.completions.stream(messages=MESSAGES) as stream:
            await stream.get_final_completion()
    else:
        with client.chat.completions.stream(messages=MESSAGES) as stream:
            stream.get_final_completion()
    assert dict(otel.only_span().attributes or {})["gen_ai.usage.input_tokens"] == 3


@both
async def test_a_stream_broken_off_early_ends_its_span_as_closed_early(
    api: Flavor, otel: Telemetry
) -> None:
    handler, _ = replies(sse_response(stream_body()))
    client = api.client(handler)
    if api.is_async:
        async with await client.chat.completions.create(messages=MESSAGES, stream=True) as raw:
            async for _ in raw:
                break
    else:
        with client.chat.completions.create(messages=MESSAGES, stream=True) as raw:
            for _ in raw:
                break

    span = otel.only_span()
    attributes = dict(span.attributes or {})
    assert attributes["heroku_inference.stream.closed_early"] is True
    assert "error.type" not in attributes


@both
async def test_a_stream_closed_before_it_was_read_ends_its_span(
    api: Flavor, otel: Telemetry
) -> None:
    handler, _ = replies(sse_response(stream_body()))
    client = api.client(handler)
    raw = await api.create(client, stream=True)
    if api.is_async:
        await raw.aclose()
    else:
        raw.close()
    assert dict(otel.only_span().attributes or {})["heroku_inference.stream.closed_early"]


@both
async def test_a_stream_that_fails_midway_records_the_error(api: Flavor, otel: Telemetry) -> None:
    body = sse_events([chunk("Hi"), {"error": {"message": "overloaded", "code": 529}}])
    handler, _ = replies(sse_response(body))
    client = api.client(handler)
    stream = await api.create(client, stream=True)
    with pytest.raises(StreamError):
        await read_all(api, stream)
    span = otel.only_span()
    assert dict(span.attributes or {})["error.type"] == "StreamError"
    assert span.status.status_code is trace.StatusCode.ERROR


@pytest.mark.anyio
async def test_a_cancelled_stream_ends_its_span_as_cancelled(otel: Telemetry) -> None:
    import anyio

    from heroku_inference.testing import Emulator

    emulator = Emulator()
    emulator.fault("slow", delay=5)
    client = emulator.async_client()
    with anyio.move_on_after(0.2):
        async with await client.chat.completions.create(messages=MESSAGES, stream=True) as raw:
            async for _ in raw:
                pass
    span = otel.only_span()
    assert dict(span.attributes or {})["error.type"] == "cancelled"


@both
async def test_content_is_recorded_only_on_opt_in(
    api: Flavor, otel: Telemetry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    handler, _ = replies(json_response(200, COMPLETION))
    client = api.client(handler)
    await api.create(client)
    attributes = dict(otel.only_span().attributes or {})
    assert json.loads(str(attributes["gen_ai.input.messages"])) == MESSAGES
    output = json.loads(str(attributes["gen_ai.output.messages"]))
    assert output[0]["parts"][0]["content"] == COMPLETION["choices"][0]["message"]["content"]
    assert_no_key(otel)


@both
async def test_a_call_inside_an_application_span_is_its_child(api: Flavor, otel: Telemetry) -> None:
    handler, _ = replies(json_response(200, COMPLETION))
    client = api.client(handler)
    tracer = otel.tracer_provider.get_tracer("app")
    with tracer.start_as_current_span("handle request") as parent:
        await api.create(client)
    chat = next(s for s in otel.finished() if s.name.startswith("chat "))
    assert chat.parent is not None
    assert chat.parent.span_id == parent.get_span_context().span_id


def test_without_a_provider_nothing_is_recorded_and_nothing_imported() -> None:
    script = """
import sys, json, httpx
from heroku_inference import Client
body = open(sys.argv[1], "rb").read()
client = Client(api_key="k", base_url="https://inference.test", model="m",
                transport=httpx.MockTransport(lambda r: httpx.Response(200, content=body)))
client.chat.completions.create(messages=[{"role": "user", "content": "hi"}])
before = "opentelemetry" in sys.modules
import opentelemetry.trace  # imported by the application, but no provider set
from heroku_inference import _telemetry
from heroku_inference._telemetry import CallInfo
observation = _telemetry.observe(CallInfo("chat", "m"), httpx.URL("https://inference.test"))
print(json.dumps({"imported": before, "observation": observation is None}))
"""
    from .helpers import FIXTURES

    done = subprocess.run(
        [sys.executable, "-c", script, str(FIXTURES / "chat_completion.json")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(done.stdout) == {"imported": False, "observation": True}


def test_a_globally_configured_provider_gets_the_spans() -> None:
    script = """
import sys, httpx
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)
from heroku_inference import Client
body = open(sys.argv[1], "rb").read()
client = Client(api_key="k", base_url="https://inference.test", model="m",
                transport=httpx.MockTransport(lambda r: httpx.Response(200, content=body)))
client.chat.completions.create(messages=[{"role": "user", "content": "hi"}])
print([span.name for span in exporter.get_finished_spans()])
"""
    from .helpers import FIXTURES

    done = subprocess.run(
        [sys.executable, "-c", script, str(FIXTURES / "chat_completion.json")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.strip() == "['chat m']"


def weather_and_broken_tools() -> list[Any]:
    from heroku_inference import tool

    @tool
    def get_weather(city: str) -> str:
        """The weather.

        Args:
            city: The city.
        """
        return "sunny"

    @tool
    def broken() -> str:
        """Always fails."""
        raise RuntimeError("the tool broke")

    return [get_weather, broken]


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
@both
async def test_a_tool_run_has_a_span_with_its_calls_and_tools_as_children(
    api: Flavor, otel: Telemetry, streamed: bool
) -> None:
    from heroku_inference.testing import Emulator

    emulator = Emulator()
    emulator.reply(
        tool_calls=[
            {"id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}},
            {"id": "call_2", "name": "broken", "arguments": {}},
        ]
    )
    emulator.reply(text="Sunny.")
    client = emulator.async_client() if api.is_async else emulator.client()
    run = client.chat.completions.run_tools(
        messages=MESSAGES, tools=weather_and_broken_tools(), stream=streamed
    )
    if api.is_async:
        await run.until_done()
    else:
        run.until_done()

    spans = otel.finished()
    (runner,) = [s for s in spans if s.name == "invoke_agent tool_runner"]
    chats = [s for s in spans if s.name.startswith("chat ")]
    tools = {s.name: s for s in spans if s.name.startswith("execute_tool ")}
    assert runner.kind is trace.SpanKind.INTERNAL
    assert dict(runner.attributes or {})["heroku_inference.rounds"] == 2
    assert len(chats) == 2
    assert set(tools) == {"execute_tool get_weather", "execute_tool broken"}
    runner_id = runner.get_span_context().span_id
    for child in [*chats, *tools.values()]:
        assert child.parent is not None
        assert child.parent.span_id == runner_id
    weather = dict(tools["execute_tool get_weather"].attributes or {})
    assert weather["gen_ai.tool.call.id"] == "call_1"
    assert weather["gen_ai.operation.name"] == "execute_tool"
    assert "error.type" not in weather
    failed = tools["execute_tool broken"]
    assert dict(failed.attributes or {})["error.type"] == "RuntimeError"
    assert failed.status.status_code is trace.StatusCode.ERROR
    assert_no_key(otel)


@both
async def test_a_tool_run_left_early_ends_its_span(api: Flavor, otel: Telemetry) -> None:
    from heroku_inference.testing import Emulator

    emulator = Emulator()
    emulator.reply(tool_calls=[{"id": "call_1", "name": "get_weather", "arguments": {"city": "P"}}])
    client = emulator.async_client() if api.is_async else emulator.client()
    run = client.chat.completions.run_tools(messages=MESSAGES, tools=weather_and_broken_tools())
    if api.is_async:
        async with run:
            async for _ in run:
                break
    else:
        with run:
            for _ in run:
                break
    (runner,) = [s for s in otel.finished() if s.name == "invoke_agent tool_runner"]
    assert dict(runner.attributes or {})["heroku_inference.closed_early"] is True


@both
async def test_an_agents_run_is_one_invoke_agent_span_with_its_usage_summed(
    api: Flavor, otel: Telemetry
) -> None:
    from heroku_inference.testing import Emulator

    emulator = Emulator()
    emulator.agent_run(
        {
            "role": "assistant",
            "content": "Running it.",
            "tool_calls": [{"name": "code_exec_python", "arguments": {"code": "print(1)"}}],
        },
        {"role": "tool", "name": "code_exec_python", "content": "1"},
        {"role": "assistant", "content": "It printed 1."},
    )
    client = emulator.async_client() if api.is_async else emulator.client()
    params = {
        "messages": [{"role": "user", "content": "Run print(1)"}],
        "tools": [{"type": "heroku_tool", "name": "code_exec_python"}],
    }
    result = (
        await client.agents.create(**params) if api.is_async else client.agents.create(**params)
    )

    span = otel.only_span()
    assert span.name.startswith("invoke_agent ")
    assert span.kind is trace.SpanKind.CLIENT
    attributes = dict(span.attributes or {})
    assert attributes["gen_ai.operation.name"] == "invoke_agent"
    assert attributes["gen_ai.usage.output_tokens"] == result.usage.completion_tokens
    assert attributes["gen_ai.usage.input_tokens"] == result.usage.prompt_tokens


@both
async def test_a_failed_agents_run_records_the_agent_error(api: Flavor, otel: Telemetry) -> None:
    from heroku_inference import AgentError
    from heroku_inference.testing import Emulator

    emulator = Emulator()
    emulator.agent_run({"role": "assistant", "content": "Trying."}, error="out of time")
    client = emulator.async_client() if api.is_async else emulator.client()
    params = {"messages": [{"role": "user", "content": "Go"}], "tools": []}
    create = client.agents.create
    with pytest.raises(AgentError):
        await create(**params) if api.is_async else create(**params)
    assert dict(otel.only_span().attributes or {})["error.type"] == "AgentError"
