"""``embeddings.create()`` and ``create_batched()``: the request, Heroku's limits checked
before sending, every plausible response shape, base64 decoding, and batching."""

from __future__ import annotations

import base64
import json
import re
import struct
import threading
from typing import Any

import anyio
import httpx
import pytest

from heroku_inference import (
    APIResponseValidationError,
    BadRequestError,
    ConfigurationError,
    CreateEmbeddingResponse,
    InternalServerError,
    ParameterError,
)
from heroku_inference.testing import Emulator

from .flavors import ASYNC, Flavor, both
from .helpers import fixture_bytes, json_response, replies

EMBEDDINGS = json.loads(fixture_bytes("embeddings.json"))
EMBED_MODEL = "cohere-embed-multilingual"


def ok(body: Any = EMBEDDINGS, **headers: str) -> httpx.Response:
    return json_response(200, body, {"x-request-id": "req_emb", **headers})


def sent(request: httpx.Request) -> Any:
    return json.loads(request.content)


def embed_client(api: Flavor, handler: Any, **options: Any) -> Any:
    options.setdefault("model", EMBED_MODEL)
    return api.client(handler, **options)


# -- the request ----------------------------------------------------------------------------


@both
async def test_create_sends_only_what_was_set_and_parses_the_response(api: Flavor) -> None:
    handler, seen = replies(ok())
    client = embed_client(api, handler)

    response = await api.call(
        client.embeddings.create,
        input=["Heroku is a platform", "for apps"],
        input_type="search_query",
        truncate="END",
        allow_ignored_params=True,
    )

    [request] = seen
    assert (request.method, request.url.path) == ("POST", "/v1/embeddings")
    assert sent(request) == {
        "model": EMBED_MODEL,
        "input": ["Heroku is a platform", "for apps"],
        "input_type": "search_query",
        "truncate": "END",
        "allow_ignored_params": True,
    }
    assert isinstance(response, CreateEmbeddingResponse)
    assert [item.index for item in response.data] == [0, 1]
    assert response.data[1].embedding == [-0.021, 0.0332, -0.0443, 0.0554]
    assert (response.usage.prompt_tokens, response.usage.total_tokens) == (8, 8)
    assert response.model == EMBED_MODEL
    assert response._request_id == "req_emb"


@both
async def test_a_single_string_is_sent_as_it_is(api: Flavor) -> None:
    handler, seen = replies(ok())
    client = embed_client(api, handler)
    await api.call(client.embeddings.create, input="just one", model="cohere-embed-v4")
    assert sent(seen[0]) == {"model": "cohere-embed-v4", "input": "just one"}


@both
async def test_extra_body_and_extra_headers_go_out(api: Flavor) -> None:
    handler, seen = replies(ok())
    client = embed_client(api, handler)
    await api.call(
        client.embeddings.create,
        input=["a"],
        extra_body={"output_dimension": 256},
        extra_headers={"X-Trace": "t-1"},
    )
    assert sent(seen[0])["output_dimension"] == 256
    assert seen[0].headers["x-trace"] == "t-1"


# -- Heroku's limits, checked before anything is sent --------------------------------------

TOO_LONG = "x" * 2049


