"""The base for every response model: lenient, keeps what the server sends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

import pydantic
import pydantic_core

from ._rate_limits import RateLimits

__all__ = ["BaseModel", "Origin", "ResponseModel", "json_validator", "origin_of", "set_origin"]

M = TypeVar("M", bound=pydantic.BaseModel)
R = TypeVar("R", bound="ResponseModel")


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


class ResponseModel(BaseModel):
    """A whole response of an endpoint, which knows the request it came from.

    ``_request_id`` and ``_retries_taken`` (named as in the openai SDK, so they can never
    clash with a field the server sends) tell which request produced it and how many retries
    it took; ``_rate_limits`` holds its ``x-ratelimit-*`` headers, typed (``None`` when there
    were none). All are ``None`` for a response built from relayed data.
    """

    _request_id: str | None = pydantic.PrivateAttr(default=None)
    _retries_taken: int | None = pydantic.PrivateAttr(default=None)
    _rate_limits: RateLimits | None = pydantic.PrivateAttr(default=None)


def set_origin(
    response: R,
    *,
    request_id: str | None,
    retries_taken: int,
    rate_limits: RateLimits | None = None,
) -> R:
    """Record on ``response`` the request it came from; returns it."""
    response._request_id = request_id
    response._retries_taken = retries_taken
    response._rate_limits = rate_limits
    return response


class Origin(NamedTuple):
    """Where a response came from: what ``set_origin`` recorded."""

    request_id: str | None
    retries_taken: int | None
    rate_limits: RateLimits | None


def origin_of(response: ResponseModel) -> Origin:
    """What ``set_origin`` recorded on ``response``."""
    return Origin(response._request_id, response._retries_taken, response._rate_limits)


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
