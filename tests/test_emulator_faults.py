"""The emulator's newer faults, in-process, on the sync client and the async one under
asyncio and trio (the fault matrix serves them over loopback with uvicorn)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import heroku_inference._transport as sdk_transport
from heroku_inference import APIConnectionError, APITimeoutError, StreamError
from heroku_inference.testing import Emulator

from .flavors import MESSAGES, Flavor, both
from .test_streaming import entered, read_all

ECHO = "Hello from the Heroku Inference emulator! You said: " + MESSAGES[0]["content"]


def emulated(api: Flavor, emu: Emulator, **options: Any) -> Any:
    options.setdefault("max_retries", 0)
    return emu.async_client(**options) if api.is_async else emu.client(**options)


async def streamed(api: Flavor, client: Any) -> list[Any]:
    stream = await api.create(client, messages=MESSAGES, stream=True)
    async with entered(api, stream):
        return await read_all(api, stream)


def text_of(chunks: list[Any]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


@both
async def test_disconnect_mid_event(api: Flavor, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sdk_transport, "retry_delay", lambda *args, **kwargs: 0.0)
    emu = Emulator()
    emu.fault("disconnect_mid_event", after=2)
    client = emulated(api, emu)

    with pytest.raises(APIConnectionError, match="interrupted after 2 chunk"):
        await streamed(api, client)

    emu.fault("disconnect_mid_event")
    retried = emulated(api, emu, max_retries=1)
    completion = await api.create(retried, messages=MESSAGES)
    assert completion._retries_taken == 1


@pytest.mark.parametrize("depth", [5_000, 50])
@both
async def test_nested(api: Flavor, depth: int) -> None:
    emu = Emulator()
    emu.fault("nested", size=depth)
    emu.fault("nested", size=depth)
    client = emulated(api, emu)

    with pytest.raises(StreamError) as raised:
        await streamed(api, client)
    assert raised.value.raw == "[" * depth + "]" * depth

    with pytest.raises(Exception, match="not a chat completion"):
        await api.create(client, messages=MESSAGES)


@both
async def test_oversized(api: Flavor) -> None:
    size = 3 * 1024 * 1024
    emu = Emulator()
    emu.fault("oversized", size=size)
    emu.fault("oversized", size=1000)
    client = emulated(api, emu)

    chunks = await streamed(api, client)
    text = text_of(chunks)
    assert len(text) == size + len(ECHO)
    assert text.startswith("All work and no play")

    completion = await api.create(client, messages=MESSAGES)
    assert len(completion.choices[0].message.content) == 1000


@both
async def test_hang_ends_with_the_clients_read_timeout(api: Flavor) -> None:
    emu = Emulator()
    emu.fault("hang", times=2)
    client = emulated(api, emu, timeout=httpx.Timeout(5.0, read=0.05))

    with pytest.raises(APITimeoutError):
        await api.create(client, messages=MESSAGES)
    with pytest.raises(APITimeoutError):
        await streamed(api, client)


@both
async def test_not_streamed(api: Flavor) -> None:
    emu = Emulator()
    emu.fault("not_streamed", times=2)
    client = emulated(api, emu)

    with pytest.raises(StreamError, match="did not stream"):
        await streamed(api, client)
    completion = await api.create(client, messages=MESSAGES)  # unchanged when not streamed
    assert completion.choices[0].message.content == ECHO


@pytest.mark.parametrize("size", [0, -1, 1.5, True])
def test_a_bad_size_is_refused(size: Any) -> None:
    with pytest.raises(ValueError, match="size must be an integer >= 1"):
        Emulator().fault("oversized", size=size)
