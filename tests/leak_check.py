"""Run in a fresh interpreter by ``tests/test_hygiene.py``, as aiohttp's ``test_leaks`` does:
streams and calls of every kind (completed, broken out of, failed in-band, truncated, cut by
the peer, refused with a status) on the sync client and the async one under asyncio and trio,
against a real server on 127.0.0.1. Then:

- with ``gc.DEBUG_SAVEALL``, no stream object of this SDK may be found in ``gc.garbage``:
  each was freed as soon as it was dropped, not left in a reference cycle for the collector
  (httpx's own responses are always in one: ``response.stream`` refers back to them);
- after ``gc.collect()``, no response or stream object may be alive at all.

    python tests/leak_check.py [ROUNDS]     # prints "no leaks" or what leaked
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import anyio
import httpx
import httpx_sse

import heroku_inference
from heroku_inference import _chat_stream, _event_stream, _streaming
from tests.helpers import fixture_bytes
from tests.loopback import DISCONNECT, LoopbackServer, Reply, loopback_server

SSE = {"content-type": "text/event-stream"}
JSON = {"content-type": "application/json"}
MESSAGES: list[Any] = [{"role": "user", "content": "Hi"}]
STREAMS = (
    httpx_sse.EventSource,
    _streaming.AsyncStream,
    _streaming.Stream,
    _event_stream.AsyncEventStream,
    _event_stream.EventStream,
    _event_stream.AsyncStreamManager,
    _event_stream.StreamManager,
    _chat_stream.AsyncChatCompletionStream,
    _chat_stream.ChatCompletionStream,
)
WATCHED = (httpx.Response, *STREAMS)
TEXT = fixture_bytes("chat_text.heroku.sse")
REPLIES = [
    Reply(200, SSE, [TEXT]),  # read to the end
    Reply(200, SSE, [TEXT]),  # broken out of
    Reply(200, SSE, [fixture_bytes("chat_error_midstream.heroku.sse")]),
    Reply(200, SSE, [fixture_bytes("chat_truncated.heroku.sse")]),
    Reply(200, SSE, [TEXT[:300], DISCONNECT]),
    Reply(500, JSON, [b'{"error": {"message": "Failed to execute chat"}}']),
    Reply(200, JSON, [fixture_bytes("chat_completion.json")]),
]


def client(server: LoopbackServer, is_async: bool) -> Any:
    cls = heroku_inference.AsyncClient if is_async else heroku_inference.Client
    return cls(api_key="inf-leak", base_url=server.url, model="m", max_retries=0)


def sync_round(c: Any) -> None:
    for index in range(len(REPLIES)):
        try:
            if index == len(REPLIES) - 1:
                c.chat.completions.create(messages=MESSAGES)
            elif index == 1:
                with c.chat.completions.stream(messages=MESSAGES) as stream:
                    for _ in stream:
                        break
            else:
                with c.chat.completions.create(messages=MESSAGES, stream=True) as stream:
                    for _ in stream:
                        pass
        except heroku_inference.APIError:
            pass


async def async_round(c: Any) -> None:
    for index in range(len(REPLIES)):
        try:
            if index == len(REPLIES) - 1:
                await c.chat.completions.create(messages=MESSAGES)
            elif index == 1:
                async with c.chat.completions.stream(messages=MESSAGES) as stream:
                    async for _ in stream:
                        break
            else:
                stream = await c.chat.completions.create(messages=MESSAGES, stream=True)
                async with stream:
                    async for _ in stream:
                        pass
        except heroku_inference.APIError:
            pass


def run(server: LoopbackServer, rounds: int) -> None:
    with client(server, is_async=False) as c:
        for _ in range(rounds):
            server.script = list(REPLIES)
            sync_round(c)

    async def main() -> None:
        async with client(server, is_async=True) as c:
            for _ in range(rounds):
                server.script = list(REPLIES)
                await async_round(c)

    anyio.run(main, backend="asyncio")
    anyio.run(main, backend="trio")


def describe(objects: list[Any]) -> str:
    counts: dict[str, int] = {}
    for obj in objects:
        counts[type(obj).__qualname__] = counts.get(type(obj).__qualname__, 0) + 1
    return ", ".join(f"{name} x{count}" for name, count in sorted(counts.items()))


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    # Streams closed early reset their connection; the server need not print each one.
    LoopbackServer.handle_error = lambda *args: None  # type: ignore[method-assign]
    with loopback_server() as server:
        run(server, 1)  # warm up: one-time objects (caches, validators) are made here
        gc.collect()
        gc.set_debug(gc.DEBUG_SAVEALL)
        run(server, rounds)
        gc.collect()
        in_cycles = describe([obj for obj in gc.garbage if isinstance(obj, STREAMS)])
        gc.set_debug(0)
        gc.garbage.clear()
        gc.collect()
        alive = describe([obj for obj in gc.get_objects() if isinstance(obj, WATCHED)])
    if in_cycles or alive:
        print(f"left in reference cycles: {in_cycles or 'none'}")
        print(f"alive after gc.collect(): {alive or 'none'}")
        return 1
    print(f"{rounds} rounds of {len(REPLIES)} calls on 3 clients: no leaks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
