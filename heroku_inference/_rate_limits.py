"""``RateLimits``: the ``x-ratelimit-*`` headers of a response, typed.

Heroku sends OpenAI-style headers (reference section 4): the limits and what remains of them
for requests and tokens, and when each resets, as a duration such as ``51s``, ``1m30s`` or
``250ms``. Any of them may be missing; none of them ever makes parsing fail.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["RateLimits"]

PREFIX = "x-ratelimit-"

_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ms|us|µs|ns|h|m|s)")
_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")


def parse_duration(text: str | None) -> float | None:
    """Seconds in a duration header: ``51s``, ``1m30s``, ``1h2m3.5s``, ``250ms``, ``6m0s``, or
    a bare number of seconds (``51``, ``0.5``). ``None`` for anything else."""
    if text is None:
        return None
    text = text.strip().lower()
    if not text:
        return None
    if _NUMBER.fullmatch(text):
        return float(text)
    total = 0.0
    position = 0
    for match in _PART.finditer(text):
        if match.start() != position:
            return None
        total += float(match.group(1)) * _UNITS[match.group(2)]
        position = match.end()
    return total if position == len(text) else None


def _count(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        try:
            value = float(text.strip())
        except ValueError:
            return None
        return int(value) if value.is_integer() else None


@dataclass(frozen=True, slots=True)
class RateLimits:
    """The rate limits a response reported, from its ``x-ratelimit-*`` headers.

    Counts are integers, reset times are seconds from now (``float``); each is ``None`` when
    its header was missing or unreadable. ``headers`` keeps every ``x-ratelimit-*`` header as
    sent (names in lower case), including any this class does not know.

    ```python
    completion = await client.chat.completions.create(messages=messages)
    limits = completion._rate_limits  # None when the server sent no such headers
    if limits is not None and limits.remaining_requests == 0:
        await anyio.sleep(limits.reset_requests or 1)
    ```
    """

    limit_requests: int | None = None
    limit_tokens: int | None = None
    remaining_requests: int | None = None
    remaining_tokens: int | None = None
    reset_requests: float | None = None
    """Seconds until the request limit resets (``51s`` on the wire is ``51.0``)."""
    reset_tokens: float | None = None
    """Seconds until the token limit resets."""
    headers: Mapping[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimits | None:
        """The rate limits in ``headers`` (an ``httpx.Headers`` or any mapping), or ``None``
        when there is no ``x-ratelimit-*`` header at all."""
        found = {
            name.lower(): value
            for name, value in headers.items()
            if name.lower().startswith(PREFIX)
        }
        if not found:
            return None
        return cls(
            limit_requests=_count(found.get("x-ratelimit-limit-requests")),
            limit_tokens=_count(found.get("x-ratelimit-limit-tokens")),
            remaining_requests=_count(found.get("x-ratelimit-remaining-requests")),
            remaining_tokens=_count(found.get("x-ratelimit-remaining-tokens")),
            reset_requests=parse_duration(found.get("x-ratelimit-reset-requests")),
            reset_tokens=parse_duration(found.get("x-ratelimit-reset-tokens")),
            headers=found,
        )
