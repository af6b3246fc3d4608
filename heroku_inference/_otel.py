"""The OpenTelemetry backend of ``_telemetry``: GenAI semantic-convention spans and metrics.

Imported only once the application has imported OpenTelemetry (``heroku-inference[otel]``
needs just ``opentelemetry-api``). Conventions: https://opentelemetry.io/docs/specs/semconv/gen-ai/

- one CLIENT span per logical call, retries included, named ``{operation} {model}``, with a
  ``retry`` event per retry (its delay and reason);
- a streamed call's span ends when the stream does, with the time to its first chunk;
- the metrics ``gen_ai.client.operation.duration``, ``gen_ai.client.token.usage`` and
  ``gen_ai.client.operation.time_to_first_chunk``;
- message content only when ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` is set;
  never a header, so never the key.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx
from opentelemetry import metrics, trace

from . import _version
from ._telemetry import PROVIDER, CallInfo

__all__ = ["configured", "observe", "span", "start_span"]

SCOPE = "heroku_inference"
CAPTURE_CONTENT = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
_ON = ("true", "1", "yes", "span_only", "span_and_event")
_DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48,
                     40.96, 81.92]  # fmt: skip
_TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304,
                  16777216, 67108864]  # fmt: skip
_NO_PROVIDER = ("ProxyTracerProvider", "NoOpTracerProvider", "_DefaultTracerProvider")
_NO_METER_PROVIDER = ("_ProxyMeterProvider", "NoOpMeterProvider", "_DefaultMeterProvider")


def configured() -> bool:
    """Whether the application set a tracer or a meter provider."""
    tracing = type(trace.get_tracer_provider()).__name__ not in _NO_PROVIDER
    return tracing or type(metrics.get_meter_provider()).__name__ not in _NO_METER_PROVIDER


def _capture_content() -> bool:
    return os.environ.get(CAPTURE_CONTENT, "").strip().lower() in _ON


class _Instruments:
    """The metric instruments of one meter provider."""

    def __init__(self, provider: metrics.MeterProvider) -> None:
        meter = provider.get_meter(SCOPE, _version.__version__)
        self.provider = provider
        self.duration = meter.create_histogram(
            "gen_ai.client.operation.duration",
            unit="s",
            description="GenAI operation duration",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self.tokens = meter.create_histogram(
            "gen_ai.client.token.usage",
            unit="{token}",
            description="Number of input and output tokens used",
            explicit_bucket_boundaries_advisory=_TOKEN_BUCKETS,
        )
        self.first_chunk = meter.create_histogram(
            "gen_ai.client.operation.time_to_first_chunk",
            unit="s",
            description="Time to receive the first chunk of a streamed response",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )


_instruments: _Instruments | None = None


def _instruments_now() -> _Instruments:
    global _instruments
    provider = metrics.get_meter_provider()
    if _instruments is None or _instruments.provider is not provider:
        _instruments = _Instruments(provider)
    return _instruments


def _tracer() -> trace.Tracer:
    return trace.get_tracer_provider().get_tracer(SCOPE, _version.__version__)


class _CallObservation:
    """A call's span and metrics; ``end()`` (or ``response()``) finishes both, once."""

    def __init__(self, info: CallInfo, server: httpx.URL) -> None:
        self._start = time.monotonic()
        self._first_item: float | None = None
        self._ended = False
        self._base: dict[str, Any] = {
            "gen_ai.operation.name": info.operation,
            "gen_ai.provider.name": PROVIDER,
            "server.address": server.host,
        }
        if server.port is not None:
            self._base["server.port"] = server.port
        if info.model:
            self._base["gen_ai.request.model"] = info.model
        self._response_model: str | None = None
        self._finish_reasons: dict[int, str] = {}
        self._usage: tuple[int | None, int | None] = (None, None)
        self._output: list[str] = []
        self._capture = _capture_content()
        self._sum_usage = info.operation == "invoke_agent"  # one usage per turn of the run
        name = f"{info.operation} {info.model}" if info.model else info.operation
        attributes: dict[str, Any] = {**self._base, **_clean(info.attributes)}
        if self._capture and info.content is not None:
            attributes["gen_ai.input.messages"] = _json(info.content)
        self._span = _tracer().start_span(name, kind=trace.SpanKind.CLIENT, attributes=attributes)

    def retry(self, attempt: int, delay: float, reason: str) -> None:
        self._span.add_event(
            "retry", {"retry.attempt": attempt, "retry.delay": delay, "retry.reason": reason}
        )

    def item(self, item: Any) -> None:
        if self._first_item is None:
            self._first_item = time.monotonic() - self._start
            self._span.add_event("gen_ai.first_chunk")
        self._take(
            getattr(item, "id", None),
            getattr(item, "model", None),
            getattr(item, "choices", None),
            getattr(item, "usage", None),
        )

    def response(self, response: httpx.Response) -> None:
        try:
            body = json.loads(response.content)
        except (ValueError, RecursionError):
            body = None
        if isinstance(body, dict):
            choices = [_Dict(c) for c in body.get("choices") or [] if isinstance(c, dict)]
            usage = body.get("usage")
            self._take(
                body.get("id"),
                body.get("model"),
                choices,
                _Dict(usage) if isinstance(usage, dict) else None,
            )
        self.end()

    def _take(self, id_: Any, model: Any, choices: Any, usage: Any) -> None:
        span = self._span
        if isinstance(id_, str) and id_:
            span.set_attribute("gen_ai.response.id", id_)
        if isinstance(model, str) and model:
            self._response_model = model
        for choice in choices or ():
            reason = getattr(choice, "finish_reason", None)
            if isinstance(reason, str) and reason:
                self._finish_reasons[getattr(choice, "index", 0) or 0] = reason
            if self._capture:
                self._collect_output(choice)
        if usage is not None:
            tokens = (
                getattr(usage, "prompt_tokens", None),
                getattr(usage, "completion_tokens", None),
            )
            if any(isinstance(count, int) for count in tokens):
                self._usage = _added(self._usage, tokens) if self._sum_usage else tokens

    def _collect_output(self, choice: Any) -> None:
        delta = getattr(choice, "delta", None) or getattr(choice, "message", None)
        text = getattr(delta, "content", None)
        if isinstance(text, str):
            self._output.append(text)

    def end(self, error: BaseException | None = None) -> None:
        if self._ended:
            return
        self._ended = True
        span = self._span
        attributes = dict(self._base)
        if self._response_model:
            attributes["gen_ai.response.model"] = self._response_model
            span.set_attribute("gen_ai.response.model", self._response_model)
        if self._finish_reasons:
            reasons = [self._finish_reasons[i] for i in sorted(self._finish_reasons)]
            span.set_attribute("gen_ai.response.finish_reasons", reasons)
        input_tokens, output_tokens = self._usage
        if isinstance(input_tokens, int):
            span.set_attribute("gen_ai.usage.input_tokens", input_tokens)
        if isinstance(output_tokens, int):
            span.set_attribute("gen_ai.usage.output_tokens", output_tokens)
        if self._capture and self._output:
            output = [
                {"role": "assistant", "parts": [{"type": "text", "content": "".join(self._output)}]}
            ]
            span.set_attribute("gen_ai.output.messages", _json(output))
        if self._first_item is not None:
            span.set_attribute("gen_ai.response.time_to_first_chunk", self._first_item)
        if isinstance(error, GeneratorExit):
            # Closed by the caller before the end (a stop button, a break): not a failure.
            span.set_attribute("heroku_inference.stream.closed_early", True)
        elif error is not None:
            kind = _error_type(error)
            attributes["error.type"] = kind
            span.set_attribute("error.type", kind)
            span.set_status(trace.Status(trace.StatusCode.ERROR, _error_text(error)))
        instruments = _instruments_now()
        instruments.duration.record(time.monotonic() - self._start, attributes)
        if self._first_item is not None:
            instruments.first_chunk.record(self._first_item, attributes)
        for kind, count in (("input", input_tokens), ("output", output_tokens)):
            if isinstance(count, int):
                instruments.tokens.record(count, {**attributes, "gen_ai.token.type": kind})
        span.end()


