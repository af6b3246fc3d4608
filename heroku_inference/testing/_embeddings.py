"""``POST /v1/embeddings`` emulated: Heroku's checks, and deterministic vectors.

The same model, input type and text always give the same unit vector (1024 dimensions; 1536
for ``cohere-embed-v4``), drawn from a hash of the three. ``embedding_type`` quantizes it
(``int8`` -127..127, ``uint8`` 0..255, ``binary``/``ubinary`` one bit per dimension packed
eight to a byte, signed or not) and ``encoding_format: "base64"`` sends the bytes (float32
little-endian for ``float``) as base64: the layout the SDK decodes.
"""

from __future__ import annotations

import base64
import hashlib
import math
import sys
from array import array
from collections.abc import Mapping
from typing import Any

from ._catalog import Catalog
from ._checks import bad, check_body, check_choice, check_model
from ._errors import ErrorReply

__all__ = ["DIMENSIONS", "SUPPORTED_EMBEDDING_PARAMS", "embeddings_answer", "validate_embeddings"]

SUPPORTED_EMBEDDING_PARAMS = frozenset(
    {
        "model",
        "input",
        "input_type",
        "encoding_format",
        "embedding_type",
        "truncate",
        "allow_ignored_params",
    }
)
MAX_INPUTS = 96
MAX_CHARACTERS = 2048
DIMENSIONS = {"cohere-embed-v4": 1536}
DEFAULT_DIMENSIONS = 1024
_CHOICES = (
    ("input_type", ("search_document", "search_query", "classification", "clustering")),
    ("encoding_format", ("raw", "base64")),
    ("embedding_type", ("float", "int8", "uint8", "binary", "ubinary")),
    ("truncate", ("NONE", "START", "END")),
)


def validate_embeddings(body: Any, catalog: Catalog) -> ErrorReply | None:
    """The error Heroku would answer for this body, or ``None``: known fields, a model of
    the embedding kind, 1 to 96 inputs of at most 2048 characters, the enumerations."""
    problem = check_body(body, SUPPORTED_EMBEDDING_PARAMS)
    if problem is not None:
        return problem
    if body.get("input") is None:
        return bad("'input' field is required")
    texts = body["input"]
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, list) or not texts:
        return bad("'input' must be a string or a non-empty array of strings")
    if len(texts) > MAX_INPUTS:
        return bad(f"'input' may hold at most {MAX_INPUTS} strings, got {len(texts)}")
    for position, text in enumerate(texts):
        if not isinstance(text, str):
            return bad(f"input[{position}] must be a string")
        if len(text) > MAX_CHARACTERS:
            return bad(f"input[{position}] is longer than {MAX_CHARACTERS} characters")
    for name, choices in _CHOICES:
        problem = check_choice(body, name, choices)
        if problem is not None:
            return problem
    return check_model(body, catalog, "text-to-embedding")


def embeddings_answer(body: Mapping[str, Any]) -> dict[str, Any]:
    """The response to a valid body."""
    model = str(body["model"])
    texts = [body["input"]] if isinstance(body["input"], str) else list(body["input"])
    input_type = str(body.get("input_type", "search_document"))
    kind = str(body.get("embedding_type", "float"))
    as_base64 = body.get("encoding_format") == "base64"
    dimensions = DIMENSIONS.get(model, DEFAULT_DIMENSIONS)
    data = []
    for index, text in enumerate(texts):
        vector = unit_vector(f"{model}\x00{input_type}\x00{text}", dimensions)
        numbers, typecode = quantized(vector, kind)
        embedding: Any = _base64(numbers, typecode) if as_base64 else numbers
        data.append({"object": "embedding", "index": index, "embedding": embedding})
    tokens = sum(max(1, math.ceil(len(text) / 4)) for text in texts)
    return {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def unit_vector(key: str, dimensions: int) -> list[float]:
    """A deterministic vector of length 1 for ``key``."""
    raw = hashlib.shake_256(key.encode()).digest(2 * dimensions)
    values = array("h", raw)
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [round(v / norm, 6) for v in values]


def quantized(vector: list[float], kind: str) -> tuple[list[Any], str]:
    """``vector`` as the numbers of ``kind``, and the array typecode of their bytes."""
    if kind == "int8":
        top = max(abs(v) for v in vector) or 1.0
        return [round(v / top * 127) for v in vector], "b"
    if kind == "uint8":
        top = max(abs(v) for v in vector) or 1.0
        return [round((v / top + 1) * 127.5) for v in vector], "B"
    if kind in ("binary", "ubinary"):
        packed = []
        for start in range(0, len(vector), 8):
            byte = 0
            for bit, value in enumerate(vector[start : start + 8]):
                if value > 0:
                    byte |= 0x80 >> bit
            packed.append(byte - 256 if kind == "binary" and byte > 127 else byte)
        return packed, "b" if kind == "binary" else "B"
    return vector, "f"


def _base64(numbers: list[Any], typecode: str) -> str:
    values = array(typecode, numbers)
    if values.itemsize > 1 and sys.byteorder == "big":
        values.byteswap()
    return base64.b64encode(values.tobytes()).decode()
