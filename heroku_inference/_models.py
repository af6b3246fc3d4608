"""The base for every response model: lenient, keeps what the server sends."""

from __future__ import annotations

from typing import Any

import pydantic

__all__ = ["BaseModel"]


class BaseModel(pydantic.BaseModel):
    """A pydantic model that keeps unknown fields and builds its schema on first use.

    Unknown fields are kept as attributes (``extra="allow"``), so a field the server
    adds tomorrow is readable today: ``completion.choices[0].message.model_extra``.
    """

    model_config = pydantic.ConfigDict(extra="allow", defer_build=True, populate_by_name=True)

    def to_dict(self) -> dict[str, Any]:
        """The model as plain data, with only the fields that were set (as on the wire)."""
        return self.model_dump(mode="json", exclude_unset=True)

    def to_json(self, *, indent: int | None = 2) -> str:
        """The model as JSON, with only the fields that were set (as on the wire)."""
        return self.model_dump_json(indent=indent, exclude_unset=True)
