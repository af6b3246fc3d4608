"""A local Heroku Inference emulator and pytest fixtures: develop and test with no network.

```python
from heroku_inference.testing import Emulator

emu = Emulator()
emu.reply(text="Hi!")
with emu.client() as client:
    print(client.chat.completions.create(messages=[{"role": "user", "content": "Hello"}]))
```

- ``Emulator``: scripting (``reply``, ``agent_run``, ``error``, ``fault``), ``requests``,
  in-process clients; it serves every endpoint of the add-on (chat, embeddings, images, rerank,
  agents, models, MCP servers), deterministically, and knows Heroku's models
  (``AVAILABLE_MODELS``) and any you add (``models=``, ``add_model``).
- ``EmulatorTransport``: the emulator as an httpx transport (sync and async).
- ``create_app(emu)``: the emulator as an ASGI app; ``serve(emu, port=8787)`` serves it with
  uvicorn (the ``emulator`` extra), as ``heroku-inference emulator`` does.
- pytest fixtures ``heroku_emulator``, ``heroku_client``, ``heroku_async_client``
  (``heroku_inference.testing.pytest_plugin``).
"""

from __future__ import annotations

from ._asgi import create_app
from ._catalog import AVAILABLE_MODELS, ModelKind
from ._emulator import DEFAULT_API_KEY, DEFAULT_BASE_URL, DEFAULT_MODEL, Emulator
from ._errors import FORMS as ERROR_FORMS
from ._plan import RecordedRequest
from ._server import serve
from ._transport import EmulatorTransport
from ._validation import IGNORED_PARAMS, SUPPORTED_PARAMS

__all__ = [
    "AVAILABLE_MODELS",
    "DEFAULT_API_KEY",
    "DEFAULT_BASE_URL",
    "DEFAULT_MODEL",
    "ERROR_FORMS",
    "IGNORED_PARAMS",
    "SUPPORTED_PARAMS",
    "Emulator",
    "EmulatorTransport",
    "ModelKind",
    "RecordedRequest",
    "create_app",
    "serve",
]
