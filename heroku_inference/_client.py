"""``AsyncClient`` and ``Client``: settings, a connection pool, and the resources on top.

A client holds a ``Context`` (settings and the driver that owns the pool); its resources are
built from that context on first use. ``with_options()`` wraps a new context in a new client,
so no resource can keep old settings.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

import httpx

from ._config import (
    DEFAULT_CONNECTION_LIMITS,
    DEFAULT_MAX_RETRIES,
    DEFAULT_PREFIX,
    DEFAULT_TIMEOUT,
    URL_VARIABLE,
    as_timeout,
    checked_headers,
    checked_max_retries,
    resolve_settings,
)
from ._context import Context
from ._exceptions import ConfigurationError
from ._logs import logger, setup_logging
from ._models import json_validator
from ._resource_settings import from_env_hint, resolve_families
from ._transport import AsyncDriver, SyncDriver
from ._types import NOT_GIVEN, NotGiven
from .resources.chat import AsyncChat, Chat
from .types.chat import ChatCompletion, ChatCompletionChunk

if TYPE_CHECKING:  # imported on first use: a chat-only process never loads them
    from .resources.agents import Agents, AsyncAgents
    from .resources.embeddings import AsyncEmbeddings, Embeddings
    from .resources.images import AsyncImages, Images
    from .resources.mcp import MCP, AsyncMCP
    from .resources.models import AsyncModels, Models
    from .resources.rerank import AsyncRerank, Rerank

__all__ = ["AsyncClient", "Client"]

_HTTPX_DEFAULT_TIMEOUT = httpx.Timeout(5.0)
_C = TypeVar("_C", bound="_BaseClient[Any, Any]")
_HttpT = TypeVar("_HttpT", httpx.Client, httpx.AsyncClient)
_DriverT = TypeVar("_DriverT", SyncDriver, AsyncDriver)
_TransportT = httpx.BaseTransport | httpx.AsyncBaseTransport
_PREFIX = re.compile(r"[A-Z][A-Z0-9_]*")


class _BaseClient(Generic[_HttpT, _DriverT]):
    """What both clients share: settings from arguments and the environment, the pool, and
    copying. Subclasses name their kind of httpx client and driver."""

    _http_class: ClassVar[type[httpx.Client] | type[httpx.AsyncClient]]
    _driver_class: ClassVar[type[AsyncDriver] | type[SyncDriver]]
    _context: Context[_DriverT]
    _owns_http: bool
    _env_prefix: str = DEFAULT_PREFIX

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        model: str | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: _HttpT | None = None,
        transport: _TransportT | None = None,
        allow_insecure_http: bool = False,
        prompt_caching: bool = True,
    ) -> None:
        http_class = self._http_class
        if http_client is not None and not isinstance(http_client, http_class):
            other = "Client" if http_class is httpx.AsyncClient else "AsyncClient"
            raise TypeError(
                f"http_client must be an httpx.{http_class.__name__}, got "
                f"{type(http_client).__name__} (use {other} for that kind of httpx client)"
            )
        if http_client is not None and transport is not None:
            raise TypeError("pass http_client or transport, not both")
        if isinstance(timeout, NotGiven):
            # A caller-supplied client that sets its own timeout keeps it.
            own = http_client.timeout if http_client is not None else None
            keep = own is not None and own != _HTTPX_DEFAULT_TIMEOUT
            timeout = own if keep else DEFAULT_TIMEOUT
        try:
            settings = resolve_settings(
                api_key=api_key,
                base_url=base_url,
                model=model,
                timeout=timeout,
                max_retries=max_retries,
                default_headers=default_headers,
                prefix=self._env_prefix,
                prompt_caching=prompt_caching,
                allow_insecure_http=allow_insecure_http,
            )
        except ConfigurationError as exc:
            no_url = base_url is None and not os.environ.get(URL_VARIABLE)
            if not no_url or self._env_prefix != DEFAULT_PREFIX:
                raise
            hint = from_env_hint(os.environ, type(self).__name__)
            if not hint:
                raise
            raise ConfigurationError(f"{exc}{hint}") from None
        # Resources attached --as EMBEDDING etc. have settings of their own, unless the
        # caller chose where requests go; on the emulator, each has a model of its kind.
        routed = api_key is None and base_url is None and self._env_prefix == DEFAULT_PREFIX
        families = (
            resolve_families(settings, os.environ, allow_insecure_http=allow_insecure_http)
            if routed or settings.emulated
            else {}
        )
        setup_logging()
        _prepare_models()
        if settings.emulated and http_client is None and transport is None:
            transport = _emulator_transport()
        http = http_client or cast(
            _HttpT,
            http_class(
                limits=DEFAULT_CONNECTION_LIMITS,
                transport=transport,  # type: ignore[arg-type]
            ),
        )
        driver = cast(_DriverT, self._driver_class(http))  # type: ignore[arg-type]
        self._adopt(Context(settings, driver, families), owns_http=http_client is None)

    @classmethod
    def from_env(cls: type[_C], prefix: str = DEFAULT_PREFIX, **options: Any) -> _C:
        """A client from the config vars of the resource attached ``--as PREFIX``:
        ``{PREFIX}_URL``, ``{PREFIX}_KEY`` and ``{PREFIX}_MODEL_ID`` (arguments still win).

        ```python
        embedder = AsyncClient.from_env("EMBEDDING")  # EMBEDDING_URL, EMBEDDING_KEY, ...
        ```
        """
        name = prefix.strip().upper().rstrip("_") if isinstance(prefix, str) else prefix
        if not isinstance(name, str) or not _PREFIX.fullmatch(name):
            raise ConfigurationError(
                "prefix must be the name a resource was attached as, e.g. 'EMBEDDING' "
                f"(for EMBEDDING_URL, EMBEDDING_KEY, EMBEDDING_MODEL_ID), got {prefix!r}"
            )
        client = cls.__new__(cls)
        client._env_prefix = name
        client.__init__(**options)  # type: ignore[misc]
        return client

    def _adopt(self, context: Context[_DriverT], *, owns_http: bool) -> None:
        self._context = context
        self._owns_http = owns_http

    @property
    def base_url(self) -> httpx.URL:
        """The service's URL, without ``/v1``."""
        return self._context.settings.base_url

    @property
    def model(self) -> str | None:
        """The default model of requests that name none."""
        return self._context.settings.model

    @property
    def timeout(self) -> httpx.Timeout:
        """The default timeout of every request (``DEFAULT_TIMEOUT`` unless given)."""
        return self._context.settings.timeout

    @property
    def max_retries(self) -> int:
        """How many times a failed request is retried (``DEFAULT_MAX_RETRIES`` unless given)."""
        return self._context.settings.max_retries

    @property
    def _http(self) -> _HttpT:
        http: _HttpT = self._context.driver.http  # type: ignore[assignment]
        return http

    def with_options(
        self: _C,
        *,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        model: str | NotGiven | None = NOT_GIVEN,
        default_headers: Mapping[str, str] | None = None,
        prompt_caching: bool | NotGiven = NOT_GIVEN,
    ) -> _C:
        """A copy with other options that shares this client's connection pool.

        ```python
        fast = client.with_options(timeout=10, max_retries=0)
        ```

        ``model`` changes the default model of the endpoints that use the client's settings;
        embeddings, images and rerank sent with their own resource's variables keep theirs.
        """
        changes: dict[str, Any] = {}
        if not isinstance(timeout, NotGiven):
            changes["timeout"] = as_timeout(timeout)
        if not isinstance(max_retries, NotGiven):
            changes["max_retries"] = checked_max_retries(max_retries)
        if not isinstance(model, NotGiven):
            changes["model"] = model
        if default_headers is not None:
            extra = checked_headers(default_headers, "default_headers")
            changes["default_headers"] = {**self._context.settings.default_headers, **extra}
        if not isinstance(prompt_caching, NotGiven):
            if not isinstance(prompt_caching, bool):
                raise ConfigurationError(
                    f"prompt_caching must be True or False, got {prompt_caching!r}"
                )
            changes["prompt_caching"] = prompt_caching
        copy = type(self).__new__(type(self))
        copy._adopt(self._context.replace(**changes), owns_http=False)
        return copy

    def __repr__(self) -> str:
        settings = self._context.settings
        return (
            f"{type(self).__name__}(base_url={str(settings.base_url)!r}, "
            f"model={settings.model!r}, max_retries={settings.max_retries})"
        )


