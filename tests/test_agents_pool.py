"""Agent runs leave no connection open: against the emulator served by uvicorn on 127.0.0.1,
breaking out of a run early and cancelling it mid-read (asyncio and trio) close the response
at once, and a pool of one connection then serves the next run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

pytest.importorskip("uvicorn")

from heroku_inference import AgentCompletion
from heroku_inference.testing import Emulator

from .flavors import ASYNC, Flavor, both
from .test_emulator_asgi import serving
from .test_streaming import entered, step

HI = [{"role": "user", "content": "Run it"}]
TOOLS = [{"type": "mcp", "name": "mcp-python/code_exec_python"}]
ROUNDS = 5
PAUSE = 0.3
"""Seconds the emulator waits between a run's events: the client is always mid-read."""


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Emulator, str]]:
    emulator = Emulator()
    with serving(emulator) as url:
        yield emulator, url


@pytest.fixture
def emu(served: tuple[Emulator, str]) -> Iterator[Emulator]:
    emulator = served[0]
    emulator.reset()
    yield emulator
    emulator.reset()


def one_connection_client(api: Flavor, url: str) -> Any:
    """A client whose pool has one connection and gives up waiting for it after 2 s, so a
    leaked connection fails the next run at once instead of hanging."""
    http = api.http_class(
        limits=httpx.Limits(max_connections=1), timeout=httpx.Timeout(10.0, pool=2.0)
    )
    return api.client(base_url=url, api_key="any", http_client=http)


def busy_connections(client: Any) -> list[Any]:
    """Connections of the pool that are neither idle (reusable) nor closed."""
    pool = client._http._transport._pool
    return [c for c in pool.connections if not (c.is_idle() or c.is_closed())]


async def a_whole_run_works(api: Flavor, client: Any) -> None:
    result = await api.call(client.agents.create, messages=HI, tools=TOOLS)
    assert [m.role for m in result.messages] == ["assistant", "tool", "assistant"]
    assert busy_connections(client) == []


@both
async def test_breaking_out_of_a_run_early_closes_it(
    api: Flavor, emu: Emulator, served: tuple[Emulator, str]
) -> None:
    emu.fault("slow", after=1, delay=PAUSE, endpoint="agents", times=ROUNDS)
    client = one_connection_client(api, served[1])
    for _ in range(ROUNDS):
        async with entered(api, client.agents.stream(messages=HI, tools=TOOLS)) as run:
            assert isinstance(await step(api, run), AgentCompletion)
        assert run.response.is_closed
        assert busy_connections(client) == []
    await a_whole_run_works(api, client)
    await api.close_http(client._http)


@pytest.mark.anyio
async def test_cancelling_a_run_mid_read_closes_it(
    emu: Emulator, served: tuple[Emulator, str]
) -> None:
    emu.fault("slow", after=1, delay=PAUSE, endpoint="agents", times=ROUNDS)
    client = one_connection_client(ASYNC, served[1])
    for _ in range(ROUNDS):
        seen: list[Any] = []
        with anyio.CancelScope() as scope:
            async with client.agents.stream(messages=HI, tools=TOOLS) as run:
                async for event in run:
                    seen.append(event)
                    scope.cancel()  # the next read is cancelled while it waits
        assert scope.cancelled_caught
        assert len(seen) == 1
        assert run.response.is_closed
        assert busy_connections(client) == []
    await a_whole_run_works(ASYNC, client)
    await client._http.aclose()


@pytest.mark.anyio
async def test_cancelling_the_task_running_create_closes_the_run(
    emu: Emulator, served: tuple[Emulator, str]
) -> None:
    emu.fault("slow", after=1, delay=PAUSE, endpoint="agents")
    client = one_connection_client(ASYNC, served[1])
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(lambda: client.agents.create(messages=HI, tools=TOOLS))
        for _ in range(1000):  # until the server has the request (it answers slowly)
            if emu.requests:
                break
            await anyio.sleep(0.005)
        tasks.cancel_scope.cancel()
    assert emu.requests
    assert busy_connections(client) == []
    await a_whole_run_works(ASYNC, client)
    await client._http.aclose()
