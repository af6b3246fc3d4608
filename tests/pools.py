"""Looking inside an httpx client's connection pool, for tests that prove nothing was left
open: every connection idle or closed, no request waiting or in flight."""

from __future__ import annotations

from typing import Any


def pool_of(http: Any) -> Any:
    """The httpcore pool behind an ``httpx.Client`` / ``httpx.AsyncClient``."""
    return http._transport._pool


def busy_connections(http: Any) -> list[str]:
    """The pool's connections that are neither idle nor closed (``CONNECTING``, ``ACTIVE``),
    as their reprs."""
    return [
        repr(connection)
        for connection in pool_of(http).connections
        if not connection.is_idle() and not connection.is_closed()
    ]


def assert_pool_clean(http: Any) -> None:
    """No connection in use or half-open, and no request queued or in flight."""
    pool = pool_of(http)
    assert busy_connections(http) == [], repr(pool)
    assert "Requests: 0 active, 0 queued" in repr(pool), repr(pool)
