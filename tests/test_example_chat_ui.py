"""The chat UI example (examples/fastapi_chat) in headless Chromium, driven by Playwright.

The app runs under uvicorn on 127.0.0.1 with its client on a scripted emulator. The browser
types a prompt, sees the reply's text appear before the reply has ended, sees a tool's result,
and stops a reply with the button, after which the server has closed its upstream stream.
A screenshot of the page is kept in test-artifacts/.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from heroku_inference import AsyncClient
from heroku_inference.fastapi import STATE_KEY
from heroku_inference.testing import Emulator, create_app

from .external import CHROMIUM, require
from .servers import serving, wait_for

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "fastapi_chat"
ARTIFACTS = ROOT / "test-artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fastapi_chat_example", EXAMPLE / "app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def get_client_of(module: ModuleType) -> AsyncClient:
    client: AsyncClient = getattr(module.app.state, STATE_KEY)
    return client


@pytest.fixture
def browser() -> Iterator[Any]:
    require(
        Path(CHROMIUM).exists(), f"Chromium is not installed ({CHROMIUM}: apt-get install chromium)"
    )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "Playwright is not installed (pip install playwright)")
        raise
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Emulator, str, Any]]:
    """The example app, its client on an emulator served over loopback (so the pool's
    connections can be checked)."""
    emulator = Emulator()
    module = load_example()
    with serving(create_app(emulator)) as upstream:
        monkeypatch.setattr(
            module,
            "make_client",
            lambda: AsyncClient(base_url=upstream, api_key="any", model=module.MODEL),
        )
        with serving(module.app) as url:
            yield emulator, url, module


def test_the_page_streams_shows_tools_and_stops(
    browser: Any, example: tuple[Emulator, str, ModuleType]
) -> None:
    emulator, url, module = example
    # Round 1 calls the tool; round 2 answers slowly, so the page shows text before the end.
    emulator.reply(
        text="Let me look that up.",
        reasoning="The user wants the weather in Paris.",
        tool_calls=[{"id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}}],
    )
    words = " ".join(["It", "is", "sunny", "and", "21", "degrees", "in", "Paris."] * 3)
    emulator.fault("slow", delay=0.05, text=words)
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)

    page.fill("#prompt", "What is the weather in Paris?")
    page.click("#send")
    answer = page.locator(".assistant").last.locator(".answer")
    turn = page.locator(".assistant").last
    page.wait_for_function(
        "() => { const turns = document.querySelectorAll('.assistant');"
        " const turn = turns[turns.length - 1];"
        " return turn.querySelector('.answer').textContent.length > 0 && !turn.dataset.done; }"
    )
    seen_mid_reply = answer.text_content() or ""
    page.wait_for_selector(".assistant[data-done='true']")
    final = answer.text_content() or ""
    assert seen_mid_reply
    assert len(seen_mid_reply) < len(final)
    assert final.endswith("Paris.")
    result = turn.locator(".tool.result")
    assert "sunny" in (result.first.text_content() or "")
    assert "get_weather" in (turn.locator(".tool").first.text_content() or "")
    reasoning = turn.locator(".reasoning").text_content() or ""
    assert reasoning == "The user wants the weather in Paris."  # apart from the answer
    assert reasoning not in final

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "fastapi_chat.png"), full_page=True)

    # A long, slow reply, stopped half-way.
    emulator.fault("slow", delay=0.2, text=" ".join(["word"] * 200))
    page.fill("#prompt", "Tell me a long story.")
    page.click("#send")
    stopping = page.locator(".assistant").last
    page.wait_for_function(
        "() => { const turns = document.querySelectorAll('.assistant');"
        " return turns[turns.length - 1].querySelector('.answer').textContent.length > 0; }"
    )
    page.click("#stop")
    page.wait_for_selector(".assistant:last-child .stopped")
    assert stopping.get_attribute("data-done") is None
    wait_for(
        lambda: httpx.get(f"{url}/stats").json()["active_replies"] == 0,
        what="the server to end the stopped reply",
    )
    client = get_client_of(module)
    wait_for(
        lambda: "Requests: 0 active" in repr(client._http._transport._pool),
        what="the upstream request to end",
    )
    assert "Connections: 0 active" in repr(client._http._transport._pool)
    page.screenshot(path=str(ARTIFACTS / "fastapi_chat_stopped.png"), full_page=True)
