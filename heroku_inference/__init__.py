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

Every public name is declared once, in the ``__all__`` of the module that defines it; this
package re-exports those modules' ``__all__``.
"""

from __future__ import annotations

from . import _accumulate, _chat_stream, _client, _config, _events, _exceptions, _streaming, _types
from ._accumulate import *
from ._chat_stream import *
from ._client import *
from ._config import *
from ._events import *
from ._exceptions import *
from ._streaming import *
from ._types import *
from ._version import __version__
from .types import chat as _chat_types
from .types.chat import *

__all__ = ["__version__"]
__all__ += _accumulate.__all__
__all__ += _chat_stream.__all__
__all__ += _client.__all__
__all__ += _config.__all__
__all__ += _events.__all__
__all__ += _exceptions.__all__
__all__ += _streaming.__all__
__all__ += _types.__all__
__all__ += _chat_types.__all__
