"""``POST /v1/rerank`` emulated: Heroku's checks, and a deterministic ranking.

A document's ``relevance_score`` is the overlap of its words with the query's (the number of
shared words over the geometric mean of both word counts, 0 to 1), so the document that
shares most words with the query comes first; ties keep the request's order.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from ._catalog import Catalog
from ._checks import bad, check_body, check_model, is_int
from ._errors import ErrorReply

__all__ = ["rerank_answer", "score", "validate_rerank"]

SUPPORTED_RERANK_PARAMS = frozenset(
    {"model", "query", "documents", "top_n", "return_documents", "allow_ignored_params"}
)
MAX_DOCUMENTS = 1000
_WORD = re.compile(r"\w+")


def validate_rerank(body: Any, catalog: Catalog) -> ErrorReply | None:
    """The error Heroku would answer for this body, or ``None``."""
    problem = check_body(body, SUPPORTED_RERANK_PARAMS)
    if problem is not None:
        return problem
    if not isinstance(body.get("query"), str):
        return bad("'query' field is required and must be a string")
    documents = body.get("documents")
    if not isinstance(documents, list) or not documents:
        return bad("'documents' must be a non-empty array")
    if len(documents) > MAX_DOCUMENTS:
        return bad(f"'documents' may hold at most {MAX_DOCUMENTS} items, got {len(documents)}")
    for position, document in enumerate(documents):
        if not isinstance(_text(document), str):
            return bad(f"documents[{position}] must be a string or an object with 'text'")
    top_n = body.get("top_n")
    if top_n is not None and not (is_int(top_n) and top_n >= 1):
        return bad("'top_n' must be a positive integer")
    if "return_documents" in body and not isinstance(body["return_documents"], bool):
        return bad("'return_documents' must be a boolean")
    return check_model(body, catalog, "text-to-ranking")


def rerank_answer(body: Mapping[str, Any], sequence: int) -> dict[str, Any]:
    """The response to a valid body: results most relevant first, at most ``top_n``."""
    documents = body["documents"]
    query = str(body["query"])
    scored = [(score(query, str(_text(doc))), index) for index, doc in enumerate(documents)]
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    top_n = body.get("top_n")
    if isinstance(top_n, int):
        scored = scored[:top_n]
    results = []
    for relevance, index in scored:
        result: dict[str, Any] = {"index": index, "relevance_score": relevance}
        if body.get("return_documents"):
            result["document"] = {"text": _text(documents[index])}
        results.append(result)
    return {
        "id": f"rerank-emulator{sequence:06d}",
        "results": results,
        "meta": {"api_version": {"version": "2"}, "billed_units": {"search_units": 1}},
    }


def score(query: str, document: str) -> float:
    """Shared words over the geometric mean of the two word counts, rounded to 6 places."""
    asked = set(_WORD.findall(query.lower()))
    found = set(_WORD.findall(document.lower()))
    if not asked or not found:
        return 0.0
    return round(len(asked & found) / math.sqrt(len(asked) * len(found)), 6)


def _text(document: object) -> object:
    return document.get("text") if isinstance(document, Mapping) else document
