"""Small pieces the accumulator builds with: fragments joined late, unknown fields merged."""

from __future__ import annotations

from typing import Any

import pydantic_core

__all__ = ["Parts", "TextPart", "joined", "merge_extra", "parse_json"]


class Parts(list[str]):
    """String fragments of an unknown field, joined when a completion is built."""

    __slots__ = ()


def merge_extra(store: dict[str, Any], extra: dict[str, Any], *, concat: bool) -> None:
    """Merge a delta's unknown fields into ``store``.

    Strings concatenate (when ``concat``), anything else replaces the old value, and ``None``
    never erases a value that arrived earlier.
    """
    for key, value in extra.items():
        if value is None:
            store.setdefault(key, None)
        elif concat and isinstance(value, str):
            parts = store.get(key)
            if isinstance(parts, Parts):
                parts.append(value)
            else:
                store[key] = Parts((value,))
        else:
            store[key] = value


def joined(store: dict[str, Any]) -> dict[str, Any]:
    """``store`` with its ``Parts`` joined into strings."""
    return {k: "".join(v) if isinstance(v, Parts) else v for k, v in store.items()}


def parse_json(text: str) -> object | None:
    """``text`` as JSON, or ``None`` when it is not valid JSON."""
    try:
        value: object = pydantic_core.from_json(text)
    except ValueError:
        return None
    return value


class TextPart:
    """One text field of a choice (content, refusal): its fragments and its events.

    ``fragments`` is ``None`` until a fragment (even ``""``) arrives; ``done`` is set once its
    ``.done`` event has been owed.
    """

    __slots__ = ("delta_event", "done", "done_event", "fragments")

    def __init__(self, delta_event: Any, done_event: Any) -> None:
        self.fragments: list[str] | None = None
        self.done = False
        self.delta_event = delta_event
        """The event class of a fragment, built as ``delta_event(choice_index, text)``."""
        self.done_event = done_event
        """The event class of the whole text, built as ``done_event(choice_index, text)``."""

    def text(self) -> str | None:
        return None if self.fragments is None else "".join(self.fragments)