@functools.cache
def _prepare_models() -> None:
    """Build the chat models' validators once per process, with the first client: pydantic
    builds them on first use, which would otherwise stall the event loop for the whole
    first request (tens of milliseconds) instead of happening at start-up."""
    for model in (ChatCompletion, ChatCompletionChunk):
        json_validator(model)


LONG_RUNNING_KEEP = 100
"""Requests an emulator that serves a whole process keeps (its memory must not grow)."""


def _emulator_transport() -> _TransportT:
    from .testing import Emulator

    _announce_emulator()
    return Emulator(keep_requests=LONG_RUNNING_KEEP).transport()


@functools.cache
def _announce_emulator() -> None:
    """Once per process: say that answers are made up locally."""
    logger.warning(
        "Using the built-in emulator (INFERENCE_URL or base_url is 'emulator'): answers are "
        "made up locally and no request leaves this process. Set INFERENCE_URL to your Heroku "
        "add-on's URL for real completions."
    )


class AsyncClient(_BaseClient[httpx.AsyncClient, AsyncDriver]):
    """The async client. Reads ``INFERENCE_URL``, ``INFERENCE_KEY`` and ``INFERENCE_MODEL_ID``.

    ```python
    import asyncio

    from heroku_inference import AsyncClient


    async def main() -> None:
        async with AsyncClient() as client:
            completion = await client.chat.completions.create(
                messages=[{"role": "user", "content": "Why is Heroku so cool?"}],
            )
            print(completion.choices[0].message.content)


    asyncio.run(main())
    ```

    Arguments win over the environment. ``http_client`` lets you bring your own
    ``httpx.AsyncClient`` (proxies, mTLS); this client does not close it. ``transport`` gives
    the pool this client creates another httpx transport (``httpx.MockTransport``, the
    emulator's). ``INFERENCE_URL=emulator`` runs on the built-in emulator. Plain ``http://``
    is refused for any host but this machine unless ``allow_insecure_http=True`` (or
    ``HEROKU_INFERENCE_ALLOW_INSECURE_HTTP=1``): it would send the key unencrypted.
    """

    _http_class = httpx.AsyncClient
    _driver_class = AsyncDriver

    @cached_property
    def chat(self) -> AsyncChat:
        """``client.chat.completions``."""
        return AsyncChat(self._context)

    @cached_property
    def embeddings(self) -> AsyncEmbeddings:
        """``POST /v1/embeddings``: ``create()`` and ``create_batched()``."""
        from .resources.embeddings import AsyncEmbeddings

        return AsyncEmbeddings(self._context)

    @cached_property
    def images(self) -> AsyncImages:
        """``POST /v1/images/generations``: ``generate()``."""
        from .resources.images import AsyncImages

        return AsyncImages(self._context)

    @cached_property
    def rerank(self) -> AsyncRerank:
        """``POST /v1/rerank``: ``create()``."""
        from .resources.rerank import AsyncRerank

        return AsyncRerank(self._context)

    @cached_property
    def agents(self) -> AsyncAgents:
        """``POST /v1/agents/heroku``: ``stream()`` and ``create()``."""
        from .resources.agents import AsyncAgents

        return AsyncAgents(self._context)

    @cached_property
    def models(self) -> AsyncModels:
        """``GET /available-models``: ``list()``."""
        from .resources.models import AsyncModels

        return AsyncModels(self._context)

    @cached_property
    def mcp(self) -> AsyncMCP:
        """``client.mcp.servers.list()``: ``GET /v1/mcp/servers``."""
        from .resources.mcp import AsyncMCP

        return AsyncMCP(self._context)

    async def aclose(self) -> None:
        """Close the connection pool, unless it was supplied by the caller or is shared."""
        if self._owns_http:
            await self._context.driver.http.aclose()

    close = aclose

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class Client(_BaseClient[httpx.Client, SyncDriver]):
    """The sync client: the same surface as ``AsyncClient``, with no ``await``.

    ```python
    from heroku_inference import Client

    with Client() as client:
        completion = client.chat.completions.create(
            messages=[{"role": "user", "content": "Why is Heroku so cool?"}],
        )
    ```
    """

    _http_class = httpx.Client
    _driver_class = SyncDriver

    @cached_property
    def chat(self) -> Chat:
        """``client.chat.completions``."""
        return Chat(self._context)

    @cached_property
    def embeddings(self) -> Embeddings:
        """``POST /v1/embeddings``: ``create()`` and ``create_batched()``."""
        from .resources.embeddings import Embeddings

        return Embeddings(self._context)

    @cached_property
    def images(self) -> Images:
        """``POST /v1/images/generations``: ``generate()``."""
        from .resources.images import Images

        return Images(self._context)

    @cached_property
    def rerank(self) -> Rerank:
        """``POST /v1/rerank``: ``create()``."""
        from .resources.rerank import Rerank

        return Rerank(self._context)

    @cached_property
    def agents(self) -> Agents:
        """``POST /v1/agents/heroku``: ``stream()`` and ``create()``."""
        from .resources.agents import Agents

        return Agents(self._context)

    @cached_property
    def models(self) -> Models:
        """``GET /available-models``: ``list()``."""
        from .resources.models import Models

        return Models(self._context)

    @cached_property
    def mcp(self) -> MCP:
        """``client.mcp.servers.list()``: ``GET /v1/mcp/servers``."""
        from .resources.mcp import MCP

        return MCP(self._context)

    def close(self) -> None:
        """Close the connection pool, unless it was supplied by the caller or is shared."""
        if self._owns_http:
            self._context.driver.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
