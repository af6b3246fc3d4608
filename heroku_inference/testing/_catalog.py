"""The models one emulator knows: Heroku's catalogue, its own ``model``, and any a test adds.

A chat request naming a model outside it, or one that is not a chat model, gets the 400 a
mistyped model would get on Heroku (see ``_errors.unknown_model``), so the mistake shows up in
local tests instead of on the first deploy.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any, Literal, get_args

from ._errors import ErrorReply, invalid_request, not_a_chat_model, unknown_model

__all__ = ["AVAILABLE_MODELS", "CHAT", "MODEL_KINDS", "Catalog", "ModelKind"]

ModelKind = Literal["text-to-text", "text-to-embedding", "text-to-image", "text-to-ranking"]
MODEL_KINDS: tuple[str, ...] = get_args(ModelKind)
CHAT: ModelKind = "text-to-text"

_CHAT_MODELS = (
    "claude-3-haiku",
    "claude-3-5-haiku",
    "claude-3-5-sonnet-latest",
    "claude-3-7-sonnet",
    "claude-4-sonnet",
    "claude-4-5-sonnet",
    "claude-4-5-haiku",
    "claude-opus-4-5",
    "claude-opus-4-6",
    "claude-sonnet-4-6",
    "nova-lite",
    "nova-pro",
    "nova-2-lite",
    "nova-2-pro",
    "nova-2-omni",
    "gpt-oss-120b",
    "kimi-k2-thinking",
    "kimi-k2-5",
    "minimax-m2",
    "minimax-m2-1",
    "qwen3-235b",
    "qwen3-coder-480b",
    "deepseek-v3-2",
    "glm-4-7",
    "glm-4-7-flash",
)

AVAILABLE_MODELS: tuple[tuple[str, ModelKind], ...] = (
    *((model_id, CHAT) for model_id in _CHAT_MODELS),
    ("cohere-embed-multilingual", "text-to-embedding"),
    ("cohere-embed-v4", "text-to-embedding"),
    ("stable-image-ultra", "text-to-image"),
    ("cohere-rerank-3-5", "text-to-ranking"),
    ("amazon-rerank-1-0", "text-to-ranking"),
)
"""What Heroku's ``GET /available-models`` listed (snapshot of February 2026, reference §0)."""


class Catalog:
    """Model id to kind, safe to read and extend from the test's thread and the server's."""

    def __init__(self, own_model: str, extra: Iterable[str] | Mapping[str, ModelKind] = ()) -> None:
        self._kinds: dict[str, ModelKind] = dict(AVAILABLE_MODELS)
        self._kinds.setdefault(own_model, CHAT)
        self._lock = threading.Lock()
        for model_id, kind in _pairs(extra):
            self.add(model_id, kind)

    def add(self, model_id: str, kind: ModelKind = CHAT) -> None:
        if not isinstance(model_id, str) or not model_id.strip():
            raise ValueError(f"model id must be a non-empty string, got {model_id!r}")
        if kind not in MODEL_KINDS:
            raise ValueError(f"kind must be one of {', '.join(MODEL_KINDS)}, got {kind!r}")
        with self._lock:
            self._kinds[model_id] = kind

    def kinds(self) -> dict[str, ModelKind]:
        with self._lock:
            return dict(self._kinds)

    def check_chat(self, model_id: str) -> ErrorReply | None:
        """The error for a chat request naming ``model_id``, or ``None`` when it may chat."""
        with self._lock:
            kind = self._kinds.get(model_id)
        if kind is None:
            return unknown_model(model_id)
        if kind != CHAT:
            return not_a_chat_model(model_id)
        return None

    def check(self, model_id: str, kind: ModelKind) -> ErrorReply | None:
        """The error for a request of ``kind`` naming ``model_id``, or ``None`` when it may."""
        if kind == CHAT:
            return self.check_chat(model_id)
        with self._lock:
            actual = self._kinds.get(model_id)
        if actual is None:
            return unknown_model(model_id)
        if actual != kind:
            return invalid_request(f"model '{model_id}' does not support {_USES[kind]}")
        return None

    def first_of(self, kind: ModelKind) -> str | None:
        """The first model of ``kind`` this catalog knows (for defaults)."""
        with self._lock:
            return next((m for m, k in self._kinds.items() if k == kind), None)

    def listing(self) -> list[dict[str, Any]]:
        """The body of ``GET /available-models``."""
        return [
            {"model_id": model_id, "type": [kind], "regions": ["us", "eu"]}
            for model_id, kind in self.kinds().items()
        ]


_USES: dict[str, str] = {
    "text-to-embedding": "embeddings",
    "text-to-image": "image generation",
    "text-to-ranking": "rerank",
}


def _pairs(models: Iterable[str] | Mapping[str, ModelKind]) -> list[tuple[str, ModelKind]]:
    if isinstance(models, str):
        raise TypeError("models must be a list of model ids or a {model id: kind} dict")
    if isinstance(models, Mapping):
        return list(models.items())
    return [(model_id, CHAT) for model_id in models]
