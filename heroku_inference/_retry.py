"""When to retry and how long to wait first. Pure functions; the transport calls them."""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable

import httpx

__all__ = ["MAX_RETRY_AFTER", "retry_delay", "should_retry_error", "should_retry_status"]

INITIAL_DELAY = 0.5
MAX_BACKOFF = 8.0
MAX_RETRY_AFTER = 60.0
"""A server's Retry-After longer than this is capped to it."""

_RETRIED_STATUSES = frozenset({408, 409, 429})
_NEVER_RETRIED_STATUSES = frozenset({400, 401, 403, 404, 422})
_DETERMINISTIC_500 = "failed to execute chat"


def should_retry_status(response: httpx.Response) -> bool:
    """Decide on a 4xx/5xx response whose body has been read.

    400, 401, 403, 404, 422 and Heroku's 500 ``Failed to execute chat`` fail the same way
    every time: never retried, whatever the headers say. Otherwise ``x-should-retry`` is
    final when present, and 408, 409, 429 and 5xx are retried.
    """
    status = response.status_code
    if status in _NEVER_RETRIED_STATUSES:
        return False
    if status == 500 and _DETERMINISTIC_500 in _head(response):
        return False
    override: str = response.headers.get("x-should-retry", "").strip().lower()
    if override in ("true", "false"):
        return override == "true"
    return status in _RETRIED_STATUSES or status >= 500


def _head(response: httpx.Response) -> str:
    return response.content[:2048].decode("utf-8", "replace").lower()


def should_retry_error(error: Exception) -> bool:
    """Connection failures, timeouts and other network errors are retried.

    A request that could not be sent as built (an illegal header value, an unsupported URL
    scheme) fails the same way every time, so it is not. Nor is a pool timeout: the pool is
    this process's own, busy for a whole pool timeout already, and waiting again only
    multiplies the wait.
    """
    if isinstance(error, httpx.LocalProtocolError | httpx.UnsupportedProtocol | httpx.PoolTimeout):
        return False
    return isinstance(error, httpx.TransportError)


def retry_delay(
    retries_taken: int,
    response: httpx.Response | None,
    *,
    now: Callable[[], float] = time.time,
    jitter: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before retry number ``retries_taken + 1``.

    The server's ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date) wins, capped at
    ``MAX_RETRY_AFTER``; otherwise exponential backoff from 0.5 s up to 8 s, less up to 25 %.
    """
    if response is not None:
        hinted = _retry_after(response.headers, now)
        if hinted is not None:
            return min(hinted, MAX_RETRY_AFTER)
    backoff = min(INITIAL_DELAY * 2.0**retries_taken, MAX_BACKOFF)
    return backoff * (1.0 - 0.25 * jitter())


def _retry_after(headers: httpx.Headers, now: Callable[[], float]) -> float | None:
    milliseconds = _number(headers.get("retry-after-ms"))
    if milliseconds is not None:
        return milliseconds / 1000.0
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _number(value)
    if seconds is None:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        seconds = when.timestamp() - now()
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None
