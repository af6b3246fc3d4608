"""``AsyncClient`` and ``Client``: settings, a connection pool, and the resources on top."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

import httpx

from ._config import (
    DEFAULT_CONNECTION_LIMITS,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    Settings,
    as_timeout,
    checked_headers,
    checked_max_retries,
    resolve_settings,
)
from ._logs import setup_logging
from ._transport import AsyncDriver, SyncDriver
from ._types import NOT_GIVEN, NotGiven

if TYPE_CHECKING:
    from .resources.chat import AsyncChat, Chat

__all__ = ["AsyncClient", "Client"]

_HTTPX_DEFAULT_TIMEOUT = httpx.Timeout(5.0)
_C = TypeVar("_C", bound="_BaseClient[Any, Any]")
_HttpT = TypeVar("_HttpT", httpx.Client, httpx.AsyncClient)
_DriverT = TypeVar("_DriverT", SyncDriver, AsyncDriver)


class _BaseClient(Generic[_HttpT, _DriverT]):
    """What both clients share: settings from arguments and the environment, the pool, and
    copying. Subclasses name their kind of httpx client and driver."""

    _http_class: ClassVar[type[httpx.Client] | type[httpx.AsyncClient]]
    _driver_class: ClassVar[type[AsyncDriver] | type[SyncDriver]]
    _settings: Settings
    _owns_http: bool
    _http: _HttpT
    _driver: _DriverT

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
    ) -> None:
        http_class = self._http_class
        if http_client is not None and not isinstance(http_client, http_class):
            other = "Client" if http_class is httpx.AsyncClient else "AsyncClient"
            raise TypeError(
                f"http_client must be an httpx.{http_class.__name__}, got "
                f"{type(http_client).__name__} (use {other} for that kind of httpx client)"
            )
        if isinstance(timeout, NotGiven):
            # A caller-supplied client that sets its own timeout keeps it.
            own = http_client.timeout if http_client is not None else None
            keep = own is not None and own != _HTTPX_DEFAULT_TIMEOUT
            timeout = own if keep else DEFAULT_TIMEOUT
        self._settings = resolve_settings(
            api_key=api_key,
            base_url=base_url,
            model=model,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
        )
        setup_logging()
        self._owns_http = http_client is None
        self._http = http_client or cast(
            _HttpT, http_class(limits=DEFAULT_CONNECTION_LIMITS, follow_redirects=True)
        )
        self._driver = cast(_DriverT, self._driver_class(self._http))  # type: ignore[arg-type]

    @property
    def base_url(self) -> httpx.URL:
        """The service's URL, without ``/v1``."""
        return self._settings.base_url

    @property
    def model(self) -> str | None:
        """The default model of requests that name none."""
        return self._settings.model

    @property
    def timeout(self) -> httpx.Timeout:
        return self._settings.timeout

    @property
    def max_retries(self) -> int:
        return self._settings.max_retries

    def with_options(
        self: _C,
        *,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        model: str | NotGiven | None = NOT_GIVEN,
        default_headers: Mapping[str, str] | None = None,
    ) -> _C:
        """A copy with other options that shares this client's connection pool.

        ```python
        fast = client.with_options(timeout=10, max_retries=0)
        ```
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
            changes["default_headers"] = {**self._settings.default_headers, **extra}
        copy = object.__new__(type(self))
        copy.__dict__.update(
            {k: v for k, v in self.__dict__.items() if k not in ("chat",)},
            _settings=dataclasses.replace(self._settings, **changes),
            _owns_http=False,
        )
        return copy

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={str(self._settings.base_url)!r}, "
            f"model={self._settings.model!r}, max_retries={self._settings.max_retries})"
        )


class AsyncClient(_BaseClient[httpx.AsyncClient, AsyncDriver]):
    """The async client. Reads ``INFERENCE_URL``, ``INFERENCE_KEY`` and ``INFERENCE_MODEL_ID``.

    ```python
    from heroku_inference import AsyncClient

    async with AsyncClient() as client:
        completion = await client.chat.completions.create(
            messages=[{"role": "user", "content": "Why is Heroku so cool?"}],
        )
        print(completion.choices[0].message.content)
    ```

    Arguments win over the environment. ``http_client`` lets you bring your own
    ``httpx.AsyncClient`` (proxies, mTLS, a mock transport); this client does not close it.
    """

    _http_class = httpx.AsyncClient
    _driver_class = AsyncDriver

    @cached_property
    def chat(self) -> AsyncChat:
        from .resources.chat import AsyncChat

        return AsyncChat(self)

    async def aclose(self) -> None:
        """Close the connection pool, unless it was supplied by the caller or is shared."""
        if self._owns_http:
            await self._http.aclose()

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
        from .resources.chat import Chat

        return Chat(self)

    def close(self) -> None:
        """Close the connection pool, unless it was supplied by the caller or is shared."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