@pytest.mark.parametrize(
    ("params", "param", "message"),
    [
        ({"input": ["ok"] * 97}, "input[96]", "at most 96"),
        ({"input": ["ok", TOO_LONG]}, "input[1]", "input[1] is 2049 characters"),
        ({"input": TOO_LONG}, "input", "input is 2049 characters"),
        ({"input": []}, "input", "input is empty"),
        ({"input": ["a"], "input_type": "search"}, "input_type", "search_query"),
        ({"input": ["a"], "encoding_format": "float"}, "encoding_format", "'base64'"),
        ({"input": ["a"], "embedding_type": "int4"}, "embedding_type", "'ubinary'"),
        ({"input": ["a"], "truncate": "end"}, "truncate", "'END'"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
@both
async def test_limits_are_checked_before_sending(
    api: Flavor, params: dict[str, Any], param: str, message: str
) -> None:
    handler, seen = replies()
    client = embed_client(api, handler)
    with pytest.raises(ParameterError, match=re.escape(message)) as caught:
        await api.call(client.embeddings.create, **params)
    assert caught.value.param == param
    assert isinstance(caught.value, ValueError)
    assert seen == []


@both
async def test_exactly_96_inputs_of_2048_characters_go_out(api: Flavor) -> None:
    handler, seen = replies(ok())
    client = embed_client(api, handler)
    await api.call(client.embeddings.create, input=["y" * 2048] * 96)
    assert len(sent(seen[0])["input"]) == 96


@both
async def test_bad_arguments_are_type_errors_before_sending(api: Flavor) -> None:
    handler, seen = replies()
    client = embed_client(api, handler)
    with pytest.raises(TypeError, match="did you mean 'input_type'"):
        await api.call(client.embeddings.create, input=["a"], input_typ="search_query")
    with pytest.raises(TypeError, match=r"input\[1\] must be a string, got int"):
        await api.call(client.embeddings.create, input=["a", 3])
    with pytest.raises(TypeError, match="missing required keyword argument: 'input'"):
        await api.call(client.embeddings.create)
    with pytest.raises(TypeError, match="input must be a string or a list"):
        await api.call(client.embeddings.create, input={"text": "a"})
    assert seen == []


@both
async def test_no_model_names_the_embedding_variable(api: Flavor) -> None:
    handler, seen = replies()
    client = api.client(handler, model=None)
    with pytest.raises(ConfigurationError, match="EMBEDDING_MODEL_ID"):
        await api.call(client.embeddings.create, input=["a"])
    assert seen == []


# -- errors --------------------------------------------------------------------------------


@both
async def test_error_bodies_become_typed_errors(api: Flavor) -> None:
    handler, _ = replies(
        httpx.Response(400, content=fixture_bytes("errors/400_string_encoded.json")),
        httpx.Response(500, content=fixture_bytes("errors/500_failed_to_execute.json")),
    )
    client = embed_client(api, handler, max_retries=0)
    with pytest.raises(BadRequestError, match="unrecognized request argument") as caught:
        await api.call(client.embeddings.create, input=["a"])
    assert caught.value.type == "invalid_request"
    with pytest.raises(InternalServerError):
        await api.call(client.embeddings.create, input=["a"])


@both
async def test_a_5xx_is_retried_like_chat(api: Flavor) -> None:
    busy = json_response(503, {"error": {"message": "busy"}}, {"retry-after-ms": "0"})
    handler, seen = replies(busy, ok())
    client = embed_client(api, handler, max_retries=1)
    response = await api.call(client.embeddings.create, input=["a"])
    assert len(seen) == 2
    assert response._retries_taken == 1


@both
async def test_an_error_object_with_a_200_is_an_error(api: Flavor) -> None:
    handler, _ = replies(ok({"error": {"message": "model not ready"}}))
    client = embed_client(api, handler)
    with pytest.raises(APIResponseValidationError, match="model not ready"):
        await api.call(client.embeddings.create, input=["a"])


# -- response shapes and base64 --------------------------------------------------------------


def b64(fmt: str, values: list[Any]) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}{fmt}", *values)).decode()


DECODED = [
    pytest.param("float", b64("f", [0.5, -0.25, 1.0]), [0.5, -0.25, 1.0], id="float"),
    pytest.param("int8", b64("b", [-128, 0, 127]), [-128, 0, 127], id="int8"),
    pytest.param("uint8", b64("B", [0, 128, 255]), [0, 128, 255], id="uint8"),
    pytest.param("binary", b64("b", [-1, 5]), [-1, 5], id="binary"),
    pytest.param("ubinary", b64("B", [255, 5]), [255, 5], id="ubinary"),
]


@pytest.mark.parametrize(("embedding_type", "text", "numbers"), DECODED)
@both
async def test_base64_vectors_are_decoded_as_the_type_asked_for(
    api: Flavor, embedding_type: str, text: str, numbers: list[Any]
) -> None:
    body = {"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": text}]}
    handler, seen = replies(ok(body))
    client = embed_client(api, handler)
    response = await api.call(
        client.embeddings.create,
        input=["a"],
        encoding_format="base64",
        embedding_type=embedding_type,
    )
    assert sent(seen[0])["encoding_format"] == "base64"
    assert response.data[0].embedding == numbers
    if embedding_type != "float":
        assert all(isinstance(n, int) for n in response.data[0].embedding)


