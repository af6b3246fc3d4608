"""``RawResponse``: what ``with_raw_response`` gives, the HTTP response and the parsed result.

As in the openai SDK: ``client.embeddings.with_raw_response.create(...)`` returns the response
(status, headers, request id, rate limits) with ``parse()`` for the value ``create()`` returns.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Generic, TypeVar

import httpx

from ._rate_limits import RateLimits
from ._transport import Outcome

__all__ = ["RawResponse"]

T = TypeVar("T")

_UNPARSED = object()


class RawResponse(Generic[T]):
    """An API response, with the parsed result on demand.

    ```python
    raw = await client.embeddings.with_raw_response.create(input=["hello"])
    print(raw.status_code, raw.headers.get("x-request-id"), raw.rate_limits)
    embeddings = raw.parse()  # what create() returns
    ```

    A streamed call's ``parse()`` gives the stream, not yet read. Use a streamed raw response
    in ``with`` / ``async with`` (or ``close()`` / ``await aclose()`` it): that closes its
    stream, read or not, so its connection goes back to the pool.
    """

    __slots__ = ("_outcome", "_parse", "_parsed", "_stream")

    def __init__(self, outcome: Outcome, parse: Callable[[], T], *, stream: Any = None) -> None:
        self._outcome = outcome
        self._parse = parse
        self._parsed: object = _UNPARSED
        self._stream = stream
        """The stream a streamed call's ``parse()`` gives, built at once so it can be closed."""

    @property
    def http_response(self) -> httpx.Response:
        """The ``httpx.Response`` itself."""
        return self._outcome.response

    @property
    def headers(self) -> httpx.Headers:
        return self._outcome.response.headers

    @property
    def status_code(self) -> int:
        return self._outcome.response.status_code

    @property
    def url(self) -> httpx.URL:
        return self._outcome.response.request.url

    @property
    def request_id(self) -> str | None:
        """The id the server gave this request, if any."""
        return self._outcome.request_id

    @property
    def retries_taken(self) -> int:
        """Retries the request took before it succeeded."""
        return self._outcome.retries_taken

    @property
    def rate_limits(self) -> RateLimits | None:
        """The ``x-ratelimit-*`` headers, typed (``None`` without any)."""
        return RateLimits.from_headers(self._outcome.response.headers)

    def parse(self) -> T:
        """The value the method without ``with_raw_response`` returns (parsed once)."""
        if self._parsed is _UNPARSED:
            self._parsed = self._parse()
        parsed: T = self._parsed  # type: ignore[assignment]
        return parsed

    def close(self) -> None:
        """Close a sync stream's response (read or not). Safe to call more than once."""
        if self._stream is not None:
            self._stream.close()

    async def aclose(self) -> None:
        """Close an async stream's response (read or not). Safe to call more than once."""
        if self._stream is not None:
            await self._stream.aclose()

    def __enter__(self) -> RawResponse[T]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> RawResponse[T]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        request = self._outcome.response.request
        return f"<RawResponse [{self.status_code}] {request.method} {request.url.path}>"
