"""One test body for both clients: ``@both`` runs it on the sync ``Client`` and on the
``AsyncClient`` under asyncio and trio, handing it an ``api`` that hides the difference.

```python
@both
async def test_something(api: Flavor) -> None:
    handler, seen = replies(json_response(200, COMPLETION))
    client = api.client(handler)
    completion = await api.create(client, messages=MESSAGES)
```
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import pytest

from heroku_inference import AsyncClient, ChatCompletion, Client

from .helpers import API_KEY, BASE_URL, MODEL, Handler

F = TypeVar("F", bound=Callable[..., Any])

MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]


@dataclass(frozen=True)
class Flavor:
    """The sync or the async client, behind one awaitable surface."""

    name: str
    is_async: bool

    def __repr__(self) -> str:
        return self.name

    @property
    def client_class(self) -> type[Client] | type[AsyncClient]:
        return AsyncClient if self.is_async else Client

    @property
    def http_class(self) -> type[httpx.Client] | type[httpx.AsyncClient]:
        return httpx.AsyncClient if self.is_async else httpx.Client

    def http(self, handler: Handler, **options: Any) -> Any:
        """An httpx client of the right kind on a mock transport."""
        return self.http_class(transport=httpx.MockTransport(handler), **options)

    def client(self, handler: Handler | None = None, **options: Any) -> Any:
        """A client with the test key, URL and model on a mock transport (or ``http_client``)."""
        options.setdefault("api_key", API_KEY)
        options.setdefault("base_url", BASE_URL)
        options.setdefault("model", MODEL)
        if handler is not None:
            options.setdefault("http_client", self.http(handler))
        return self.client_class(**options)

    async def create(self, client: Any, **params: Any) -> ChatCompletion:
        params.setdefault("messages", MESSAGES)
        if self.is_async:
            completion: ChatCompletion = await client.chat.completions.create(**params)
        else:
            completion = client.chat.completions.create(**params)
        return completion

    async def call(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        """``method(...)``, awaited on the async client."""
        result = method(*args, **kwargs)
        return await result if self.is_async else result

    async def close(self, client: Any) -> None:
        if self.is_async:
            await client.aclose()
        else:
            client.close()

    async def close_http(self, http: Any) -> None:
        if self.is_async:
            await http.aclose()
        else:
            http.close()


SYNC = Flavor("sync", is_async=False)
ASYNC = Flavor("async", is_async=True)

_FLAVORS = pytest.mark.parametrize(
    ("api", "anyio_backend"),
    [
        pytest.param(SYNC, "asyncio", id="sync"),
        pytest.param(ASYNC, "asyncio", id="async-asyncio"),
        pytest.param(ASYNC, "trio", id="async-trio"),
    ],
)


def both(test: F) -> F:
    """Run ``test(api, ...)`` on ``Client`` once and on ``AsyncClient`` under asyncio and trio."""
    marked: F = pytest.mark.anyio(_FLAVORS(test))
    return marked
