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
from ._version import __version__
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

# Show ``heroku_inference.X`` in reprs and tracebacks rather than private module paths.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type) and _obj.__module__.startswith("heroku_inference."):
        try:
            _obj.__module__ = "heroku_inference"
        except (AttributeError, TypeError):  # pragma: no cover
            pass
del _name, _obj
