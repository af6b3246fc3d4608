"""The base for every response model: lenient, keeps what the server sends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pydantic
import pydantic_core

__all__ = ["BaseModel", "json_validator"]

M = TypeVar("M", bound=pydantic.BaseModel)


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


def json_validator(model: type[M]) -> Callable[[str | bytes], M]:
    """``model.model_validate_json`` without its Python wrapper, for hot paths.

    Builds the model's schema first if it was deferred (``defer_build``).
    """
    if not isinstance(model.__pydantic_validator__, pydantic_core.SchemaValidator):
        model.model_validate({})  # builds the deferred schema through pydantic's own path
    validator = model.__pydantic_validator__
    assert isinstance(validator, pydantic_core.SchemaValidator)
    validate: Callable[[str | bytes], M] = validator.validate_json
    return validate
