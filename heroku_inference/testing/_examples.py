"""Arguments that fit a JSON schema, made deterministically: what the emulated model sends
when ``tool_choice`` forces a tool (as ``parse()`` does).

References (``$ref`` into ``$defs``), unions, enums, constants, defaults, numeric bounds,
string lengths and common formats, and array lengths are honoured; ``pattern`` is not (no
string is guessed to match a regular expression).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["example_arguments"]

_MAX_DEPTH = 8
_FORMATS = {
    "date": "2024-01-01",
    "date-time": "2024-01-01T00:00:00Z",
    "time": "00:00:00",
    "email": "user@example.com",
    "uri": "https://example.com",
    "url": "https://example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "duration": "P1D",
}


def example_arguments(schema: object) -> dict[str, Any]:
    """An object that fits ``schema`` (a tool's parameters), e.g. ``{"city": "example"}``."""
    if not isinstance(schema, Mapping):
        return {}
    value = _Examples(schema).value(schema, 0)
    return value if isinstance(value, dict) else {}


class _Examples:
    def __init__(self, root: Mapping[str, Any]) -> None:
        defs = root.get("$defs", root.get("definitions"))
        self.defs: Mapping[str, Any] = defs if isinstance(defs, Mapping) else {}

    def value(self, schema: object, depth: int) -> Any:
        if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
            return None
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self.value(self.defs.get(ref.rsplit("/", 1)[-1]), depth + 1)
        if "const" in schema:
            return schema["const"]
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            return enum[0]
        if "default" in schema:
            return schema["default"]
        for key in ("anyOf", "oneOf", "allOf"):
            branches = schema.get(key)
            if isinstance(branches, list) and branches:
                typed = [
                    b for b in branches if not (isinstance(b, Mapping) and b.get("type") == "null")
                ]
                return self.value((typed or branches)[0], depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind == "object" or (kind is None and "properties" in schema):
            return self._object(schema, depth)
        if kind == "array":
            return self._array(schema, depth)
        if kind == "integer":
            return int(_number(schema, 1, step=1))
        if kind == "number":
            return _number(schema, 1.5, step=0.5)
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return _string(schema)

    def _object(self, schema: Mapping[str, Any], depth: int) -> dict[str, Any]:
        properties = schema.get("properties")
        if not isinstance(properties, Mapping):
            return {}
        required = schema.get("required")
        names = required if isinstance(required, list) else list(properties)
        return {str(name): self.value(properties.get(name), depth + 1) for name in names}

    def _array(self, schema: Mapping[str, Any], depth: int) -> list[Any]:
        count = max(int(schema.get("minItems") or 0), 1)
        most = schema.get("maxItems")
        if isinstance(most, int):
            count = min(count, most)
        item = self.value(schema.get("items"), depth + 1)
        if schema.get("uniqueItems") and isinstance(item, str):
            return [item] + [f"{item}{i}" for i in range(1, count)]
        if schema.get("uniqueItems") and isinstance(item, int) and not isinstance(item, bool):
            return [item + i for i in range(count)]
        return [item] * count


def _number(schema: Mapping[str, Any], value: float, *, step: float) -> float:
    low, high = schema.get("minimum"), schema.get("maximum")
    exclusive_low, exclusive_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if isinstance(exclusive_low, int | float):
        low = exclusive_low + step
    if isinstance(exclusive_high, int | float):
        high = exclusive_high - step
    if isinstance(low, int | float) and value < low:
        value = low
    if isinstance(high, int | float) and value > high:
        value = high
    multiple = schema.get("multipleOf")
    if isinstance(multiple, int | float) and multiple > 0:
        value = multiple * max(1, round(value / multiple))
    return value


def _string(schema: Mapping[str, Any]) -> str:
    text = _FORMATS.get(str(schema.get("format")), "example")
    shortest, longest = schema.get("minLength"), schema.get("maxLength")
    if isinstance(shortest, int) and len(text) < shortest:
        text = text + "x" * (shortest - len(text))
    if isinstance(longest, int) and len(text) > longest:
        text = text[:longest]
    return text
