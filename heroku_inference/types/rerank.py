"""``POST /v1/rerank``: Cohere's rerank format, typed.

Results are ordered by relevance, most relevant first (the SDK sorts them, should a server
not); each names the document by its ``index`` in the request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pydantic
from typing_extensions import Required, TypedDict

from .._models import BaseModel, ResponseModel
from .chat_params import RequestOptions

__all__ = [
    "RerankBilledUnits",
    "RerankCreateParams",
    "RerankDocumentParam",
    "RerankMeta",
    "RerankResponse",
    "RerankResult",
]


class RerankDocumentParam(TypedDict, total=False):
    """A document as an object: its ``text``, and any fields of your own."""

    text: Required[str]


class RerankCreateParams(RequestOptions, total=False):
    """The keyword arguments of ``rerank.create()``."""

    query: Required[str]
    documents: Required[Sequence[str | RerankDocumentParam]]
    """At most 1000: strings, or objects with a ``text`` field."""
    top_n: int
    """How many results to return (all by default)."""
    model: str | None
    """The model ID; ``None`` or absent: ``RERANK_MODEL_ID`` (or the client's model)."""


class RerankResult(BaseModel):
    """A document's place: its ``index`` in the request and its ``relevance_score``."""

    index: int = 0
    relevance_score: float = 0.0
    document: Any = None
    """The document itself, when the server returns it."""

    @pydantic.model_validator(mode="before")
    @classmethod
    def _score_alias(cls, value: Any) -> Any:
        # Some rerank APIs call the score ``score``.
        if isinstance(value, Mapping) and "relevance_score" not in value and "score" in value:
            return {**value, "relevance_score": value["score"]}
        return value


class RerankBilledUnits(BaseModel):
    search_units: float | None = None


class RerankMeta(BaseModel):
    api_version: dict[str, Any] | None = None
    billed_units: RerankBilledUnits | None = None


class RerankResponse(ResponseModel):
    """Ranked documents, most relevant first.

    ```python
    ranked = await client.rerank.create(query="q", documents=docs, top_n=2)
    best = docs[ranked.results[0].index]
    ```
    """

    id: str | None = None
    results: list[RerankResult] = pydantic.Field(default_factory=list)
    meta: RerankMeta | None = None

    @pydantic.model_validator(mode="before")
    @classmethod
    def _results_alias(cls, value: Any) -> Any:
        # Some rerank APIs call the list ``data``.
        if isinstance(value, Mapping) and "results" not in value and "data" in value:
            return {**value, "results": value["data"]}
        return value

    @pydantic.model_validator(mode="after")
    def _by_relevance(self) -> RerankResponse:
        # Stable: results with the same score keep the server's order.
        self.results.sort(key=lambda result: result.relevance_score, reverse=True)
        return self
