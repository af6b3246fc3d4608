"""pytest fixtures for testing code that uses heroku-inference, against the local emulator.

Registered as the ``heroku_inference`` pytest plugin; or load it yourself with
``pytest_plugins = ["heroku_inference.testing.pytest_plugin"]`` in a ``conftest.py``.

```python
def test_weather_bot(heroku_client, heroku_emulator):
    heroku_emulator.reply(tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}])
    answer = my_bot(heroku_client, "Weather in Paris?")
    assert heroku_emulator.requests[-1].body["tools"][0]["function"]["name"] == "get_weather"


@pytest.mark.heroku_emulator(framing="openai", api_key="inf-secret", models=["my-model"])
async def test_async(heroku_async_client): ...
```

``heroku_async_client`` is a plain fixture, so it works under pytest-asyncio, anyio and trio.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # imported in the fixtures: loading the plugin costs pytest nothing
    from .._client import AsyncClient, Client
    from ._emulator import Emulator

__all__ = ["heroku_async_client", "heroku_client", "heroku_emulator"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "heroku_emulator(framing='heroku', api_key=None, model=..., models=[...]): "
        "options of the heroku_emulator fixture's Emulator",
    )


@pytest.fixture
def heroku_emulator(request: pytest.FixtureRequest) -> Emulator:
    """A fresh ``Emulator`` for this test: script it, then read ``.requests``."""
    from ._emulator import Emulator

    marker = request.node.get_closest_marker("heroku_emulator")
    options = dict(marker.kwargs) if marker is not None else {}
    return Emulator(**options)


@pytest.fixture
def heroku_client(heroku_emulator: Emulator) -> Iterator[Client]:
    """A ``Client`` wired to ``heroku_emulator`` in-process (no network)."""
    with heroku_emulator.client() as client:
        yield client


@pytest.fixture
def heroku_async_client(heroku_emulator: Emulator) -> AsyncClient:
    """An ``AsyncClient`` wired to ``heroku_emulator`` in-process (no network).

    Its in-process transport holds no sockets, so nothing needs closing after the test.
    """
    return heroku_emulator.async_client()
