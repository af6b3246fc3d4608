"""Which event loop an ``AsyncClient`` belongs to, and a clear error when it strays."""

from __future__ import annotations

import sys
import weakref

from ._exceptions import EventLoopError

__all__ = ["LoopGuard"]


def _current_loop() -> object:
    """The running asyncio loop, or the running trio run's token.

    Neither library is imported here: whichever is running was imported by its caller.
    """
    asyncio = sys.modules.get("asyncio")
    if asyncio is not None:
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            pass
    trio = sys.modules.get("trio")
    if trio is None:
        raise RuntimeError("no running event loop (asyncio or trio)")
    return trio.lowlevel.current_trio_token()


class LoopGuard:
    """Remembers the event loop a connection pool was first used on.

    httpx's async pool holds connections bound to that loop; used from another loop it fails
    deep inside asyncio ("Event loop is closed") or hangs. ``check()`` turns that into an
    ``EventLoopError`` that says what to do.
    """

    __slots__ = ("_owner",)

    def __init__(self) -> None:
        self._owner: weakref.ref[object] | None = None

    def check(self) -> None:
        loop = _current_loop()
        owner = self._owner
        if owner is None:
            self._owner = weakref.ref(loop)
        elif owner() is not loop:
            raise EventLoopError(
                "This AsyncClient was first used on another event loop, which owns its "
                "connection pool; it cannot be used on this one. Create one client per event "
                "loop: inside the loop that uses it (e.g. in a FastAPI lifespan, or in an async "
                "pytest fixture), not at module level shared by several loops (pytest-asyncio "
                "and asyncio.run() each start a new loop)."
            )
