"""``client.rerank.create()``: documents ordered by relevance to a query (``POST /v1/rerank``).

Calls use the settings of the ``rerank`` family: ``RERANK_URL`` / ``RERANK_KEY`` /
``RERANK_MODEL_ID`` when the client was built from an environment that has them, the
client's own otherwise.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from typing_extensions import Unpack

from .._call_params import check_keywords
from .._config import Settings
from .._context import AsyncContext, SyncContext
from .._exceptions import ParameterError
from .._raw_response import RawResponse
from .._responses import parse_response
from .._telemetry import CallInfo
from .._transport import Call, Outcome
from ..types.rerank import RerankCreateParams, RerankResponse
from ._requests import build_call, check_integer, choose_model, known_keys, request_body, require

__all__ = [
    "MAX_DOCUMENTS",
    "AsyncRerank",
    "AsyncRerankWithRawResponse",
    "Rerank",
    "RerankWithRawResponse",
    "build_rerank_call",
]

FAMILY = "rerank"
PATH = "/v1/rerank"
MAX_DOCUMENTS = 1000
MODEL_VARIABLE = "RERANK_MODEL_ID"
_KNOWN = known_keys(RerankCreateParams)


def build_rerank_call(
    settings: Settings, params: Mapping[str, Any], *, method_name: str = "create"
) -> Call:
    """Check the keyword arguments and build the ``Call``: a query, 1 to 1000 documents
    (strings, or objects with a ``text`` string), a positive ``top_n``. Nothing is sent."""
    check_keywords(params, _KNOWN, method_name)
    require(params, ("query", "documents"), method_name)
    query = params["query"]
    if not isinstance(query, str):
        raise TypeError(f"{method_name}(): query must be a string, got {type(query).__name__}")
    documents = _checked_documents(params["documents"], method_name)
    check_integer(params, "top_n", 1, None, method_name)
    model = choose_model(settings, params, MODEL_VARIABLE)
    body = request_body(params, model=model, query=query, documents=documents)
    return build_call(
        settings,
        params,
        method="POST",
        path=PATH,
        body=body,
        method_name=method_name,
        telemetry=CallInfo("rerank", model, content=query),
    )


def _checked_documents(documents: object, method_name: str) -> list[Any]:
    if isinstance(documents, str | bytes | Mapping) or not isinstance(documents, Sequence):
        raise TypeError(
            f"{method_name}(): documents must be a list of strings or of objects with a "
            f"'text' string, got {type(documents).__name__}"
        )
    if not documents:
        raise ParameterError(f"{method_name}(): documents is empty", param="documents")
    if len(documents) > MAX_DOCUMENTS:
        raise ParameterError(
            f"{method_name}(): documents has {len(documents)} items; Heroku takes at most "
            f"{MAX_DOCUMENTS} (documents[{MAX_DOCUMENTS}] is the first too many)",
            param=f"documents[{MAX_DOCUMENTS}]",
        )
    for position, document in enumerate(documents):
        text = document.get("text") if isinstance(document, Mapping) else document
        if not isinstance(text, str):
            where = f"documents[{position}]" + (".text" if isinstance(document, Mapping) else "")
            raise TypeError(
                f"{method_name}(): {where} must be a string (a document is a string or an "
                f"object with a 'text' string), got {type(text).__name__}"
            )
    return list(documents)


def parse_rerank(outcome: Outcome) -> RerankResponse:
    """The typed response, results most relevant first."""
    return parse_response(outcome, RerankResponse, "a rerank response", marker="results")


class AsyncRerank:
    """``POST /v1/rerank`` on an ``AsyncClient``."""

    __slots__ = ("_context",)

    def __init__(self, context: AsyncContext) -> None:
        self._context = context

    async def create(self, **params: Unpack[RerankCreateParams]) -> RerankResponse:
        """Rank ``documents`` by relevance to ``query``, most relevant first.

        ```python
        docs = ["Dynos run apps", "Postgres stores data", "Redis caches"]
        ranked = await client.rerank.create(query="where is my data?", documents=docs, top_n=2)
        print(docs[ranked.results[0].index], ranked.results[0].relevance_score)
        ```
        """
        raw = await self._create(params)
        return raw.parse()

    @property
    def with_raw_response(self) -> AsyncRerankWithRawResponse:
        """The same methods, returning the HTTP response with ``parse()``."""
        return AsyncRerankWithRawResponse(self)

    async def _create(self, params: Any) -> RawResponse[RerankResponse]:
        settings = self._context.settings_for(FAMILY)
        call = build_rerank_call(settings, params)
        outcome = await self._context.driver.run(settings, call)
        return RawResponse(outcome, functools.partial(parse_rerank, outcome))


class Rerank:
    """``POST /v1/rerank`` on a ``Client``."""

    __slots__ = ("_context",)

    def __init__(self, context: SyncContext) -> None:
        self._context = context

    def create(self, **params: Unpack[RerankCreateParams]) -> RerankResponse:
        """Rank ``documents`` by relevance to ``query``, most relevant first.

        ```python
        ranked = client.rerank.create(query="where is my data?", documents=docs, top_n=2)
        ```
        """
        return self._create(params).parse()

    @property
    def with_raw_response(self) -> RerankWithRawResponse:
        """The same methods, returning the HTTP response with ``parse()``."""
        return RerankWithRawResponse(self)

    def _create(self, params: Any) -> RawResponse[RerankResponse]:
        settings = self._context.settings_for(FAMILY)
        call = build_rerank_call(settings, params)
        outcome = self._context.driver.run(settings, call)
        return RawResponse(outcome, functools.partial(parse_rerank, outcome))


class AsyncRerankWithRawResponse:
    """``client.rerank.with_raw_response`` on an ``AsyncClient``."""

    __slots__ = ("_rerank",)

    def __init__(self, rerank: AsyncRerank) -> None:
        self._rerank = rerank

    async def create(self, **params: Unpack[RerankCreateParams]) -> RawResponse[RerankResponse]:
        return await self._rerank._create(params)


class RerankWithRawResponse:
    """``client.rerank.with_raw_response`` on a ``Client``."""

    __slots__ = ("_rerank",)

    def __init__(self, rerank: Rerank) -> None:
        self._rerank = rerank

    def create(self, **params: Unpack[RerankCreateParams]) -> RawResponse[RerankResponse]:
        return self._rerank._create(params)
