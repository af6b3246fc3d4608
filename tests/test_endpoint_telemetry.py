"""The new endpoints report to OpenTelemetry like chat: one CLIENT span per call, named by
operation and model (``embeddings``, ``generate_content``, ``rerank``, ``invoke_agent``)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from .flavors import Flavor, both
from .helpers import fixture_bytes, json_response, replies, sse_response
from .test_telemetry import Telemetry, assert_no_key

EMBEDDINGS = json.loads(fixture_bytes("embeddings.json"))


@pytest.fixture
def otel(monkeypatch: pytest.MonkeyPatch) -> Iterator[Telemetry]:
    """Providers of this test's own, as in ``test_telemetry``."""
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: tracer_provider)
    monkeypatch.setattr(metrics, "get_meter_provider", lambda: meter_provider)
    yield Telemetry(exporter, reader, tracer_provider)
    meter_provider.shutdown()
    tracer_provider.shutdown()


@both
async def test_embeddings_are_an_embeddings_span_with_usage(api: Flavor, otel: Telemetry) -> None:
    handler, _ = replies(json_response(200, EMBEDDINGS))
    client = api.client(handler)
    await api.call(client.embeddings.create, input=["a"], model="cohere-embed-multilingual")
    span = otel.only_span()
    assert span.name == "embeddings cohere-embed-multilingual"
    assert span.kind is trace.SpanKind.CLIENT
    attributes = dict(span.attributes or {})
    assert attributes["gen_ai.operation.name"] == "embeddings"
    assert attributes["gen_ai.usage.input_tokens"] == 8
    assert_no_key(otel)


@both
async def test_an_agent_run_is_an_invoke_agent_span_that_ends_with_the_run(
    api: Flavor, otel: Telemetry
) -> None:
    handler, _ = replies(sse_response(fixture_bytes("agents_mcp.heroku.sse")))
    client = api.client(handler)
    await api.call(client.agents.create, messages=[{"role": "user", "content": "Hi"}])
    span = otel.only_span()
    assert span.name == "invoke_agent claude-4-5-sonnet"
    attributes = dict(span.attributes or {})
    assert attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert "heroku_inference.stream.closed_early" not in attributes
    assert_no_key(otel)


@pytest.mark.parametrize(
    ("method", "params", "name"),
    [
        (
            "images.generate",
            {"prompt": "a lighthouse", "model": "stable-image-ultra"},
            "generate_content stable-image-ultra",
        ),
        (
            "rerank.create",
            {"query": "q", "documents": ["d"], "model": "cohere-rerank-3-5"},
            "rerank cohere-rerank-3-5",
        ),
    ],
)
@both
async def test_images_and_rerank_have_spans_too(
    api: Flavor, otel: Telemetry, method: str, params: dict[str, object], name: str
) -> None:
    body = fixture_bytes("images.json" if method.startswith("images") else "rerank.json")
    handler, _ = replies(json_response(200, json.loads(body)))
    client = api.client(handler)
    resource, call = method.split(".")
    await api.call(getattr(getattr(client, resource), call), **params)
    assert otel.only_span().name == name
