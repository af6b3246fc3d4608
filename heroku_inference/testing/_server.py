"""Serve the emulator over HTTP with uvicorn (the optional ``emulator`` extra).

```python
from heroku_inference.testing import Emulator
from heroku_inference.testing._server import serve

serve(Emulator(), host="127.0.0.1", port=8787)   # until Ctrl-C
```

The socket is bound and listening before uvicorn starts (``listen``), so a port that cannot be
had fails at once with a plain ``OSError``, and a caller can announce the URL knowing that it
already accepts connections.
"""

from __future__ import annotations

import logging
import socket
from typing import TYPE_CHECKING, Any

from .._exceptions import ConfigurationError
from ._asgi import INCOMPLETE_RESPONSE_LOG, create_app

if TYPE_CHECKING:
    import uvicorn

    from ._emulator import Emulator

__all__ = ["INSTALL_HINT", "build_server", "listen", "serve", "url_of"]

INSTALL_HINT = "pip install 'heroku-inference[emulator]'"
MAX_PORT = 65535


def serve(emulator: Emulator, host: str = "127.0.0.1", port: int = 8787, **config: Any) -> None:
    """Serve ``emulator`` on ``http://host:port`` until interrupted.

    Bound to 127.0.0.1 by default: the emulator accepts any key, so keep it off the network.
    ``config`` goes to ``uvicorn.Config`` (e.g. ``log_level="warning"``). A port out of range
    is a ``ValueError``, one in use an ``OSError``, both before uvicorn starts.
    """
    server = build_server(emulator, host=host, port=port, **config)
    sock = listen(host, port)
    with sock:
        server.run(sockets=[sock])


def listen(host: str = "127.0.0.1", port: int = 8787) -> socket.socket:
    """A TCP socket bound to ``host:port`` and listening (port 0: any free port).

    ``ValueError`` for a port outside 0-65535; ``OSError`` when the address cannot be had
    (in use, not local, unknown host).
    """
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= MAX_PORT:
        raise ValueError(f"port must be 0-{MAX_PORT}, got {port}")
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        # As uvicorn does: a restart may reuse a port whose old connections linger in
        # TIME_WAIT. A port another socket listens on stays refused.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen()
    except BaseException:
        sock.close()
        raise
    return sock


def url_of(sock: socket.socket) -> str:
    """``http://host:port`` of a bound socket (the real port when bound to port 0)."""
    host, port = sock.getsockname()[:2]
    if sock.family == socket.AF_INET6:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def build_server(
    emulator: Emulator, host: str = "127.0.0.1", port: int = 8787, **config: Any
) -> uvicorn.Server:
    """A ``uvicorn.Server`` for ``emulator``, not started (``.run()`` or ``.serve()`` it)."""
    try:
        import uvicorn
    except ImportError as exc:
        raise ConfigurationError(
            "Serving the emulator over HTTP needs uvicorn, which is not installed. "
            f"Install the extra: {INSTALL_HINT}"
        ) from exc
    config.setdefault("lifespan", "on")
    config.setdefault("ws", "none")
    config.setdefault("timeout_graceful_shutdown", 3)
    server = uvicorn.Server(uvicorn.Config(create_app(emulator), host=host, port=port, **config))
    _hide_deliberate_disconnects()
    return server


class _DeliberateDisconnects(logging.Filter):
    """Drops uvicorn's error line for responses the emulator cut short on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != INCOMPLETE_RESPONSE_LOG


def _hide_deliberate_disconnects() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DeliberateDisconnects) for f in logger.filters):
        logger.addFilter(_DeliberateDisconnects())
