"""Defaults of the tool runner and ``parse()``, importable without importing them."""

from __future__ import annotations

__all__ = ["DEFAULT_MAX_CONCURRENCY", "DEFAULT_MAX_ROUNDS", "DEFAULT_OUTPUT_RETRIES"]

DEFAULT_MAX_ROUNDS = 8
"""Model calls a tool run may make before ``MaxRoundsExceeded``."""
DEFAULT_MAX_CONCURRENCY = 8
"""Tool calls of one round run at once, at most (``AsyncClient``)."""
DEFAULT_OUTPUT_RETRIES = 1
"""Times ``parse()`` asks again after an answer that does not validate."""
