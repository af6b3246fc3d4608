"""heroku-inference: the Python SDK for Heroku Managed Inference and Agents.

```python
import asyncio

from heroku_inference import AsyncClient


async def main() -> None:
    async with AsyncClient() as client:  # INFERENCE_URL, INFERENCE_KEY, INFERENCE_MODEL_ID
        async with client.chat.completions.stream(
            messages=[{"role": "user", "content": "Why is Heroku so cool?"}],
        ) as stream:
            async for text in stream.text_stream:
                print(text, end="", flush=True)


asyncio.run(main())
```

Every public name is declared once, in the ``__all__`` of the module that defines it. This
package re-exports those names, importing each module on first use, so that
``import heroku_inference`` costs about a millisecond.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__ as __version__

if TYPE_CHECKING:
    from ._accumulate import *
    from ._agent_stream import *
    from ._chat_stream import *
    from ._client import *
    from ._config import *
    from ._events import *
    from ._exceptions import *
    from ._rate_limits import *
    from ._raw_response import *
    from ._streaming import *
    from ._tool import *
    from ._tool_errors import *
    from ._tool_events import *
    from ._tool_runner import *
    from ._types import *
    from .types.agents import *
    from .types.chat import *
    from .types.chat_parsed import *
    from .types.embeddings import *
    from .types.images import *
    from .types.mcp import *
    from .types.models import *
    from .types.rerank import *

_PUBLIC_MODULES = (
    "._exceptions",
    "._types",
    "._config",
    ".types.chat",
    "._events",
    "._accumulate",
    "._streaming",
    "._chat_stream",
    "._client",
    "._tool_errors",
    ".types.chat_parsed",
    "._tool",
    "._tool_events",
    "._tool_runner",
    "._rate_limits",
    "._raw_response",
    ".types.embeddings",
    ".types.images",
    ".types.rerank",
    ".types.models",
    ".types.mcp",
    ".types.agents",
    "._agent_stream",
)
"""The modules whose ``__all__`` is public (the type checkers' list above), in the order a name
is looked for: the chat surface first, so that reaching ``AsyncClient`` loads nothing else."""


def __getattr__(name: str) -> Any:
    if name == "__all__":
        value: Any = ["__version__"]
        for module in _PUBLIC_MODULES:
            value += importlib.import_module(module, __name__).__all__
    else:
        for module in _PUBLIC_MODULES:
            loaded = importlib.import_module(module, __name__)
            if name in loaded.__all__:
                value = getattr(loaded, name)
                break
        else:
            raise AttributeError(f"module 'heroku_inference' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    names: list[str] = __getattr__("__all__")
    return sorted(names)
