"""``EmulatorTransport``: the emulator as an httpx transport, for ``httpx.Client`` and
``httpx.AsyncClient`` alike, with no server and no socket.

The body streams part by part as the client reads it: one SSE event at a time, pausing with
``time.sleep`` (sync) or ``anyio.sleep`` (async) on a slow drip (``httpx.ReadTimeout`` when a
pause outlasts the client's read timeout), and raising ``httpx.RemoteProtocolError`` where a
fault drops the connection.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator, Sequence

import anyio
import httpx

from ._plan import HANG, Delay, Disconnect, Part, PlanMaker

__all__ = ["EmulatorTransport"]


class EmulatorTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """An httpx transport answered by an ``Emulator``.

    ```python
    http = httpx.Client(transport=emu.transport())          # or httpx.AsyncClient(...)
    client = Client(
        api_key="x", base_url="https://emulator", model="claude-4-5-sonnet", http_client=http
    )
    ```
    """

    def __init__(self, emulator: PlanMaker) -> None:
        self.emulator = emulator

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        content = request.read()
        plan = self.emulator.handle(request.method, _target(request), request.headers, content)
        if plan.parts[:1] == [HANG]:
            while not _hang_ends(request):
                time.sleep(3600)
            time.sleep(_hang_ends(request))
            raise _timed_out(request)
        return httpx.Response(
            plan.status, headers=plan.headers, stream=_SyncBody(plan.parts, request)
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        content = await request.aread()
        plan = self.emulator.handle(request.method, _target(request), request.headers, content)
        if plan.parts[:1] == [HANG]:
            seconds = _hang_ends(request)
            if not seconds:
                await anyio.sleep_forever()
            await anyio.sleep(seconds)
            raise _timed_out(request)
        return httpx.Response(
            plan.status, headers=plan.headers, stream=_AsyncBody(plan.parts, request)
        )


def _target(request: httpx.Request) -> str:
    return request.url.raw_path.decode("ascii", "replace")


def _stall(part: Delay, request: httpx.Request) -> tuple[float, bool]:
    """How long to pause for ``part``, and whether the client's read timeout runs out first
    (then, as on a real socket, the read fails after the timeout)."""
    read_timeout = request.extensions.get("timeout", {}).get("read")
    if read_timeout is not None and part.seconds > read_timeout:
        return read_timeout, True
    return part.seconds, False


def _hang_ends(request: httpx.Request) -> float:
    """Seconds until the client's read timeout ends a hang (0: it has none, never)."""
    read_timeout = request.extensions.get("timeout", {}).get("read")
    return float(read_timeout) if read_timeout else 0.0


def _timed_out(request: httpx.Request) -> httpx.ReadTimeout:
    return httpx.ReadTimeout("no data before the read timeout (emulator fault)", request=request)


def _dropped(request: httpx.Request) -> httpx.RemoteProtocolError:
    return httpx.RemoteProtocolError(
        "peer closed connection without sending complete message body "
        "(the emulator dropped it: fault 'disconnect')",
        request=request,
    )


class _SyncBody(httpx.SyncByteStream):
    def __init__(self, parts: Sequence[Part], request: httpx.Request) -> None:
        self._parts = parts
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        for part in self._parts:
            if isinstance(part, Delay):
                seconds, late = _stall(part, self._request)
                time.sleep(seconds)
                if late:
                    raise _timed_out(self._request)
            elif isinstance(part, Disconnect):
                raise _dropped(self._request)
            elif isinstance(part, bytes):  # a HANG was handled before the headers
                yield part


class _AsyncBody(httpx.AsyncByteStream):
    """An iterator object rather than an async generator: nothing is left to finalize when
    the client stops reading early (trio and asyncio alike)."""

    def __init__(self, parts: Sequence[Part], request: httpx.Request) -> None:
        self._parts = iter(parts)
        self._request = request

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        for part in self._parts:
            if isinstance(part, Delay):
                seconds, late = _stall(part, self._request)
                await anyio.sleep(seconds)
                if late:
                    raise _timed_out(self._request)
            elif isinstance(part, Disconnect):
                raise _dropped(self._request)
            elif isinstance(part, bytes):  # a HANG was handled before the headers
                return part
        raise StopAsyncIteration
