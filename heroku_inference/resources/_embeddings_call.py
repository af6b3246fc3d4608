"""Embeddings without I/O: keyword arguments to ``Call``s (Heroku's limits checked first), a
response to a model, and batches merged back into one response."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, get_args

from .._call_params import check_keywords
from .._config import Settings
from .._exceptions import ParameterError
from .._models import origin_of, set_origin
from .._responses import parse_response
from .._telemetry import CallInfo
from .._transport import Call, Outcome
from ..types.embeddings import (
    CreateEmbeddingResponse,
    Embedding,
    EmbeddingCreateParams,
    EmbeddingInputType,
    EmbeddingType,
    EmbeddingUsage,
    EncodingFormat,
    Truncate,
)
from ._requests import (
    build_call,
    check_choice,
    check_length,
    choose_model,
    known_keys,
    request_body,
    require,
)

__all__ = [
    "MAX_INPUTS",
    "MAX_INPUT_CHARACTERS",
    "PATH",
    "batches",
    "build_embeddings_call",
    "checked_inputs",
    "merge_embeddings",
    "parse_embeddings",
]

PATH = "/v1/embeddings"
MAX_INPUTS = 96
MAX_INPUT_CHARACTERS = 2048
MODEL_VARIABLE = "EMBEDDING_MODEL_ID"
_KNOWN = known_keys(EmbeddingCreateParams)
_CHOICES = (
    ("input_type", get_args(EmbeddingInputType)),
    ("encoding_format", get_args(EncodingFormat)),
    ("embedding_type", get_args(EmbeddingType)),
    ("truncate", get_args(Truncate)),
)


def checked_inputs(inputs: object, method_name: str, *, offset: int = 0) -> list[str]:
    """``input`` as a list of strings of at most 2048 characters each; errors name the index
    (``offset`` is added to it: the batch's place in the caller's list)."""
    if isinstance(inputs, str):
        return [check_length(inputs, MAX_INPUT_CHARACTERS, "input", method_name)]
    if isinstance(inputs, bytes | Mapping) or not isinstance(inputs, Sequence):
        raise TypeError(
            f"{method_name}(): input must be a string or a list of strings, "
            f"got {type(inputs).__name__}"
        )
    return [
        check_length(text, MAX_INPUT_CHARACTERS, f"input[{offset + i}]", method_name)
        for i, text in enumerate(inputs)
    ]


def build_embeddings_call(
    settings: Settings, params: Mapping[str, Any], *, method_name: str = "create"
) -> Call:
    """Check the keyword arguments against Heroku's limits and build the ``Call``; nothing
    is sent. At most 96 inputs of at most 2048 characters; the enumerations as documented."""
    check_keywords(params, _KNOWN, method_name)
    require(params, ("input",), method_name)
    inputs = checked_inputs(params["input"], method_name)
    if not inputs:
        raise ParameterError(f"{method_name}(): input is empty", param="input")
    if len(inputs) > MAX_INPUTS:
        raise ParameterError(
            f"{method_name}(): input has {len(inputs)} strings; Heroku takes at most "
            f"{MAX_INPUTS} per request (input[{MAX_INPUTS}] is the first too many). "
            "embeddings.create_batched() sends any number in batches.",
            param=f"input[{MAX_INPUTS}]",
        )
    for name, choices in _CHOICES:
        check_choice(params, name, choices, method_name)
    model = choose_model(settings, params, MODEL_VARIABLE)
    given = params["input"]
    body = request_body(params, model=model, input=given if isinstance(given, str) else inputs)
    return build_call(
        settings,
        params,
        method="POST",
        path=PATH,
        body=body,
        method_name=method_name,
        telemetry=CallInfo("embeddings", model, content=body["input"]),
    )


def parse_embeddings(outcome: Outcome, params: Mapping[str, Any]) -> CreateEmbeddingResponse:
    """The typed response; base64 vectors decoded as the ``embedding_type`` asked for."""
    context = {"embedding_type": params.get("embedding_type", "float")}
    return parse_response(
        outcome, CreateEmbeddingResponse, "an embeddings response", marker="data", context=context
    )


def batches(count: int, batch_size: int) -> list[range]:
    """The positions of each batch of ``count`` inputs, in order."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int):
        raise TypeError(f"batch_size must be an integer, got {batch_size!r}")
    if not 1 <= batch_size <= MAX_INPUTS:
        raise ParameterError(
            f"batch_size must be from 1 to {MAX_INPUTS} (Heroku's limit), got {batch_size}",
            param="batch_size",
        )
    return [range(start, min(start + batch_size, count)) for start in range(0, count, batch_size)]


def merge_embeddings(
    parts: Sequence[CreateEmbeddingResponse], spans: Sequence[range]
) -> CreateEmbeddingResponse:
    """One response from the responses of consecutive batches: the vectors in input order
    (``index`` counts from the first input), usage summed, the retries of every request."""
    data: list[Embedding] = []
    prompt_tokens = total_tokens = 0
    counted = False
    for part, span in zip(parts, spans, strict=True):
        for item in sorted(part.data, key=lambda embedding: embedding.index):
            data.append(item.model_copy(update={"index": span.start + item.index}))
        if part.usage is not None:
            counted = True
            prompt_tokens += part.usage.prompt_tokens
            total_tokens += part.usage.total_tokens
    first = parts[0] if parts else CreateEmbeddingResponse()
    origins = [origin_of(part) for part in parts]
    merged = CreateEmbeddingResponse(
        object=first.object,
        data=data,
        model=first.model,
        usage=EmbeddingUsage(prompt_tokens=prompt_tokens, total_tokens=total_tokens)
        if counted
        else None,
    )
    return set_origin(
        merged,
        request_id=origins[0].request_id if origins else None,
        retries_taken=sum(origin.retries_taken or 0 for origin in origins),
        rate_limits=origins[-1].rate_limits if origins else None,
    )
