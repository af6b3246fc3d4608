"""A chat UI on Heroku Managed Inference: FastAPI, one HTML page, tokens streamed as they come.

    pip install -r requirements.txt
    uvicorn app:app --reload          # http://127.0.0.1:8000

With no ``INFERENCE_URL`` set it runs on the SDK's built-in emulator (no account, no tokens);
on Heroku it reads the add-on's config vars. The page shows the reply as it streams, the
model's reasoning apart, the tools it calls and what they return, and has a Stop button that
ends the reply mid-way (the server then closes its upstream stream at once).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel

from heroku_inference import AsyncClient, tool
from heroku_inference.fastapi import InferenceClient, client_for, sse_events

STATIC = Path(__file__).resolve().parent / "static"
SYSTEM = "You are a helpful assistant on a Heroku app. Use the tools when they help."


@tool
def get_weather(city: str, unit: Literal["c", "f"] = "c") -> dict[str, Any]:
    """The current weather in a city.

    Args:
        city: The city's name, e.g. Paris.
        unit: Celsius or Fahrenheit.
    """
    temperature = 21 if unit == "c" else 70
    return {"city": city, "temperature": temperature, "unit": unit, "sky": "sunny"}


@tool
def get_time(timezone_name: str = "UTC") -> str:
    """The current time.

    Args:
        timezone_name: Only UTC is known here.
    """
    return datetime.now(timezone.utc).strftime("%H:%M UTC")


TOOLS = [get_weather, get_time]


MODEL = os.environ.get("INFERENCE_MODEL_ID") or "claude-4-5-sonnet"


def make_client() -> AsyncClient:
    if not os.environ.get("INFERENCE_URL"):
        return AsyncClient(base_url="emulator", model=MODEL)  # develop without an account
    return AsyncClient(model=MODEL)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.active_replies = 0
    async with client_for(app, make_client):
        yield


app = FastAPI(lifespan=lifespan)


class Message(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class ChatRequest(BaseModel):
    messages: list[Message]
    reasoning: bool = False


@app.get("/")
async def index() -> FileResponse:
    return FileResponse(STATIC / "index.html")


@app.post("/chat", response_class=EventSourceResponse)
async def chat(body: ChatRequest, client: InferenceClient) -> AsyncIterator[ServerSentEvent]:
    """The reply as this SDK's relay events: text, reasoning, tool_call, tool_result..."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": SYSTEM}]
    messages += [message.model_dump() for message in body.messages]
    options: dict[str, Any] = {"max_tokens": 2048}
    if body.reasoning:
        options["extended_thinking"] = {
            "enabled": True,
            "budget_tokens": 1024,
            "include_reasoning": True,
        }
    run = client.chat.completions.run_tools(
        messages=messages, tools=TOOLS, stream=True, max_rounds=4, **options
    )
    app.state.active_replies += 1
    try:
        async for event in sse_events(run):
            yield event
    finally:  # a whole reply, a failure, or the browser went away (Stop)
        app.state.active_replies -= 1


@app.get("/stats")
async def stats() -> dict[str, int]:
    """How many replies are streaming now (the Stop button's test reads it)."""
    return {"active_replies": app.state.active_replies}
