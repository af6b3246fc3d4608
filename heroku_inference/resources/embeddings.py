"""``client.embeddings``: vectors for texts, one request or any number in batches.

Calls use the settings of the ``embeddings`` family: ``EMBEDDING_URL`` / ``EMBEDDING_KEY`` /
``EMBEDDING_MODEL_ID`` when the client was built from an environment that has them, the
client's own otherwise.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import anyio
from typing_extensions import Unpack

from .._call_params import checked_concurrency
from .._config import Settings
from .._context import AsyncContext, SyncContext
from .._raw_response import RawResponse
from .._transport import Call
from ..types.embeddings import CreateEmbeddingResponse, EmbeddingBatchParams, EmbeddingCreateParams
from ._embeddings_call import (
    MAX_INPUTS,
    batches,
    build_embeddings_call,
    checked_inputs,
    merge_embeddings,
    parse_embeddings,
)

__all__ = [
    "AsyncEmbeddings",
    "AsyncEmbeddingsWithRawResponse",
    "Embeddings",
    "EmbeddingsWithRawResponse",
]

FAMILY = "embeddings"
DEFAULT_CONCURRENCY = 4


class AsyncEmbeddings:
    """``POST /v1/embeddings`` on an ``AsyncClient``."""

    __slots__ = ("_context",)

    def __init__(self, context: AsyncContext) -> None:
        self._context = context

    async def create(self, **params: Unpack[EmbeddingCreateParams]) -> CreateEmbeddingResponse:
        """Embed at most 96 texts of at most 2048 characters each (checked before sending).

        ```python
        response = await client.embeddings.create(
            input=["Heroku is a platform", "for apps"], input_type="search_document",
        )
        vector = response.data[0].embedding
        ```
        """
        raw = await self._create(params)
        return raw.parse()

    async def create_batched(
        self,
        *,
        input: Sequence[str],
        batch_size: int = MAX_INPUTS,
        max_concurrency: int = DEFAULT_CONCURRENCY,
        **params: Unpack[EmbeddingBatchParams],
    ) -> CreateEmbeddingResponse:
        """Embed any number of texts: requests of ``batch_size`` inputs, at most
        ``max_concurrency`` at a time, merged into one response in input order with the usage
        summed. Every input is checked before anything is sent; the first failure cancels the
        requests still running and is raised.
        """
        concurrency = checked_concurrency(max_concurrency, "create_batched")
        settings = self._context.settings_for(FAMILY)
        spans, calls = _plan(settings, input, batch_size, params)
        driver = self._context.driver
        results: list[CreateEmbeddingResponse | None] = [None] * len(calls)
        pending = iter(range(len(calls)))
        failure: list[BaseException] = []

        async def work(scope: anyio.CancelScope) -> None:
            for position in pending:
                try:
                    outcome = await driver.run(settings, calls[position])
                    results[position] = parse_embeddings(outcome, params)
                except Exception as error:
                    failure.append(error)
                    scope.cancel()
                    return

        async with anyio.create_task_group() as tasks:
            for _ in range(min(concurrency, len(calls))):
                tasks.start_soon(work, tasks.cancel_scope)
        if failure:
            raise failure[0]
        return merge_embeddings([r for r in results if r is not None], spans)

    @property
    def with_raw_response(self) -> AsyncEmbeddingsWithRawResponse:
        """The same methods, returning the HTTP response with ``parse()``."""
        return AsyncEmbeddingsWithRawResponse(self)

    async def _create(self, params: Any) -> RawResponse[CreateEmbeddingResponse]:
        settings = self._context.settings_for(FAMILY)
        call = build_embeddings_call(settings, params)
        outcome = await self._context.driver.run(settings, call)
        return RawResponse(outcome, functools.partial(parse_embeddings, outcome, params))


class Embeddings:
    """``POST /v1/embeddings`` on a ``Client``."""

    __slots__ = ("_context",)

    def __init__(self, context: SyncContext) -> None:
        self._context = context

    def create(self, **params: Unpack[EmbeddingCreateParams]) -> CreateEmbeddingResponse:
        """Embed at most 96 texts of at most 2048 characters each (checked before sending).

        ```python
        response = client.embeddings.create(input=["Heroku is a platform", "for apps"])
        vector = response.data[0].embedding
        ```
        """
        return self._create(params).parse()

    def create_batched(
        self,
        *,
        input: Sequence[str],
        batch_size: int = MAX_INPUTS,
        max_concurrency: int = DEFAULT_CONCURRENCY,
        **params: Unpack[EmbeddingBatchParams],
    ) -> CreateEmbeddingResponse:
        """Embed any number of texts: requests of ``batch_size`` inputs, sent one after
        another (``max_concurrency`` is checked and otherwise unused: the sync client starts
        no threads), merged into one response in input order with the usage summed. Every
        input is checked before anything is sent.
        """
        checked_concurrency(max_concurrency, "create_batched")
        settings = self._context.settings_for(FAMILY)
        spans, calls = _plan(settings, input, batch_size, params)
        driver = self._context.driver
        parts = [parse_embeddings(driver.run(settings, call), params) for call in calls]
        return merge_embeddings(parts, spans)

    @property
    def with_raw_response(self) -> EmbeddingsWithRawResponse:
        """The same methods, returning the HTTP response with ``parse()``."""
        return EmbeddingsWithRawResponse(self)

    def _create(self, params: Any) -> RawResponse[CreateEmbeddingResponse]:
        settings = self._context.settings_for(FAMILY)
        call = build_embeddings_call(settings, params)
        outcome = self._context.driver.run(settings, call)
        return RawResponse(outcome, functools.partial(parse_embeddings, outcome, params))


class AsyncEmbeddingsWithRawResponse:
    """``client.embeddings.with_raw_response`` on an ``AsyncClient``."""

    __slots__ = ("_embeddings",)

    def __init__(self, embeddings: AsyncEmbeddings) -> None:
        self._embeddings = embeddings

    async def create(
        self, **params: Unpack[EmbeddingCreateParams]
    ) -> RawResponse[CreateEmbeddingResponse]:
        return await self._embeddings._create(params)


class EmbeddingsWithRawResponse:
    """``client.embeddings.with_raw_response`` on a ``Client``."""

    __slots__ = ("_embeddings",)

    def __init__(self, embeddings: Embeddings) -> None:
        self._embeddings = embeddings

    def create(
        self, **params: Unpack[EmbeddingCreateParams]
    ) -> RawResponse[CreateEmbeddingResponse]:
        return self._embeddings._create(params)


def _plan(
    settings: Settings, inputs: Sequence[str], batch_size: int, params: Any
) -> tuple[list[range], list[Call]]:
    """The batches and their calls, every input and keyword checked before anything is sent."""
    if "input" in params:
        raise TypeError("create_batched() got 'input' twice")
    if isinstance(inputs, str):
        raise TypeError("create_batched(): input must be a list of strings, not one string")
    texts = checked_inputs(inputs, "create_batched")
    spans = batches(len(texts), batch_size)
    calls = [
        build_embeddings_call(
            settings,
            {**params, "input": texts[span.start : span.stop]},
            method_name="create_batched",
        )
        for span in spans
    ]
    return spans, calls
