"""The ``heroku_inference`` logger: method, path, status, request id, retries. Never bodies,
headers or credentials.

``HEROKU_INFERENCE_LOG=info`` or ``=debug`` turns it on with a handler on stderr; ``off`` or
unset leaves it off. Any other value is reported once, as a warning on this logger (printed
to stderr by logging's last-resort handler when the application configured no logging).
"""

from __future__ import annotations

import logging
import os
import threading

__all__ = ["VARIABLE", "logger", "setup_logging"]

VARIABLE = "HEROKU_INFERENCE_LOG"

logger = logging.getLogger("heroku_inference")

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}
_OFF = ("", "off")
_VALID = "debug, info or off"
_reported: set[str] = set()
_reported_lock = threading.Lock()


def setup_logging() -> None:
    value = os.environ.get(VARIABLE, "").strip()
    if value.lower() in _OFF:
        return
    level = _LEVELS.get(value.lower())
    if level is None:
        _report_unknown(value)
        return
    if any(getattr(h, "_heroku_inference", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
    handler._heroku_inference = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)


def _report_unknown(value: str) -> None:
    """Once per value and process: every client built would otherwise repeat it."""
    with _reported_lock:
        if value in _reported:
            return
        _reported.add(value)
    logger.warning("heroku_inference: %s=%r is not a log level; use %s", VARIABLE, value, _VALID)
