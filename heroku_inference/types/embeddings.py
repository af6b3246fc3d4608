"""``POST /v1/embeddings``: what a caller sends and the typed response.

Heroku documents the response as OpenAI's list of ``{"object": "embedding", "index",
"embedding"}``; how ``base64`` and ``int8``-like vectors look is not documented, so every
plausible form is read (see ``CreateEmbeddingResponse``), and ``embedding`` is always a list
of numbers.
"""

from __future__ import annotations

import base64
import binascii
import sys
from array import array
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeAlias

import pydantic
from typing_extensions import Required

from .._models import BaseModel, ResponseModel
from .chat_params import RequestOptions

__all__ = [
    "CreateEmbeddingResponse",
    "Embedding",
    "EmbeddingBatchParams",
    "EmbeddingCreateParams",
    "EmbeddingInputType",
    "EmbeddingType",
    "EmbeddingUsage",
    "EncodingFormat",
    "Truncate",
]

EmbeddingInputType: TypeAlias = Literal[
    "search_document", "search_query", "classification", "clustering"
]
EncodingFormat: TypeAlias = Literal["raw", "base64"]
EmbeddingType: TypeAlias = Literal["float", "int8", "uint8", "binary", "ubinary"]
Truncate: TypeAlias = Literal["NONE", "START", "END"]

_TYPECODES = {"float": "f", "int8": "b", "binary": "b", "uint8": "B", "ubinary": "B"}


class EmbeddingBatchParams(RequestOptions, total=False):
    """The keyword arguments of ``embeddings.create_batched()`` besides ``input``."""

    model: str | None
    """The model ID; ``None`` or absent: ``EMBEDDING_MODEL_ID`` (or the client's model)."""
    input_type: EmbeddingInputType
    """What the text is for; Heroku's default is ``search_document``."""
    encoding_format: EncodingFormat
    """``base64`` makes the response smaller on the wire; the SDK decodes it to numbers."""
    embedding_type: EmbeddingType
    """``float`` (the default) or a compressed form: ``int8``, ``uint8``, or bits packed eight
    to a number (``binary`` signed, ``ubinary`` unsigned)."""
    truncate: Truncate
    """How an input longer than the model takes is cut."""
    allow_ignored_params: bool


class EmbeddingCreateParams(EmbeddingBatchParams, total=False):
    """The keyword arguments of ``embeddings.create()``."""

    input: Required[str | Sequence[str]]
    """A string, or at most 96 strings; each at most 2048 characters (under 512 tokens is
    best). ``create_batched()`` takes any number."""


class EmbeddingUsage(BaseModel):
    prompt_tokens: int = 0
    total_tokens: int = 0


class Embedding(BaseModel):
    """One input's vector; ``index`` is the input's position in the request."""

    object: str = "embedding"
    index: int = 0
    embedding: list[float | int] = pydantic.Field(default_factory=list)
    """The vector: floats, or whole numbers for the integer and binary embedding types
    (decoded from base64 when it came so)."""

    @pydantic.field_validator("embedding", mode="wrap")
    @classmethod
    def _numbers(
        cls,
        value: Any,
        handler: pydantic.ValidatorFunctionWrapHandler,
        info: pydantic.ValidationInfo,
    ) -> Any:
        value = pick_type(value, requested_type(info.context))
        if isinstance(value, str):  # decoded numbers need no second check
            return decode_base64_vector(value, requested_type(info.context))
        return handler(value)


class CreateEmbeddingResponse(ResponseModel):
    """The vectors of a request, in input order, and the tokens it used.

    ```python
    response = await client.embeddings.create(input=["a", "b"], input_type="search_query")
    vectors = [item.embedding for item in response.data]
    ```

    Besides OpenAI's shape, a response carrying the vectors as ``embeddings`` (a list, or a
    ``{type: vectors}`` dict as Cohere sends) is read into ``data`` too.
    """

    object: str = "list"
    data: list[Embedding] = pydantic.Field(default_factory=list)
    model: str = ""
    usage: EmbeddingUsage | None = None

    @pydantic.model_validator(mode="before")
    @classmethod
    def _data(cls, value: Any, info: pydantic.ValidationInfo) -> Any:
        if not isinstance(value, Mapping) or "data" in value or "embeddings" not in value:
            return value
        vectors = pick_type(value["embeddings"], requested_type(info.context))
        if not isinstance(vectors, list):
            return value
        data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)]
        return {**value, "data": data}


def requested_type(context: Any) -> str:
    """The ``embedding_type`` the request asked for (``float`` when unknown)."""
    if isinstance(context, Mapping):
        kind = context.get("embedding_type")
        if isinstance(kind, str):
            return kind
    return "float"


def pick_type(value: Any, embedding_type: str) -> Any:
    """From a ``{type: value}`` dict, the requested type's value (or the only one)."""
    if not isinstance(value, Mapping):
        return value
    for key in (embedding_type, f"{embedding_type}_"):  # Cohere's SDK spells float "float_"
        if key in value:
            return value[key]
    return next(iter(value.values())) if len(value) == 1 else value


def decode_base64_vector(text: str, embedding_type: str = "float") -> list[float | int]:
    """Base64 text to numbers, assuming the layout OpenAI's and Cohere's APIs use: little-endian
    float32 for ``float``; one signed byte per number for ``int8`` and ``binary``; one unsigned
    byte for ``uint8`` and ``ubinary`` (binary types pack eight dimensions per byte)."""
    typecode = _TYPECODES.get(embedding_type)
    if typecode is None:
        raise ValueError(f"cannot decode a base64 embedding of type {embedding_type!r}")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"the embedding is a string but not base64: {exc}") from None
    numbers: array[Any] = array(typecode)
    if len(raw) % numbers.itemsize:
        raise ValueError(
            f"a base64 {embedding_type} embedding of {len(raw)} bytes is not whole "
            f"{numbers.itemsize}-byte numbers"
        )
    numbers.frombytes(raw)
    if numbers.itemsize > 1 and sys.byteorder == "big":
        numbers.byteswap()
    vector: list[float | int] = numbers.tolist()
    return vector
