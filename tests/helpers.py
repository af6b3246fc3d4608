"""Test helpers: mock transports that deliver bodies in fragments, and canned clients."""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx

from heroku_inference import AsyncClient, Client

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BASE_URL = "https://inference.test"
API_KEY = "inf-test-secret-key-0123456789"
MODEL = "claude-4-5-sonnet"
SPLITS = (1, 7, None)
"""Fragment sizes used to replay bodies: one byte, seven bytes, and whole."""
TLS = ssl.create_default_context()
"""One TLS context for the httpx clients of tests that make many: loading the CA bundle
for each new client costs more than a whole loopback call (``verify=TLS``)."""


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class FragmentedStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body delivered ``size`` bytes at a time (whole when ``size`` is None)."""

    def __init__(self, body: bytes, size: int | None = None) -> None:
        self.body = body
        self.size = size
        self.closed = False

    def _parts(self) -> Iterator[bytes]:
        if self.size is None:
            yield self.body
            return
        for start in range(0, len(self.body), self.size):
            yield self.body[start : start + self.size]

    def __iter__(self) -> Iterator[bytes]:
        yield from self._parts()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self._parts():
            yield part

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


def sse_response(body: bytes, size: int | None = None, status: int = 200) -> httpx.Response:
    return httpx.Response(
        status,
        headers={"content-type": "text/event-stream", "x-request-id": "req_stream"},
        stream=FragmentedStream(body, size),
    )


Handler = Callable[[httpx.Request], httpx.Response]


def replies(*responses: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    """A handler that answers with ``responses`` in order and records each request."""
    queue = list(responses)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if not queue:
            raise AssertionError(f"unexpected request #{len(seen)}: {request.url}")
        reply = queue.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply

    return handler, seen


def async_client(handler: Handler, **options: Any) -> AsyncClient:
    options.setdefault("api_key", API_KEY)
    options.setdefault("base_url", BASE_URL)
    options.setdefault("model", MODEL)
    return AsyncClient(
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)), **options
    )


def sync_client(handler: Handler, **options: Any) -> Client:
    options.setdefault("api_key", API_KEY)
    options.setdefault("base_url", BASE_URL)
    options.setdefault("model", MODEL)
    return Client(http_client=httpx.Client(transport=httpx.MockTransport(handler)), **options)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode(), headers=headers)


def sse_events(payloads: Sequence[str | dict[str, Any]], *, framing: str = "heroku") -> bytes:
    """SSE bytes for ``payloads`` in Heroku framing (``event:message``/``data:...``) or
    OpenAI framing (``data: ...``), ending with the framing's terminator."""
    out: list[str] = []
    for payload in payloads:
        data = payload if isinstance(payload, str) else json.dumps(payload)
        if framing == "heroku":
            out.append(f"event:message\ndata:{data}\n\n")
        else:
            out.append(f"data: {data}\n\n")
    out.append("event:done\ndata:[DONE]\n\n" if framing == "heroku" else "data: [DONE]\n\n")
    return "".join(out).encode()


def chunk(content: str | None = None, **delta_or_fields: Any) -> dict[str, Any]:
    """A chat.completion.chunk payload with one choice carrying ``content``."""
    finish = delta_or_fields.pop("finish_reason", None)
    usage = delta_or_fields.pop("usage", None)
    delta: dict[str, Any] = dict(delta_or_fields)
    if content is not None:
        delta["content"] = content
    payload: dict[str, Any] = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 1763740800,
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    if usage is not None:
        payload["usage"] = usage
    return payload