SHAPES = [
    pytest.param(
        {"data": [{"index": 0, "embedding": {"int8": [1, -2]}}]}, "int8", [1, -2], id="dict-by-type"
    ),
    pytest.param({"embeddings": [[1.5, 2.5]]}, "float", [1.5, 2.5], id="embeddings-list"),
    pytest.param(
        {"embeddings": {"float": [[0.5, 0.25]], "int8": [[3, 4]]}},
        "int8",
        [3, 4],
        id="cohere-embeddings-by-type",
    ),
    pytest.param(
        {"embeddings": {"float_": [[0.5, 0.25]]}}, "float", [0.5, 0.25], id="cohere-sdk-float_"
    ),
]


@pytest.mark.parametrize(("body", "embedding_type", "vector"), SHAPES)
@both
async def test_other_plausible_response_shapes_read_into_data(
    api: Flavor, body: dict[str, Any], embedding_type: str, vector: list[Any]
) -> None:
    handler, _ = replies(ok(body))
    client = embed_client(api, handler)
    response = await api.call(client.embeddings.create, input=["a"], embedding_type=embedding_type)
    assert response.data[0].embedding == vector
    assert response.data[0].index == 0


@both
async def test_a_string_that_is_not_base64_is_a_clear_error(api: Flavor) -> None:
    body = {"data": [{"index": 0, "embedding": "not base64!"}]}
    handler, _ = replies(ok(body))
    client = embed_client(api, handler)
    with pytest.raises(APIResponseValidationError, match="not base64"):
        await api.call(client.embeddings.create, input=["a"], encoding_format="base64")


def test_unknown_fields_are_kept() -> None:
    response = CreateEmbeddingResponse.model_validate(
        {**EMBEDDINGS, "meta": {"billed_units": {"input_tokens": 8}}}
    )
    assert response.model_extra == {"meta": {"billed_units": {"input_tokens": 8}}}


# -- batching --------------------------------------------------------------------------------


def echo_vectors() -> tuple[Any, list[httpx.Request]]:
    """A handler answering each input with ``[len(text)]``, in reverse order."""
    seen: list[httpx.Request] = []
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            seen.append(request)
        texts = sent(request)["input"]
        data = [{"index": i, "embedding": [float(len(t))]} for i, t in enumerate(texts)]
        usage = {"prompt_tokens": len(texts), "total_tokens": len(texts)}
        return ok({"object": "list", "data": data[::-1], "model": EMBED_MODEL, "usage": usage})

    return handler, seen


@both
async def test_create_batched_merges_batches_in_input_order(api: Flavor) -> None:
    handler, seen = echo_vectors()
    client = embed_client(api, handler)
    texts = ["x" * (n % 50 + 1) for n in range(250)]

    response = await api.call(
        client.embeddings.create_batched, input=texts, input_type="clustering"
    )

    assert sorted(len(sent(r)["input"]) for r in seen) == [58, 96, 96]
    assert all(sent(r)["input_type"] == "clustering" for r in seen)
    assert [item.index for item in response.data] == list(range(250))
    assert [item.embedding for item in response.data] == [[float(len(t))] for t in texts]
    assert (response.usage.prompt_tokens, response.usage.total_tokens) == (250, 250)
    assert response._retries_taken == 0


@both
async def test_create_batched_checks_every_input_before_sending_any(api: Flavor) -> None:
    handler, seen = echo_vectors()
    client = embed_client(api, handler)
    texts = ["ok"] * 150 + [TOO_LONG]
    with pytest.raises(ParameterError, match=r"input\[150\]") as caught:
        await api.call(client.embeddings.create_batched, input=texts)
    assert caught.value.param == "input[150]"
    with pytest.raises(ParameterError, match="batch_size"):
        await api.call(client.embeddings.create_batched, input=["a"], batch_size=97)
    with pytest.raises(TypeError, match="list of strings, not one string"):
        await api.call(client.embeddings.create_batched, input="abc")
    with pytest.raises(ValueError, match="max_concurrency"):
        await api.call(client.embeddings.create_batched, input=["a"], max_concurrency=0)
    assert seen == []


@both
async def test_create_batched_with_nothing_to_embed_sends_nothing(api: Flavor) -> None:
    handler, seen = echo_vectors()
    client = embed_client(api, handler)
    response = await api.call(client.embeddings.create_batched, input=[])
    assert response.data == []
    assert seen == []


