"""heroku-inference: the Python SDK for Heroku Managed Inference and Agents.

```python
from heroku_inference import AsyncClient

async with AsyncClient() as client:  # INFERENCE_URL, INFERENCE_KEY, INFERENCE_MODEL_ID
    async with client.chat.completions.stream(
        messages=[{"role": "user", "content": "Why is Heroku so cool?"}],
    ) as stream:
        async for text in stream.text_stream:
            print(text, end="", flush=True)
```
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from ._accumulate import ChatCompletionAccumulator
    from ._chat_stream import (
        AsyncChatCompletionStream,
        AsyncChatCompletionStreamManager,
        ChatCompletionStream,
        ChatCompletionStreamManager,
    )
    from ._client import AsyncClient, Client
    from ._config import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
    from ._events import (
        ChatCompletionStreamEvent,
        ChunkEvent,
        ContentDeltaEvent,
        ContentDoneEvent,
        ReasoningDeltaEvent,
        ReasoningDoneEvent,
        RefusalDeltaEvent,
        RefusalDoneEvent,
        ToolCallArgumentsDeltaEvent,
        ToolCallArgumentsDoneEvent,
    )
    from ._exceptions import (
        APIConnectionError,
        APIError,
        APIResponseValidationError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ConfigurationError,
        HerokuInferenceError,
        InternalServerError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        RequestTimeoutError,
        StreamError,
        UnprocessableEntityError,
    )
    from ._streaming import AsyncStream, Stream
    from ._types import NOT_GIVEN, NotGiven
    from .types.chat import (
        ChatCompletion,
        ChatCompletionChunk,
        ChatCompletionMessage,
        Choice,
        ChoiceDelta,
        ChunkChoice,
        Function,
        FunctionDelta,
        Reasoning,
        ReasoningDelta,
        ToolCall,
        ToolCallDelta,
        Usage,
    )

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncChatCompletionStream",
    "AsyncChatCompletionStreamManager",
    "AsyncClient",
    "AsyncStream",
    "AuthenticationError",
    "BadRequestError",
    "ChatCompletion",
    "ChatCompletionAccumulator",
    "ChatCompletionChunk",
    "ChatCompletionMessage",
    "ChatCompletionStream",
    "ChatCompletionStreamEvent",
    "ChatCompletionStreamManager",
    "Choice",
    "ChoiceDelta",
    "ChunkChoice",
    "ChunkEvent",
    "Client",
    "ConfigurationError",
    "ContentDeltaEvent",
    "ContentDoneEvent",
    "Function",
    "FunctionDelta",
    "HerokuInferenceError",
    "InternalServerError",
    "NotFoundError",
    "NotGiven",
    "PermissionDeniedError",
    "RateLimitError",
    "Reasoning",
    "ReasoningDelta",
    "ReasoningDeltaEvent",
    "ReasoningDoneEvent",
    "RefusalDeltaEvent",
    "RefusalDoneEvent",
    "RequestTimeoutError",
    "Stream",
    "StreamError",
    "ToolCall",
    "ToolCallArgumentsDeltaEvent",
    "ToolCallArgumentsDoneEvent",
    "ToolCallDelta",
    "UnprocessableEntityError",
    "Usage",
    "__version__",
]

_LAZY: dict[str, str] = {
    "APIConnectionError": "._exceptions",
    "APIError": "._exceptions",
    "APIResponseValidationError": "._exceptions",
    "APIStatusError": "._exceptions",
    "APITimeoutError": "._exceptions",
    "AsyncChatCompletionStream": "._chat_stream",
    "AsyncChatCompletionStreamManager": "._chat_stream",
    "AsyncClient": "._client",
    "AsyncStream": "._streaming",
    "AuthenticationError": "._exceptions",
    "BadRequestError": "._exceptions",
    "ChatCompletion": ".types.chat",
    "ChatCompletionAccumulator": "._accumulate",
    "ChatCompletionChunk": ".types.chat",
    "ChatCompletionMessage": ".types.chat",
    "ChatCompletionStream": "._chat_stream",
    "ChatCompletionStreamEvent": "._events",
    "ChatCompletionStreamManager": "._chat_stream",
    "Choice": ".types.chat",
    "ChoiceDelta": ".types.chat",
    "ChunkChoice": ".types.chat",
    "ChunkEvent": "._events",
    "Client": "._client",
    "ConfigurationError": "._exceptions",
    "ContentDeltaEvent": "._events",
    "ContentDoneEvent": "._events",
    "DEFAULT_MAX_RETRIES": "._config",
    "DEFAULT_TIMEOUT": "._config",
    "Function": ".types.chat",
    "FunctionDelta": ".types.chat",
    "HerokuInferenceError": "._exceptions",
    "InternalServerError": "._exceptions",
    "NOT_GIVEN": "._types",
    "NotFoundError": "._exceptions",
    "NotGiven": "._types",
    "PermissionDeniedError": "._exceptions",
    "RateLimitError": "._exceptions",
    "Reasoning": ".types.chat",
    "ReasoningDelta": ".types.chat",
    "ReasoningDeltaEvent": "._events",
    "ReasoningDoneEvent": "._events",
    "RefusalDeltaEvent": "._events",
    "RefusalDoneEvent": "._events",
    "RequestTimeoutError": "._exceptions",
    "Stream": "._streaming",
    "StreamError": "._exceptions",
    "ToolCall": ".types.chat",
    "ToolCallArgumentsDeltaEvent": "._events",
    "ToolCallArgumentsDoneEvent": "._events",
    "ToolCallDelta": ".types.chat",
    "UnprocessableEntityError": "._exceptions",
    "Usage": ".types.chat",
}
"""Public names and the private module that defines each; imported on first use so that
``import heroku_inference`` stays cheap (the pydantic models build only when needed)."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'heroku_inference' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    if isinstance(value, type) and issubclass(value, BaseException):
        # Tracebacks show ``heroku_inference.BadRequestError``, not the private module.
        # (Models keep theirs: pydantic resolves their annotations in their own module.)
        value.__module__ = "heroku_inference"
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
