"""The emulated endpoints besides chat: embeddings, images, rerank, agents, MCP servers.

``Endpoints`` answers each valid request deterministically, with ``x-ratelimit-*`` headers
like Heroku's (reference section 4), and knows which endpoint a path is. The engine does the
rest as for chat: auth, routing, the script (errors before validation; faults after).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from ._agents import DEFAULT_MCP_SERVERS, agent_events, default_steps, validate_agents
from ._catalog import Catalog
from ._embeddings import embeddings_answer, validate_embeddings
from ._errors import ErrorReply
from ._images import IMAGE_FILES_PATH, ImageStore, images_answer, validate_images
from ._plan import Part
from ._render import Framing, Meta, event_parts, json_parts, sse_event
from ._rerank import rerank_answer, validate_rerank
from ._script import ScriptedAgentRun, ScriptedFault

__all__ = [
    "AGENTS_PATH",
    "EMBEDDINGS_PATH",
    "IMAGES_PATH",
    "IMAGE_FILES_PATH",
    "JSON_ENDPOINTS",
    "MCP_SERVERS_PATH",
    "RATE_LIMITS",
    "RERANK_PATH",
    "Endpoints",
    "rate_limit_headers",
]

EMBEDDINGS_PATH = "/v1/embeddings"
IMAGES_PATH = "/v1/images/generations"
RERANK_PATH = "/v1/rerank"
AGENTS_PATH = "/v1/agents/heroku"
MCP_SERVERS_PATH = "/v1/mcp/servers"
JSON_ENDPOINTS = {EMBEDDINGS_PATH: "embeddings", IMAGES_PATH: "images", RERANK_PATH: "rerank"}
"""The endpoints answering one JSON body, by path."""

RATE_LIMITS: Mapping[str, tuple[int, int]] = {
    "chat": (150, 800_000),
    "agents": (150, 800_000),
    "embeddings": (500, 800_000),
    "images": (20, 800_000),
    "rerank": (500, 800_000),
}
"""Requests and tokens per minute, as the model cards give them (reference section 4)."""

Validate = Callable[[Any, Catalog], "ErrorReply | None"]
_VALIDATORS: Mapping[str, Validate] = {
    "embeddings": validate_embeddings,
    "images": validate_images,
    "rerank": validate_rerank,
    "agents": validate_agents,
}


def rate_limit_headers(endpoint: str, sequence: int) -> list[tuple[str, str]]:
    """``x-ratelimit-*`` headers: the limits, fewer requests left with each request of a
    one-minute window, and when the window resets (``1m0s`` at its start)."""
    requests, tokens = RATE_LIMITS.get(endpoint, RATE_LIMITS["chat"])
    used = (sequence - 1) % requests + 1
    return [
        ("x-ratelimit-limit-requests", str(requests)),
        ("x-ratelimit-limit-tokens", str(tokens)),
        ("x-ratelimit-remaining-requests", str(requests - used)),
        ("x-ratelimit-remaining-tokens", str(tokens)),
        ("x-ratelimit-reset-requests", f"{max(1, 60 - used % 60)}s"),
        ("x-ratelimit-reset-tokens", "1m0s"),
    ]


class Endpoints:
    """Validation and answers of the endpoints besides chat."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.images = ImageStore()
        self.mcp_servers: list[dict[str, Any]] = [dict(s) for s in DEFAULT_MCP_SERVERS]

    def validate(self, endpoint: str, body: Any) -> ErrorReply | None:
        return _VALIDATORS[endpoint](body, self.catalog)

    def answer(
        self,
        endpoint: str,
        body: Mapping[str, Any],
        meta: Meta,
        headers: httpx.Headers,
        fault: ScriptedFault | None,
    ) -> list[Part]:
        """The JSON body of a valid request, with ``fault`` applied."""
        if endpoint == "embeddings":
            payload = embeddings_answer(body)
        elif endpoint == "images":
            payload = images_answer(body, meta.created, _origin(headers), self.images)
        else:
            payload = rerank_answer(body, meta.sequence)
        return json_parts(_json(payload), fault)

    def agent_parts(
        self,
        body: Mapping[str, Any],
        run: ScriptedAgentRun | None,
        meta: Meta,
        framing: Framing,
        fault: ScriptedFault | None,
    ) -> list[Part]:
        """The SSE body of a valid agents request: the scripted run or the default one."""
        if run is None:
            events = agent_events(default_steps(body), meta, body, None)
        else:
            events = agent_events(run.steps, meta, body, run.error)
        encoded = [sse_event(event, framing) for event in events]
        broken = sse_event({"object": "chat.completion"}, framing)[:-8] + b"\n\n"
        return event_parts(encoded, framing, fault, broken)

    def image_file(self, path: str) -> tuple[bytes, str] | None:
        """An image answered by URL, by its path (``/emulator/images/<name>``)."""
        return self.images.get(path[len(IMAGE_FILES_PATH) :])


def _origin(headers: httpx.Headers) -> str:
    """``scheme://host`` of the emulator as the client reached it (its ``Host`` header);
    plain http on loopback, https otherwise (as the in-process base URL is)."""
    host = headers.get("host", "heroku-inference.emulator")
    name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
    loopback = name in ("localhost", "[::1]") or name.startswith("127.")
    return f"{'http' if loopback else 'https'}://{host}"


def _json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()
