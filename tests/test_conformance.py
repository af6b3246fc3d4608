"""Each recorded OpenAI stream must reassemble into the completion the openai SDK builds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("openai")

from openai import LengthFinishReasonError
from openai.lib.streaming.chat import ChatCompletionStreamState
from openai.types.chat import ChatCompletionChunk as OpenAIChunk

from heroku_inference._accumulate import ChatCompletionAccumulator
from heroku_inference.types.chat import ChatCompletionChunk

# Twelve real streams recorded from the OpenAI API (see fixtures/conformance/README.md).
STREAMS = Path(__file__).resolve().parent / "fixtures" / "conformance"
FILES = sorted(STREAMS.glob("*.sse"))

# Fields only openai's helper adds: the parsed forms of content and of tool arguments.
OPENAI_ONLY = {"parsed", "parsed_arguments"}


def payloads(path: Path) -> list[dict[str, Any]]:
    """The JSON payloads of an OpenAI-framed SSE file, up to ``data: [DONE]``."""
    out: list[dict[str, Any]] = []
    for block in path.read_text().replace("\r\n", "\n").split("\n\n"):
        data = "\n".join(
            line[5:].removeprefix(" ") for line in block.splitlines() if line.startswith("data:")
        )
        if data == "[DONE]":
            return out
        if data:
            out.append(json.loads(data))
    raise AssertionError(f"{path.name} has no [DONE]")


def strip_openai_only(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_openai_only(v) for k, v in value.items() if k not in OPENAI_ONLY}
    if isinstance(value, list):
        return [strip_openai_only(v) for v in value]
    return value


def drop_openai_tool_call_index(completion: dict[str, Any]) -> None:
    # openai's snapshot is the deltas merged as dicts, so each tool call keeps the delta's
    # ``index`` key. A ChatCompletion's tool calls have no ``index`` (a non-streamed response
    # has none, and the message is meant to be sent back as the next turn's assistant
    # message), so ours leave it out. This is the one difference we keep on purpose; the test
    # below checks that the dropped value is the call's position.
    for choice in completion["choices"]:
        for position, call in enumerate(choice["message"].get("tool_calls") or []):
            assert call.pop("index") == position


def normalise(a: Any, b: Any) -> tuple[Any, Any]:
    """Drop dict keys that are None (or missing) on both sides, recursively."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = [k for k in {**a, **b} if not (a.get(k) is None and b.get(k) is None)]
        pairs = {k: normalise(a.get(k), b.get(k)) for k in keys}
        return {k: p[0] for k, p in pairs.items()}, {k: p[1] for k, p in pairs.items()}
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        pairs_list = [normalise(x, y) for x, y in zip(a, b, strict=True)]
        return [p[0] for p in pairs_list], [p[1] for p in pairs_list]
    return a, b


def test_all_recordings_present() -> None:
    assert len(FILES) == 12


def test_normalise_keeps_real_differences() -> None:
    ours, theirs = normalise({"a": None, "b": 1, "c": None}, {"a": None, "b": 1, "c": "x"})
    assert ours == {"b": 1, "c": None}
    assert theirs == {"b": 1, "c": "x"}
    assert ours != theirs


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_same_final_completion_as_openai(path: Path) -> None:
    chunks = payloads(path)
    assert chunks

    state: ChatCompletionStreamState[Any] = ChatCompletionStreamState()
    acc = ChatCompletionAccumulator()
    for data in chunks:
        state.handle_chunk(OpenAIChunk.model_validate(data))
        acc.add(ChatCompletionChunk.model_validate(data))
    acc.finish()

    final: Any
    try:
        final = state.get_final_completion()
    except LengthFinishReasonError as exc:
        # openai refuses to "parse" a completion cut short by max_tokens, even with no
        # response_format; the error carries the completion it accumulated. Ours just reports
        # finish_reason "length".
        final = exc.completion
    theirs = strip_openai_only(final.model_dump(mode="json"))
    drop_openai_tool_call_index(theirs)
    ours = acc.completion().model_dump(mode="json")

    ours, theirs = normalise(ours, theirs)
    assert ours == theirs


def event_key(event: Any) -> tuple[Any, ...] | None:
    """The comparable part of an event of either SDK (None for chunk and logprobs events)."""
    kind = event.type
    if kind in ("content.delta", "refusal.delta"):
        return (kind, event.delta)
    if kind == "content.done":
        return (kind, event.content)
    if kind == "refusal.done":
        return (kind, event.refusal)
    if kind == "tool_calls.function.arguments.delta":
        return (kind, event.index, event.name, event.arguments_delta)
    if kind == "tool_calls.function.arguments.done":
        return (kind, event.index, event.name, event.arguments)
    return None


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_same_events_as_openai_apart_from_empty_deltas(path: Path) -> None:
    state: ChatCompletionStreamState[Any] = ChatCompletionStreamState()
    acc = ChatCompletionAccumulator()
    theirs: list[Any] = []
    ours: list[Any] = []
    for data in payloads(path):
        theirs += map(event_key, state.handle_chunk(OpenAIChunk.model_validate(data)))
        ours += map(event_key, acc.add(ChatCompletionChunk.model_validate(data)))
    ours += map(event_key, acc.finish())
    # openai also reports empty fragments (the "" that opens most streams); ours do not.
    theirs = [k for k in theirs if k is not None and not (k[0].endswith(".delta") and k[-1] == "")]
    assert [k for k in ours if k is not None] == theirs
