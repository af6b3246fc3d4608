"""The ``heroku_inference`` logger: method, path, status, request id, retries. Never bodies,
headers or credentials.

``HEROKU_INFERENCE_LOG=info`` or ``=debug`` turns it on with a handler on stderr.
"""

from __future__ import annotations

import logging
import os

__all__ = ["logger", "setup_logging"]

logger = logging.getLogger("heroku_inference")

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}


def setup_logging() -> None:
    level = _LEVELS.get(os.environ.get("HEROKU_INFERENCE_LOG", "").strip().lower())
    if level is None or any(getattr(h, "_heroku_inference", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
    handler._heroku_inference = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)
