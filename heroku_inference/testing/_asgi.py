"""``create_app(emu)``: the emulator as a plain ASGI 3 application (no framework needed).

Serve it with any ASGI server, e.g. ``uvicorn`` (``heroku-inference emulator`` does). Bodies
are sent one part per ``http.response.body`` message; a fault's disconnect returns without
finishing the response, which makes the server drop the connection mid-body; a hang sends
nothing until the client disconnects.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio

from ._plan import HANG, Delay, Disconnect, Plan, PlanMaker

__all__ = ["ASGIApp", "create_app"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

INCOMPLETE_RESPONSE_LOG = "ASGI callable returned without completing response."
"""What uvicorn logs when the app drops a connection on purpose (``_server`` hides it)."""


def create_app(emulator: PlanMaker) -> ASGIApp:
    """An ASGI app that answers every HTTP request with ``emulator``.

    ```python
    import uvicorn
    from heroku_inference.testing import Emulator, create_app

    uvicorn.run(create_app(Emulator()), host="127.0.0.1", port=8787)
    ```
    """

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
        elif scope["type"] == "http":
            await _http(emulator, scope, receive, send)
        # Other scopes (websocket) are not served: returning closes them.

    return app


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _http(emulator: PlanMaker, scope: Scope, receive: Receive, send: Send) -> None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    path = scope.get("raw_path") or scope["path"].encode()
    root = scope.get("root_path", "").encode()
    if root and path.startswith(root):
        path = path[len(root) :]
    query = scope.get("query_string", b"")
    target = (path + (b"?" + query if query else b"")).decode("latin-1")
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
    plan = emulator.handle(scope["method"], target, headers, b"".join(chunks))
    async with anyio.create_task_group() as tasks:
        # Stop as soon as the client goes away: a slow drip or a hang must not outlive it.
        tasks.start_soon(_cancel_on_disconnect, receive, tasks.cancel_scope)
        await _respond(plan, send)
        tasks.cancel_scope.cancel()


async def _cancel_on_disconnect(receive: Receive, scope: anyio.CancelScope) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    scope.cancel()


async def _respond(plan: Plan, send: Send) -> None:
    if plan.parts[:1] == [HANG]:
        await anyio.sleep_forever()  # nothing is sent until the client gives up
    response_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in plan.headers]
    parts = plan.parts
    whole = len(parts) == 1 and isinstance(parts[0], bytes)
    if whole:
        response_headers.append((b"content-length", str(len(plan.body)).encode()))
    await send({"type": "http.response.start", "status": plan.status, "headers": response_headers})
    if whole:
        await send({"type": "http.response.body", "body": plan.body, "more_body": False})
        return
    for part in parts:
        if isinstance(part, Delay):
            await anyio.sleep(part.seconds)
        elif isinstance(part, Disconnect):
            return  # the response is left unfinished: the server closes the connection
        elif isinstance(part, bytes) and part:
            await send({"type": "http.response.body", "body": part, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})
