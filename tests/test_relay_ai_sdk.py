"""The ai-sdk protocol fed to the AI SDK's own parser and message reader (npm package ``ai``,
run with Node.js): every part must pass its schema and rebuild the same message."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from heroku_inference.relay import to_sse
from heroku_inference.testing import Emulator

from .external import JS, node

MESSAGES = [{"role": "user", "content": "Weather in Paris?"}]


def parsed_by_the_ai_sdk(body: bytes, tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "stream.sse"
    path.write_bytes(body)
    done = subprocess.run(
        [node(), str(JS / "parse_ui_message_stream.mjs"), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    assert result["invalid"] == []
    assert result["errors"] == []
    return result


def relayed(emulator: Emulator) -> bytes:
    with emulator.client() as client:
        stream = client.chat.completions.stream(messages=MESSAGES)
        return b"".join(to_sse(stream, protocol="ai-sdk"))  # type: ignore[arg-type]


def parts_of(result: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [part for part in result["message"]["parts"] if part["type"] == kind]


def test_a_text_reply(tmp_path: Path) -> None:
    emulator = Emulator()
    emulator.reply(text="Paris is sunny today.")
    result = parsed_by_the_ai_sdk(relayed(emulator), tmp_path)
    (text,) = parts_of(result, "text")
    assert (text["text"], text["state"]) == ("Paris is sunny today.", "done")
    assert result["chunks"][-1] == {"type": "finish", "finishReason": "stop"}


def test_a_reasoning_reply(tmp_path: Path) -> None:
    emulator = Emulator()
    emulator.reply(text="Sunny.", reasoning="The user wants the weather in Paris.")
    result = parsed_by_the_ai_sdk(relayed(emulator), tmp_path)
    (reasoning,) = parts_of(result, "reasoning")
    assert reasoning["text"] == "The user wants the weather in Paris."
    assert parts_of(result, "text")[0]["text"] == "Sunny."


def test_a_tool_call(tmp_path: Path) -> None:
    emulator = Emulator()
    emulator.reply(
        text="Checking.",
        tool_calls=[{"id": "call_7", "name": "get_weather", "arguments": {"city": "Paris"}}],
    )
    result = parsed_by_the_ai_sdk(relayed(emulator), tmp_path)
    (tool,) = parts_of(result, "tool-get_weather")
    assert tool == {
        "type": "tool-get_weather",
        "toolCallId": "call_7",
        "state": "input-available",
        "input": {"city": "Paris"},
    }
    assert result["chunks"][-1]["finishReason"] == "tool-calls"


def test_an_error(tmp_path: Path) -> None:
    emulator = Emulator()
    emulator.fault("inband_error", after=2)
    path = tmp_path / "stream.sse"
    path.write_bytes(relayed(emulator))
    done = subprocess.run(
        [node(), str(JS / "parse_ui_message_stream.mjs"), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    result = json.loads(done.stdout)
    assert result["invalid"] == []
    kinds = [chunk["type"] for chunk in result["chunks"]]
    assert kinds[-1] == "error"
    assert "Failed to execute chat" in result["chunks"][-1]["errorText"]
    text = parts_of(result, "text")[0]
    assert text["text"] == "Hello "  # what came before the error, as the server sent it


def test_a_tool_round(tmp_path: Path) -> None:
    from .test_relay import script_tool_round, weather_tool

    emulator = Emulator()
    script_tool_round(emulator)
    with emulator.client() as client:
        run = client.chat.completions.run_tools(
            messages=MESSAGES, tools=[weather_tool()], stream=True
        )
        body = b"".join(to_sse(run, protocol="ai-sdk"))  # type: ignore[arg-type]
    result = parsed_by_the_ai_sdk(body, tmp_path)
    (tool,) = parts_of(result, "tool-get_weather")
    assert tool["state"] == "output-available"
    assert tool["input"] == {"city": "Paris"}
    assert tool["output"] == {"city": "Paris", "sky": "sunny"}
    assert [part["text"] for part in parts_of(result, "text")] == [
        "Checking.",
        "It is sunny in Paris.",
    ]
    assert len(parts_of(result, "step-start")) == 2