@pytest.mark.anyio
async def test_async_batches_run_concurrently_within_the_bound() -> None:
    in_flight = 0
    most = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await anyio.sleep(0.01)
        in_flight -= 1
        texts = json.loads(request.content)["input"]
        data = [{"index": i, "embedding": [float(len(t))]} for i, t in enumerate(texts)]
        return ok({"data": data, "usage": {"prompt_tokens": 1, "total_tokens": 1}})

    client = ASYNC.client(
        None,
        model=EMBED_MODEL,
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
    )
    texts = [str(n) for n in range(100)]
    response = await client.embeddings.create_batched(input=texts, batch_size=10, max_concurrency=3)
    assert most == 3
    assert [item.embedding[0] for item in response.data] == [float(len(t)) for t in texts]
    assert response.usage.total_tokens == 10


@both
async def test_create_batched_raises_the_first_failure(api: Flavor) -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 2:
            return json_response(400, {"error": {"message": "bad batch"}})
        texts = sent(request)["input"]
        return ok({"data": [{"index": i, "embedding": [1.0]} for i in range(len(texts))]})

    client = embed_client(api, handler, max_retries=0)
    with pytest.raises(BadRequestError, match="bad batch"):
        await api.call(
            client.embeddings.create_batched, input=["a"] * 10, batch_size=2, max_concurrency=1
        )
    assert calls == 2


# -- against the emulator ----------------------------------------------------------------------


@both
async def test_the_emulator_gives_the_same_vectors_for_the_same_input(api: Flavor) -> None:
    emu = Emulator()
    client = emu.async_client() if api.is_async else emu.client()
    model = "cohere-embed-multilingual"
    first = await api.call(client.embeddings.create, input=["a", "b"], model=model)
    again = await api.call(client.embeddings.create, input=["b"], model=model)
    query = await api.call(
        client.embeddings.create, input=["a"], model=model, input_type="search_query"
    )
    packed = await api.call(
        client.embeddings.create, input=["a", "b"], model=model, encoding_format="base64"
    )
    assert len(first.data[0].embedding) == 1024
    assert first.data[1].embedding == again.data[0].embedding
    assert first.data[0].embedding != first.data[1].embedding
    assert query.data[0].embedding != first.data[0].embedding
    for raw, decoded in zip(first.data, packed.data, strict=True):
        assert decoded.embedding == pytest.approx(raw.embedding, abs=1e-6)
    v4 = await api.call(client.embeddings.create, input="a", model="cohere-embed-v4")
    assert len(v4.data[0].embedding) == 1536
    await api.close(client)


@pytest.mark.parametrize("embedding_type", ["int8", "uint8", "binary", "ubinary"])
@both
async def test_the_emulator_sends_each_type_raw_and_in_base64_alike(
    api: Flavor, embedding_type: str
) -> None:
    emu = Emulator()
    client = emu.async_client() if api.is_async else emu.client()
    params = {"input": "a", "model": EMBED_MODEL, "embedding_type": embedding_type}
    raw = await api.call(client.embeddings.create, **params)
    packed = await api.call(client.embeddings.create, **params, encoding_format="base64")
    assert raw.data[0].embedding == packed.data[0].embedding
    expected = 128 if "binary" in embedding_type else 1024
    assert len(raw.data[0].embedding) == expected
    await api.close(client)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"input": ["a"] * 97}, "at most 96"),
        ({"input": ["a", "x" * 2049]}, r"input\[1\] is longer than 2048"),
        ({"input": ["a"], "input_type": "search"}, "'input_type' must be one of"),
        ({"input": ["a"], "dimensions": 8}, "unrecognized request argument supplied: dimensions"),
        ({"input": ["a"], "model": "claude-4-5-sonnet"}, "does not support embeddings"),
        ({"input": ["a"], "model": "no-such-model"}, "model 'no-such-model' is not supported"),
    ],
)
def test_the_emulator_checks_what_heroku_checks(body: dict[str, Any], message: str) -> None:
    payload = {"model": EMBED_MODEL, **body}
    plan = Emulator().handle(
        "POST", "/v1/embeddings", {"authorization": "Bearer k"}, json.dumps(payload).encode()
    )
    assert plan.status == 400
    assert re.search(message, plan.body.decode())
