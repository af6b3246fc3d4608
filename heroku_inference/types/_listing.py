"""A response that is a bare JSON array (``/available-models``, ``/v1/mcp/servers``), read
into ``data`` so it can carry its request id like every response."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Generic, TypeVar

import pydantic

from .._models import BaseModel, ResponseModel

__all__ = ["Listing"]

ItemT = TypeVar("ItemT", bound=BaseModel)

_WRAPPERS = ("data", "models", "servers", "items", "results")


class Listing(ResponseModel, Generic[ItemT]):
    """The items of a listing endpoint: iterate it, index it, or read ``data``.

    The server sends a JSON array; an object wrapping it (``{"data": [...]}``) is read too.
    """

    data: list[ItemT] = pydantic.Field(default_factory=list)

    @pydantic.model_validator(mode="before")
    @classmethod
    def _wrap(cls, value: Any) -> Any:
        if isinstance(value, list):
            return {"data": value}
        if isinstance(value, Mapping) and "data" not in value:
            for key in _WRAPPERS:
                if isinstance(value.get(key), list):
                    return {**value, "data": value[key]}
        return value

    def __iter__(self) -> Iterator[ItemT]:  # type: ignore[override]
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> ItemT:
        return self.data[index]
