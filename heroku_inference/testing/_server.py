"""Serve the emulator over HTTP with uvicorn (the optional ``emulator`` extra).

```python
from heroku_inference.testing import Emulator
from heroku_inference.testing._server import serve

serve(Emulator(), host="127.0.0.1", port=8787)   # until Ctrl-C
```
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from .._exceptions import ConfigurationError
from ._asgi import INCOMPLETE_RESPONSE_LOG, create_app

if TYPE_CHECKING:
    import uvicorn

    from ._emulator import Emulator

__all__ = ["INSTALL_HINT", "build_server", "serve"]

INSTALL_HINT = "pip install 'heroku-inference[emulator]'"


def serve(emulator: Emulator, host: str = "127.0.0.1", port: int = 8787, **config: Any) -> None:
    """Serve ``emulator`` on ``http://host:port`` until interrupted.

    Bound to 127.0.0.1 by default: the emulator accepts any key, so keep it off the network.
    ``config`` goes to ``uvicorn.Config`` (e.g. ``log_level="warning"``).
    """
    build_server(emulator, host=host, port=port, **config).run()


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
