"""The engine: one request (method, path, headers, body) in, one ``Plan`` out. No I/O.

Order of decisions: record the request; ``GET /available-models`` and the images answered
by URL (``GET /emulator/images/...``) answer without auth; a missing or wrong
``Authorization: Bearer`` is 401 (flat body); an unknown path is 404 and a wrong method 405;
a model endpoint (chat, embeddings, images, rerank, agents) takes the next scripted item
that applies to it (see ``Script.take``: scripted errors come before validation, replies and
faults after it). Validation is the body's (``validate_chat`` etc.), then the model's
(``Catalog.check``). Successful model answers carry ``x-ratelimit-*`` headers.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from ._catalog import AVAILABLE_MODELS, Catalog
from ._endpoints import (
    AGENTS_PATH,
    IMAGE_FILES_PATH,
    JSON_ENDPOINTS,
    MCP_SERVERS_PATH,
    Endpoints,
    rate_limit_headers,
)
from ._errors import ErrorReply, error_details, invalid_request
from ._plan import Plan, RecordedRequest
from ._render import Framing, Meta, body_parts, stream_parts
from ._reply import answer
from ._script import Script, ScriptedAgentRun, ScriptedError, ScriptedFault
from ._validation import validate_chat

__all__ = ["AVAILABLE_MODELS", "CHAT_PATH", "MODELS_PATH", "Engine"]

CHAT_PATH = "/v1/chat/completions"
MODELS_PATH = "/available-models"
_ROUTES = {
    CHAT_PATH: "POST",
    MODELS_PATH: "GET",
    AGENTS_PATH: "POST",
    MCP_SERVERS_PATH: "GET",
    **dict.fromkeys(JSON_ENDPOINTS, "POST"),
}
_SSE_HEADERS = [("content-type", "text/event-stream"), ("cache-control", "no-cache")]


class Engine:
    """Turns requests into plans, recording each request and taking scripted items."""

    def __init__(
        self,
        *,
        framing: Framing,
        api_key: str | None,
        model: str,
        script: Script,
        catalog: Catalog,
        keep_requests: int | None = None,
    ) -> None:
        self.framing: Framing = framing
        self.keep_requests = keep_requests
        self.api_key = api_key
        self.model = model
        self.script = script
        self.catalog = catalog
        self.endpoints = Endpoints(catalog)
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._sequence = itertools.count(1)

    def handle(
        self,
        method: str,
        path: str,
        headers: Sequence[tuple[str, str]] | Mapping[str, str] | httpx.Headers,
        content: bytes,
    ) -> Plan:
        """The response to one request, as a plan for a server to carry out."""
        path = path.split("?", 1)[0]
        path = path.rstrip("/") or "/"
        recorded = RecordedRequest.of(method, path, httpx.Headers(headers), content)
        with self._lock:
            self.requests.append(recorded)
            if self.keep_requests is not None and len(self.requests) > self.keep_requests:
                del self.requests[0]
            sequence = next(self._sequence)
        method = recorded.method
        if path == MODELS_PATH and method == "GET":
            return self._json_plan(200, self.catalog.listing(), sequence)
        if path.startswith(IMAGE_FILES_PATH) and method == "GET":
            return self._image_file(path, sequence)
        if not self._authorized(recorded.headers.get("authorization")):
            message = "Unauthorized" if "authorization" not in recorded.headers else None
            body: dict[str, Any] = {"message": message or "Invalid API key provided", "code": 401}
            return self._json_plan(401, body, sequence)
        expected = _ROUTES.get(path)
        if expected is None:
            details = error_details(404, f"Not found: {method} {path}")
            return self._json_plan(404, {"error": details}, sequence)
        if method != expected:
            details = error_details(405, f"Method not allowed: {method} {path}")
            plan = self._json_plan(405, {"error": details}, sequence)
            plan.headers.append(("allow", expected))
            return plan
        if path == CHAT_PATH:
            return self._chat(recorded, sequence)
        if path == MCP_SERVERS_PATH:
            return self._json_plan(200, self.endpoints.mcp_servers, sequence)
        return self._model_endpoint(recorded, sequence, JSON_ENDPOINTS.get(path, "agents"))

    def _model_endpoint(self, recorded: RecordedRequest, sequence: int, endpoint: str) -> Plan:
        """Embeddings, images, rerank (one JSON body) and agents (a stream of events)."""
        body = recorded.body
        bad_json = (
            invalid_request("Invalid request: the body is not valid JSON") if body is None else None
        )
        item, problem = self.script.take(
            lambda: bad_json or self.endpoints.validate(endpoint, body), endpoint
        )
        if problem is not None:
            return self._error_plan(problem, sequence)
        if isinstance(item, ScriptedError):
            return self._error_plan(item.reply, sequence)
        assert isinstance(body, dict)
        fault = item if isinstance(item, ScriptedFault) else None
        meta = Meta(
            id=f"chatcmpl-emulator{sequence:06d}",
            created=int(time.time()),
            model=str(body.get("model", "")),
            sequence=sequence,
        )
        limits = rate_limit_headers(endpoint, sequence)
        if endpoint == "agents":
            run = item if isinstance(item, ScriptedAgentRun) else None
            parts = self.endpoints.agent_parts(body, run, meta, self.framing, fault)
            return Plan(200, [*_SSE_HEADERS, _request_id(sequence), *limits], parts)
        parts = self.endpoints.answer(endpoint, body, meta, recorded.headers, fault)
        headers = [("content-type", "application/json"), _request_id(sequence), *limits]
        return Plan(200, headers, parts)

    def _image_file(self, path: str, sequence: int) -> Plan:
        found = self.endpoints.image_file(path)
        if found is None:
            return self._json_plan(404, {"error": error_details(404, "No such image")}, sequence)
        content, content_type = found
        return Plan(200, [("content-type", content_type), _request_id(sequence)], [content])

    def _chat(self, recorded: RecordedRequest, sequence: int) -> Plan:
        body = recorded.body
        bad_json = (
            invalid_request("Invalid request: the body is not valid JSON") if body is None else None
        )
        item, problem = self.script.take(
            lambda: bad_json or validate_chat(body) or self.catalog.check_chat(body["model"]),
            "chat",
        )
        if problem is not None:
            return self._error_plan(problem, sequence)
        if isinstance(item, ScriptedError):
            return self._error_plan(item.reply, sequence)
        assert isinstance(body, dict)
        fault = item if isinstance(item, ScriptedFault) else None
        scripted = fault.reply if fault is not None else item
        assert not isinstance(scripted, ScriptedError | ScriptedFault | ScriptedAgentRun)
        reply = answer(body, scripted)
        meta = Meta(
            id=f"chatcmpl-emulator{sequence:06d}",
            created=int(time.time()),
            model=str(body["model"]),
            sequence=sequence,
        )
        if body.get("stream") is True and (fault is None or fault.kind != "not_streamed"):
            headers = list(_SSE_HEADERS)
            parts = stream_parts(reply, meta, self.framing, fault)
        else:
            headers = [("content-type", "application/json")]
            parts = body_parts(reply, meta, fault)
        limits = rate_limit_headers("chat", sequence)
        return Plan(200, [*headers, _request_id(sequence), *limits], parts)

    def _authorized(self, header: str | None) -> bool:
        if not header:
            return False
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return False
        return self.api_key is None or token == self.api_key

    def _json_plan(self, status: int, body: object, sequence: int) -> Plan:
        headers = [("content-type", "application/json"), _request_id(sequence)]
        return Plan(status, headers, [json.dumps(body).encode()])

    def _error_plan(self, error: ErrorReply, sequence: int) -> Plan:
        headers = [("content-type", error.content_type), _request_id(sequence)]
        given = {name.lower() for name in error.headers}
        headers = [h for h in headers if h[0] not in given]
        headers += [(name.lower(), value) for name, value in error.headers.items()]
        return Plan(error.status, headers, [error.content])


def _request_id(sequence: int) -> tuple[str, str]:
    return ("x-request-id", f"req_emulator_{sequence:06d}")
