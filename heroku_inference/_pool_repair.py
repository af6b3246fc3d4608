"""Give back the pool slots that httpcore orphans when a request is cancelled.

httpcore 1.0.x (encode/httpcore#1093, open; 1.0.9 is the latest release): when a request is
cancelled after the pool assigned it a new connection but before it began to use it, the
connection stays in the pool, ``CONNECTING`` for good. It is neither idle, closed nor
expired, so the pool never reclaims it; once ``max_connections`` of them pile up, every later
request waits for the pool timeout. A busy service whose callers time out or disconnect
(``anyio.move_on_after``, a cancelled FastAPI handler) gets there within minutes.

The drivers call ``areclaim``/``reclaim`` whenever sending fails or is cancelled: a connection
that is neither idle nor closed and that no request in the pool owns can never be used again,
so it is removed, and the requests waiting for a connection are given the freed slots.

Everything here is looked up with ``getattr`` and checked first: on a pool without this bug
(a fixed httpcore, the httpx2 fork, another transport), nothing matches and nothing is done.
"""

from __future__ import annotations

import contextlib
from typing import Any

import anyio

__all__ = ["areclaim", "reclaim"]


def _pools(http: object) -> list[object]:
    """The httpcore pools behind an httpx client: its transport's and its mounts'."""
    mounts = getattr(http, "_mounts", None)
    transports = [getattr(http, "_transport", None)]
    if isinstance(mounts, dict):
        transports += mounts.values()
    pools = [getattr(transport, "_pool", None) for transport in transports]
    return [pool for pool in pools if pool is not None]


def _take_orphans(pool: object) -> list[Any]:
    """Remove the pool's orphaned connections; returns them with any connections the pool
    closes while handing the freed slots to waiting requests (all to be closed)."""
    connections = getattr(pool, "_connections", None)
    requests = getattr(pool, "_requests", None)
    assign = getattr(pool, "_assign_requests_to_connections", None)
    lock = getattr(pool, "_optional_thread_lock", None) or contextlib.nullcontext()
    if not isinstance(connections, list) or not isinstance(requests, list) or assign is None:
        return []
    with lock:
        owned = {id(getattr(request, "connection", None)) for request in requests}
        orphans = [
            connection
            for connection in connections
            if id(connection) not in owned
            and not connection.is_idle()
            and not connection.is_closed()
        ]
        if not orphans:
            return []
        for connection in orphans:
            connections.remove(connection)
        closing: list[Any] = assign()
    return [*orphans, *closing]


async def areclaim(http: object) -> None:
    """Repair the pools of an ``httpx.AsyncClient``; safe to call at any time."""
    for pool in _pools(http):
        doomed = _take_orphans(pool)
        if doomed:
            with anyio.CancelScope(shield=True):
                for connection in doomed:
                    await connection.aclose()


def reclaim(http: object) -> None:
    """Repair the pools of an ``httpx.Client``; safe to call at any time."""
    for pool in _pools(http):
        for connection in _take_orphans(pool):
            connection.close()
