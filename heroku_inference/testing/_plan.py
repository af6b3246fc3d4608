"""What the engine hands to a server: a response plan, and what it records of each request.

A ``Plan`` is a status, headers and a list of body parts. A part is bytes to send, a ``Delay``
to wait before the next part, or ``DISCONNECT`` to drop the connection there; a plan whose
first part is ``HANG`` sends nothing at all, not even its status line. The httpx
transport and the ASGI app each carry a plan out their own way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol, TypeAlias

import httpx

__all__ = [
    "DISCONNECT",
    "HANG",
    "Delay",
    "Disconnect",
    "Hang",
    "Part",
    "Plan",
    "PlanMaker",
    "RecordedRequest",
]


@dataclass(frozen=True, slots=True)
class Delay:
    """Wait this many seconds before sending the next part."""

    seconds: float


class Disconnect:
    """Drop the connection here, before the body is complete."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "DISCONNECT"


DISCONNECT: Final = Disconnect()


class Hang:
    """Send nothing, not even the status line, until the client gives up (first part only)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "HANG"


HANG: Final = Hang()

Part: TypeAlias = bytes | Delay | Disconnect | Hang


@dataclass(slots=True)
class Plan:
    """One response: status, headers, and the body as parts sent one after another."""

    status: int
    headers: list[tuple[str, str]]
    parts: list[Part] = field(default_factory=list)

    @property
    def body(self) -> bytes:
        """The body bytes of all parts (delays and the disconnect left out)."""
        return b"".join(part for part in self.parts if isinstance(part, bytes))


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """A request the emulator received, as it arrived.

    ``body`` is the parsed JSON body (``None`` when there is no body or it is not JSON);
    ``content`` is the raw bytes. ``headers`` is case-insensitive.
    """

    method: str
    path: str
    headers: httpx.Headers
    content: bytes
    body: Any = None

    @classmethod
    def of(cls, method: str, path: str, headers: httpx.Headers, content: bytes) -> RecordedRequest:
        body: Any = None
        if content:
            try:
                body = json.loads(content)
            except ValueError:
                body = None
        return cls(method=method.upper(), path=path, headers=headers, content=content, body=body)


class PlanMaker(Protocol):
    """What serves a plan for each request: the ``Emulator`` (the transport and the ASGI app
    need nothing else of it)."""

    def handle(
        self,
        method: str,
        path: str,
        headers: Sequence[tuple[str, str]] | Mapping[str, str] | httpx.Headers,
        content: bytes = b"",
    ) -> Plan: ...