def observe(info: CallInfo, server: httpx.URL) -> _CallObservation:
    return _CallObservation(info, server)


class _SpanHandle:
    def __init__(self, span: trace.Span) -> None:
        self._span = span

    def set(self, key: str, value: Any) -> None:
        self._span.set_attribute(key, value)

    def fail(self, error: BaseException) -> None:
        self._span.set_attribute("error.type", _error_type(error))
        self._span.set_status(trace.Status(trace.StatusCode.ERROR, _error_text(error)))


@contextmanager
def span(name: str, operation: str, attributes: Mapping[str, Any]) -> Iterator[_SpanHandle]:
    base = {"gen_ai.operation.name": operation, "gen_ai.provider.name": PROVIDER}
    with _tracer().start_as_current_span(
        name,
        kind=trace.SpanKind.INTERNAL,
        attributes={**base, **_clean(attributes)},
        record_exception=False,
        set_status_on_exception=False,
    ) as current:
        handle = _SpanHandle(current)
        try:
            yield handle
        except BaseException as error:
            handle.fail(error)
            raise


class _RunSpan:
    """A span ended by ``end()``, made current only inside ``current()`` blocks."""

    def __init__(self, name: str, operation: str, attributes: Mapping[str, Any]) -> None:
        base = {"gen_ai.operation.name": operation, "gen_ai.provider.name": PROVIDER}
        self._span = _tracer().start_span(
            name, kind=trace.SpanKind.INTERNAL, attributes={**base, **_clean(attributes)}
        )
        self._ended = False

    def current(self) -> Any:
        return trace.use_span(
            self._span, end_on_exit=False, record_exception=False, set_status_on_exception=False
        )

    def set(self, key: str, value: Any) -> None:
        self._span.set_attribute(key, value)

    def end(self, error: BaseException | None = None) -> None:
        if self._ended:
            return
        self._ended = True
        if isinstance(error, GeneratorExit):
            self._span.set_attribute("heroku_inference.closed_early", True)
        elif error is not None:
            self._span.set_attribute("error.type", _error_type(error))
            self._span.set_status(trace.Status(trace.StatusCode.ERROR, _error_text(error)))
        self._span.end()


