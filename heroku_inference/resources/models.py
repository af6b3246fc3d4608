"""``client.models.list()``: the models Heroku offers (``GET /available-models``)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from typing_extensions import Unpack

from .._call_params import check_keywords
from .._config import Settings
from .._context import AsyncContext, SyncContext
from .._raw_response import RawResponse
from .._responses import parse_response
from .._transport import Call, Outcome
from ..types.chat_params import RequestOptions
from ..types.models import ModelList
from ._requests import build_call, known_keys

__all__ = ["AsyncModels", "AsyncModelsWithRawResponse", "Models", "ModelsWithRawResponse"]

PATH = "/available-models"
_KNOWN = known_keys(RequestOptions)
_REFUSED = {"extra_body": "list() sends no body."}


def build_list_call(
    settings: Settings, params: Mapping[str, Any], path: str, method_name: str = "list"
) -> Call:
    """A ``GET`` of a listing endpoint, with this call's options; nothing is sent."""
    check_keywords(params, _KNOWN - {"extra_body"}, method_name, refused=_REFUSED)
    return build_call(settings, params, method="GET", path=path, body=None, method_name=method_name)


def parse_models(outcome: Outcome) -> ModelList:
    return parse_response(outcome, ModelList, "a list of models", marker="data")


class AsyncModels:
    """``GET /available-models`` on an ``AsyncClient``."""

    __slots__ = ("_context",)

    def __init__(self, context: AsyncContext) -> None:
        self._context = context

    async def list(self, **options: Unpack[RequestOptions]) -> ModelList:
        """Every model Heroku offers, with its type and regions.

        ```python
        models = await client.models.list()
        print([m.model_id for m in models.of_type("text-to-embedding")])
        ```
        """
        raw = await self._list(options)
        return raw.parse()

    @property
    def with_raw_response(self) -> AsyncModelsWithRawResponse:
        """The same methods, returning the HTTP response with ``parse()``."""
        return AsyncModelsWithRawResponse(self)

    async def _list(self, options: Any) -> RawResponse[ModelList]:
        settings = self._context.settings
        outcome = await self._context.driver.run(settings, build_list_call(settings, options, PATH))
        return RawResponse(outcome, functools.partial(parse_models, outcome))


class Models:
    """``GET /available-models`` on a ``Client``."""

    __slots__ = ("_context",)

    def __init__(self, context: SyncContext) -> None:
        self._context = context

    def list(self, **options: Unpack[RequestOptions]) -> ModelList:
        """Every model Heroku offers, with its type and regions.

        ```python
        for model in client.models.list():
            print(model.model_id, model.type)
        ```
        """
        return self._list(options).parse()

    @property
    def with_raw_response(self) -> ModelsWithRawResponse:
        """The same methods, returning the HTTP response with ``parse()``."""
        return ModelsWithRawResponse(self)

    def _list(self, options: Any) -> RawResponse[ModelList]:
        settings = self._context.settings
        outcome = self._context.driver.run(settings, build_list_call(settings, options, PATH))
        return RawResponse(outcome, functools.partial(parse_models, outcome))


class AsyncModelsWithRawResponse:
    """``client.models.with_raw_response`` on an ``AsyncClient``."""

    __slots__ = ("_models",)

    def __init__(self, models: AsyncModels) -> None:
        self._models = models

    async def list(self, **options: Unpack[RequestOptions]) -> RawResponse[ModelList]:
        return await self._models._list(options)


class ModelsWithRawResponse:
    """``client.models.with_raw_response`` on a ``Client``."""

    __slots__ = ("_models",)

    def __init__(self, models: Models) -> None:
        self._models = models

    def list(self, **options: Unpack[RequestOptions]) -> RawResponse[ModelList]:
        return self._models._list(options)
