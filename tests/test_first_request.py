"""The first request does no one-time work on the event loop: the first client imports what
calls need and builds the chat models' validators, so a server's first request is as quick
as its second (``benchmarks/bench_first_request.py`` measures it)."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import asyncio, json, sys
import httpx
import pydantic_core
from heroku_inference import AsyncClient, ChatCompletion, ChatCompletionChunk

body = open(sys.argv[1], "rb").read()
client = AsyncClient(api_key="k", base_url="https://inference.test", model="m",
    transport=httpx.MockTransport(lambda request: httpx.Response(200, content=body)))
built = [isinstance(m.__pydantic_validator__, pydantic_core.SchemaValidator)
         for m in (ChatCompletion, ChatCompletionChunk)]

async def first_request():
    before = set(sys.modules)
    await client.chat.completions.create(messages=[{"role": "user", "content": "hi"}])
    return sorted(set(sys.modules) - before)

imported = asyncio.run(first_request())
print(json.dumps({"built": built, "imported": imported}))
"""


def test_the_first_client_prepares_what_the_first_request_needs() -> None:
    from .helpers import FIXTURES

    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(FIXTURES / "chat_completion.json")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    import json

    result = json.loads(done.stdout)
    assert result["built"] == [True, True]
    assert [name for name in result["imported"] if name.startswith("heroku_inference")] == []


def test_a_chat_only_process_never_loads_the_tool_machinery() -> None:
    script = """
import sys, httpx
from heroku_inference import Client
body = open(sys.argv[1], "rb").read()
client = Client(api_key="k", base_url="https://inference.test", model="m",
                transport=httpx.MockTransport(lambda r: httpx.Response(200, content=body)))
client.chat.completions.create(messages=[{"role": "user", "content": "hi"}])
heavy = ("_tool", "_tool_schema", "_tool_runner", "_tool_rounds", "_structured")
print([name for name in heavy if f"heroku_inference.{name}" in sys.modules])
"""
    from .helpers import FIXTURES

    done = subprocess.run(
        [sys.executable, "-c", script, str(FIXTURES / "chat_completion.json")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.strip() == "[]"
