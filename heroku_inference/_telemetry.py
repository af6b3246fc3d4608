"""OpenTelemetry, when the application has set it up; nothing at all otherwise.

A call describes itself with a ``CallInfo`` (operation, model, request attributes, and the
messages should content capture be on). ``observe()`` turns it into an ``Observation`` that
the request flow and the streams report to: retries, the first streamed item, the response,
the end. With no OpenTelemetry imported by the application, or no tracer or meter provider
set, ``observe()`` returns ``None`` without importing anything, and the hot paths only test
for ``None``.

``span()`` gives the tool runner and the agents stream spans of their own.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import httpx

__all__ = ["CallInfo", "Observation", "RunSpan", "SpanHandle", "observe", "span", "start_span"]

PROVIDER = "heroku"


@dataclass(frozen=True, slots=True)
class CallInfo:
    """What telemetry may know of a call before it is sent.

    ``attributes`` are ``gen_ai.request.*`` values; ``content`` is the request's messages (or
    input), recorded only when the application opts in to content capture.
    """

    operation: str
    model: str | None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    content: object = None


class Observation(Protocol):
    """One logical call, retries included, as the telemetry backend records it."""

    def retry(self, attempt: int, delay: float, reason: str) -> None: ...

    def item(self, item: Any) -> None:
        """A streamed item arrived (the first one marks the time to first chunk)."""

    def response(self, response: httpx.Response) -> None:
        """A whole (not streamed) successful response: the call is over."""

    def end(self, error: BaseException | None = None) -> None:
        """The call is over: completed (a stream that reached its end), or failed."""


class SpanHandle(Protocol):
    """A span of the runner or the agents stream, for attributes and the end."""

    def set(self, key: str, value: Any) -> None: ...

    def fail(self, error: BaseException) -> None: ...


class RunSpan(Protocol):
    """A span that outlives any one block (the tool runner's): made current step by step."""

    def current(self) -> AbstractContextManager[object]:
        """Make the span current for a block (calls and tool spans inside are its children)."""
        ...

    def set(self, key: str, value: Any) -> None: ...

    def end(self, error: BaseException | None = None) -> None:
        """End it, once: completed, failed, or (``GeneratorExit``) left early."""


def _backend() -> Any:
    """The OpenTelemetry backend, or ``None`` when the application set no provider.

    Nothing is imported unless the application imported OpenTelemetry itself.
    """
    if "opentelemetry.trace" not in sys.modules and "opentelemetry.metrics" not in sys.modules:
        return None
    from . import _otel

    return _otel if _otel.configured() else None


def observe(info: CallInfo | None, server: httpx.URL) -> Observation | None:
    """An observation of one call, or ``None`` when telemetry is off."""
    if info is None:
        return None
    backend = _backend()
    return None if backend is None else backend.observe(info, server)


@contextmanager
def span(name: str, operation: str, attributes: Mapping[str, Any]) -> Iterator[SpanHandle | None]:
    """An internal span around a block (made current, so calls inside are its children), or
    ``None`` when telemetry is off."""
    backend = _backend()
    if backend is None:
        yield None
        return
    with backend.span(name, operation, attributes) as handle:
        yield handle


def start_span(name: str, operation: str, attributes: Mapping[str, Any]) -> RunSpan | None:
    """An internal span that is not made current until asked (``RunSpan.current()``), or
    ``None`` when telemetry is off."""
    backend = _backend()
    return None if backend is None else backend.start_span(name, operation, attributes)
