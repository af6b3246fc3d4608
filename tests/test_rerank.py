"""``rerank.create()``: Cohere's request format, documents as strings or objects, at most
1000 checked before sending, and results ordered by relevance."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from heroku_inference import (
    APIResponseValidationError,
    BadRequestError,
    ParameterError,
    RerankResponse,
)
from heroku_inference.testing import Emulator

from .flavors import Flavor, both
from .helpers import fixture_bytes, json_response, replies

RERANK = json.loads(fixture_bytes("rerank.json"))
RANK_MODEL = "cohere-rerank-3-5"
DOCS = ["Dynos run your app", "Redis caches", "Postgres stores your data"]


def ok(body: Any = RERANK) -> httpx.Response:
    return json_response(200, body, {"x-request-id": "req_rr"})


def rank_client(api: Flavor, handler: Any, **options: Any) -> Any:
    options.setdefault("model", RANK_MODEL)
    return api.client(handler, **options)


@both
async def test_create_sends_the_cohere_request_and_parses_the_results(api: Flavor) -> None:
    handler, seen = replies(ok())
    client = rank_client(api, handler)

    ranked = await api.call(
        client.rerank.create, query="where is my data?", documents=DOCS, top_n=2
    )

    [request] = seen
    assert (request.method, request.url.path) == ("POST", "/v1/rerank")
    assert json.loads(request.content) == {
        "model": RANK_MODEL,
        "query": "where is my data?",
        "documents": DOCS,
        "top_n": 2,
    }
    assert isinstance(ranked, RerankResponse)
    assert [(r.index, r.relevance_score) for r in ranked.results] == [(2, 0.9871), (0, 0.3412)]
    assert ranked.meta.billed_units.search_units == 1
    assert ranked.id == RERANK["id"]


@both
async def test_documents_may_be_objects_with_text(api: Flavor) -> None:
    handler, seen = replies(ok())
    client = rank_client(api, handler)
    documents = [{"text": "Dynos", "id": "d1"}, "Postgres"]
    await api.call(client.rerank.create, query="q", documents=documents)
    assert json.loads(seen[0].content)["documents"] == documents


@both
async def test_results_are_ordered_by_relevance_whatever_the_server_sends(api: Flavor) -> None:
    shuffled = {
        "data": [
            {"index": 0, "score": 0.1},
            {"index": 1, "score": 0.9},
            {"index": 2, "score": 0.5},
            {"index": 3, "score": 0.5},
        ]
    }
    handler, _ = replies(ok(shuffled))
    client = rank_client(api, handler)
    ranked = await api.call(client.rerank.create, query="q", documents=["a", "b", "c", "d"])
    assert [r.index for r in ranked.results] == [1, 2, 3, 0]
    assert ranked.results[0].relevance_score == 0.9


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ({"documents": ["d"] * 1001}, ParameterError, "at most 1000"),
        ({"documents": []}, ParameterError, "documents is empty"),
        ({"documents": ["d"], "top_n": 0}, ParameterError, "top_n must be at least 1"),
        ({"documents": ["d", {"title": "t"}]}, TypeError, "documents[1].text must be a string"),
        ({"documents": ["d", 7]}, TypeError, "documents[1] must be a string"),
        ({"documents": "just one"}, TypeError, "documents must be a list"),
        ({"documents": ["d"], "query": 3}, TypeError, "query must be a string"),
        ({"documents": ["d"], "top_k": 3}, TypeError, "did you mean 'top_n'"),
    ],
)
@both
async def test_bad_requests_fail_before_sending(
    api: Flavor, params: dict[str, Any], error: type[Exception], message: str
) -> None:
    handler, seen = replies()
    client = rank_client(api, handler)
    with pytest.raises(error, match=re.escape(message)):
        await api.call(client.rerank.create, **{"query": "q", **params})
    assert seen == []


@both
async def test_a_thousand_documents_go_out(api: Flavor) -> None:
    handler, seen = replies(ok())
    client = rank_client(api, handler)
    await api.call(client.rerank.create, query="q", documents=["d"] * 1000)
    assert len(json.loads(seen[0].content)["documents"]) == 1000


@both
async def test_the_offending_document_is_named(api: Flavor) -> None:
    handler, _ = replies()
    client = rank_client(api, handler)
    with pytest.raises(ParameterError) as caught:
        await api.call(client.rerank.create, query="q", documents=["d"] * 1001)
    assert caught.value.param == "documents[1000]"


@both
async def test_errors_are_typed(api: Flavor) -> None:
    handler, _ = replies(
        httpx.Response(400, content=fixture_bytes("errors/400_object.json")),
        ok({"error": "rerank unavailable"}),
    )
    client = rank_client(api, handler, max_retries=0)
    with pytest.raises(BadRequestError):
        await api.call(client.rerank.create, query="q", documents=["d"])
    with pytest.raises(APIResponseValidationError, match="rerank unavailable"):
        await api.call(client.rerank.create, query="q", documents=["d"])


@both
async def test_the_emulator_ranks_by_shared_words_deterministically(api: Flavor) -> None:
    emu = Emulator()
    client = emu.async_client() if api.is_async else emu.client()
    params = {"query": "where is my data stored", "documents": DOCS, "model": RANK_MODEL}
    ranked = await api.call(client.rerank.create, **params)
    again = await api.call(client.rerank.create, **params)
    assert [r.index for r in ranked.results] == [2, 0, 1]
    assert ranked.results == again.results
    assert ranked.results[0].relevance_score > ranked.results[1].relevance_score >= 0
    top = await api.call(
        client.rerank.create, **params, top_n=1, extra_body={"return_documents": True}
    )
    assert [r.index for r in top.results] == [2]
    assert top.results[0].document == {"text": DOCS[2]}
    await api.close(client)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"documents": ["d"] * 1001}, "at most 1000"),
        ({"documents": []}, "'documents' must be a non-empty array"),
        ({"documents": ["d"], "top_n": 0}, "'top_n' must be a positive integer"),
        ({"documents": ["d"], "model": "stable-image-ultra"}, "does not support rerank"),
    ],
)
def test_the_emulator_checks_what_heroku_checks(body: dict[str, Any], message: str) -> None:
    payload = {"model": RANK_MODEL, "query": "q", **body}
    plan = Emulator().handle(
        "POST", "/v1/rerank", {"authorization": "Bearer k"}, json.dumps(payload).encode()
    )
    assert plan.status == 400
    assert message in json.loads(plan.body)["error"]["message"]