def start_span(name: str, operation: str, attributes: Mapping[str, Any]) -> _RunSpan:
    return _RunSpan(name, operation, attributes)


class _Dict:
    """Attribute access to a dict, so whole responses read like streamed items."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __getattr__(self, name: str) -> Any:
        value = self._values.get(name)
        return _Dict(value) if isinstance(value, dict) else value


def _added(
    total: tuple[int | None, int | None], more: tuple[int | None, int | None]
) -> tuple[int | None, int | None]:
    def add(a: int | None, b: int | None) -> int | None:
        if not isinstance(b, int):
            return a
        return b if not isinstance(a, int) else a + b

    return add(total[0], more[0]), add(total[1], more[1])


def _clean(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """Attributes OpenTelemetry accepts: scalars and homogeneous lists, no ``None``."""
    clean: dict[str, Any] = {}
    for key, value in attributes.items():
        if isinstance(value, str | bool | int | float):
            clean[key] = value
        elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            clean[key] = list(value)
    return clean


def _error_type(error: BaseException) -> str:
    status = getattr(error, "status_code", None)
    if isinstance(status, int):
        return str(status)
    if type(error).__name__ in ("CancelledError", "Cancelled"):  # asyncio, trio
        return "cancelled"
    return type(error).__qualname__


def _error_text(error: BaseException) -> str:
    return str(error)[:300] or type(error).__name__


def _json(value: object) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)
