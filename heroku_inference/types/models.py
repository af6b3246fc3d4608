"""``GET /available-models``: the models Heroku offers, typed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeAlias

import pydantic

from .._models import BaseModel
from ._listing import Listing

__all__ = ["ModelInfo", "ModelList", "ModelType"]

ModelType: TypeAlias = (
    Literal["text-to-text", "text-to-embedding", "text-to-image", "text-to-ranking"] | str
)
"""What a model does: chat, embeddings, images, rerank; any other string is kept as it is."""


class ModelInfo(BaseModel):
    """One model: its ID, what it does (``type``) and where it runs (``regions``)."""

    model_id: str = ""
    type: list[ModelType] = pydantic.Field(default_factory=list)
    regions: list[str] = pydantic.Field(default_factory=list)

    @pydantic.model_validator(mode="before")
    @classmethod
    def _one_type(cls, value: Any) -> Any:
        # A single type as a string reads as a list of one.
        if isinstance(value, Mapping) and isinstance(value.get("type"), str):
            return {**value, "type": [value["type"]]}
        return value


class ModelList(Listing[ModelInfo]):
    """``client.models.list()``: every model, in the server's order.

    ```python
    models = await client.models.list()
    embedders = [m.model_id for m in models if "text-to-embedding" in m.type]
    ```
    """

    def of_type(self, model_type: ModelType) -> list[ModelInfo]:
        """The models of one type, e.g. ``"text-to-embedding"``."""
        return [model for model in self.data if model_type in model.type]
