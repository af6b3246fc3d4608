"""``Frame``: one server-sent event as the relay produces it, and its bytes."""

from __future__ import annotations

import json
from dataclasses import dataclass

__all__ = ["Frame", "json_text"]


@dataclass(frozen=True, slots=True)
class Frame:
    """One server-sent event: an optional ``event`` name and one line of ``data``."""

    event: str | None
    data: str

    def encode(self) -> bytes:
        head = f"event: {self.event}\n" if self.event else ""
        return f"{head}data: {self.data}\n\n".encode()


def json_text(value: object) -> str:
    """``value`` as one line of JSON (newlines inside strings are escaped)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
