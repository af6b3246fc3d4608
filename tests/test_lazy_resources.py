"""A chat-only process pays nothing for the other endpoints: their modules load on first use."""

from __future__ import annotations

import subprocess
import sys

NEW_MODULES = (
    "heroku_inference.resources.embeddings",
    "heroku_inference.resources.agents",
    "heroku_inference.types.embeddings",
    "heroku_inference.types.agents",
    "heroku_inference.types.images",
    "heroku_inference._agent_stream",
)


def loaded_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint(' '.join(sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    return set(done.stdout.split())


def test_the_first_client_loads_no_other_endpoint() -> None:
    modules = loaded_after(
        "from heroku_inference import AsyncClient, Client\n"
        "AsyncClient(api_key='k', base_url='https://x.test', model='m')\n"
        "Client(api_key='k', base_url='https://x.test', model='m').chat.completions"
    )
    assert modules.isdisjoint(NEW_MODULES), modules & set(NEW_MODULES)


def test_a_resource_loads_on_first_use() -> None:
    modules = loaded_after(
        "from heroku_inference import Client\n"
        "Client(api_key='k', base_url='https://x.test', model='m').embeddings"
    )
    assert "heroku_inference.resources.embeddings" in modules
    assert "heroku_inference.resources.agents" not in modules
