"""Property tests (Hypothesis) of SSE decoding and of the accumulator.

- Any split of a valid stream's bytes (empty reads included) rebuilds the same completion as
  the bytes read whole; CRLF and CR line ends give the same as LF.
- Arbitrary bytes, and SSE-shaped garbage, give chunks or an ``APIError``: never another
  exception, never a hang.
- Valid chunks of random streams (several choices, reasoning as an object or a string,
  content, refusal, tool calls with and without ``index``, interleaved) rebuild the completion
  they were cut from, and the accumulator's own events agree with it: the deltas add up to the
  final text, each ``.done`` event comes once and holds the final value.

A short run by default (CI); ``nox -s fuzz`` runs the long profile
(``HYPOTHESIS_PROFILE=long``).
"""

from __future__ import annotations

import itertools
import json
import os
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heroku_inference import APIError, ChatCompletion, ChatCompletionAccumulator, Client

from .helpers import FIXTURES, FragmentedStream, fixture_bytes

settings.register_profile(
    "default", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "long", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

VALID_STREAMS = [
    "chat_text.heroku.sse",
    "chat_reasoning.heroku.sse",
    "chat_tools_parallel.heroku.sse",
    "chat_text.openai_crlf.sse",
    *sorted(f"conformance/{p.name}" for p in (FIXTURES / "conformance").glob("*.sse")),
]


class Replayer:
    """One sync client for every example, answering with whatever body is set next."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        transport = httpx.MockTransport(self._answer)
        self.client = Client(
            api_key="inf-fuzz",
            base_url="https://inference.test",
            model="m",
            max_retries=0,
            http_client=httpx.Client(transport=transport),
        )

    def _answer(self, request: httpx.Request) -> httpx.Response:
        stream = FragmentedStream(b"")
        stream._parts = lambda: iter(self.parts)  # type: ignore[method-assign]
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=stream)

    def completion(self, parts: list[bytes]) -> ChatCompletion:
        """The completion the SDK rebuilds from a body read in ``parts``."""
        self.parts = parts
        with self.client.chat.completions.stream(messages=[]) as stream:
            return stream.get_final_completion()

    def chunks_or_error(self, parts: list[bytes]) -> list[Any]:
        self.parts = parts
        with self.client.chat.completions.create(messages=[], stream=True) as stream:
            return list(stream)


REPLAYER = Replayer()
WHOLE = {name: REPLAYER.completion([fixture_bytes(name)]).to_dict() for name in VALID_STREAMS}


def split(body: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted(min(cut, len(body)) for cut in cuts)
    edges = [0, *points, len(body)]
    return [body[start:end] for start, end in itertools.pairwise(edges)]


@given(
    name=st.sampled_from(VALID_STREAMS),
    cuts=st.lists(st.integers(min_value=0, max_value=200_000), max_size=60),
)
def test_any_split_of_a_valid_stream_rebuilds_the_same_completion(
    name: str, cuts: list[int]
) -> None:
    body = fixture_bytes(name)
    assert REPLAYER.completion(split(body, cuts)).to_dict() == WHOLE[name]


@given(
    name=st.sampled_from(VALID_STREAMS),
    ending=st.sampled_from([b"\n", b"\r\n", b"\r"]),
    cuts=st.lists(st.integers(min_value=0, max_value=200_000), max_size=20),
)
def test_every_line_ending_rebuilds_the_same_completion(
    name: str, ending: bytes, cuts: list[int]
) -> None:
    lines = fixture_bytes(name).replace(b"\r\n", b"\n").split(b"\n")
    body = ending.join(lines)
    assert REPLAYER.completion(split(body, cuts)).to_dict() == WHOLE[name]


SSE_PIECES = [
    b"data: ",
    b"data:",
    b"event: error\n",
    b"event:message\n",
    b"event: done\n",
    b": keep-alive\n",
    b"id: 7\n",
    b"retry: x\n",
    b"\n",
    b"\r\n",
    b"\r",
    b"[DONE]",
    b"{",
    b"}",
    b"[" * 3000,
    b'{"error": {"message": "boom"}}',
    b'{"choices": [{"index": 0, "delta": {"content": "hi"}}]}',
    b'{"choices": [{"index": "x"}]}',
    b'{"id": "c", "choices": [{"index": 0, "delta": {"tool_calls": [{"function": {}}]}}]}',
    b'{"choices": [{"delta": {"reasoning": 3}}]}',
    "é€😀".encode(),
    b"\xff\xfe",
    b"\x00",
]


def assert_chunks_or_sdk_error(parts: list[bytes]) -> None:
    try:
        chunks = REPLAYER.chunks_or_error(parts)
    except APIError:
        return
    accumulator = ChatCompletionAccumulator()
    for chunk in chunks:
        accumulator.add(chunk)
    accumulator.finish()
    accumulator.completion()


@given(body=st.binary(max_size=4000), cuts=st.lists(st.integers(0, 4000), max_size=10))
def test_arbitrary_bytes_give_chunks_or_an_sdk_error(body: bytes, cuts: list[int]) -> None:
    assert_chunks_or_sdk_error(split(body, cuts))


@given(
    pieces=st.lists(st.sampled_from(SSE_PIECES), max_size=40),
    cuts=st.lists(st.integers(0, 20_000), max_size=10),
)
def test_sse_shaped_garbage_gives_chunks_or_an_sdk_error(
    pieces: list[bytes], cuts: list[int]
) -> None:
    assert_chunks_or_sdk_error(split(b"".join(pieces), cuts))


# -- the accumulator, on valid chunks --------------------------------------------------------

TEXT = st.text(min_size=1, max_size=8)


@dataclass
class PlannedCall:
    id: str
    name: str
    fragments: list[str]

    @property
    def arguments(self) -> str:
        return "".join(self.fragments)


@dataclass
class PlannedChoice:
    index: int
    reasoning: list[str]
    reasoning_as_string: bool
    content: list[str]
    refusal: list[str]
    calls: list[PlannedCall]
    with_index: bool
    deltas: list[dict[str, Any]] = field(default_factory=list)

    def build_deltas(self) -> list[dict[str, Any]]:
        """This choice's deltas in stream order: reasoning, content, refusal, tool calls."""
        deltas: list[dict[str, Any]] = [{"role": "assistant"}]
        for piece in self.reasoning:
            reasoning = piece if self.reasoning_as_string else {"thinking": piece}
            deltas.append({"reasoning": reasoning})
        deltas += [{"content": piece} for piece in self.content]
        deltas += [{"refusal": piece} for piece in self.refusal]
        for position, call in enumerate(self.calls):
            where = {"index": position} if self.with_index else {}
            header = {**where, "id": call.id, "type": "function"}
            header["function"] = {"name": call.name, "arguments": ""}
            deltas.append({"tool_calls": [header]})
            for fragment in call.fragments:
                deltas.append({"tool_calls": [{**where, "function": {"arguments": fragment}}]})
        return deltas


@st.composite
def planned_choice(draw: st.DrawFn, index: int) -> PlannedChoice:
    calls = [
        PlannedCall(f"call_{index}_{n}", draw(st.sampled_from(["f", "g", "get_weather"])), [])
        for n in range(draw(st.integers(0, 3)))
    ]
    for call in calls:
        value = draw(st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5)))
        text = json.dumps(value)
        cuts = draw(st.lists(st.integers(0, len(text)), max_size=6))
        call.fragments = [part.decode() for part in split(text.encode(), cuts) if part]
        if not call.fragments:
            call.fragments = [text]
    return PlannedChoice(
        index=index,
        reasoning=draw(st.lists(TEXT, max_size=4)),
        reasoning_as_string=draw(st.booleans()),
        content=draw(st.lists(TEXT, max_size=5)),
        refusal=draw(st.lists(TEXT, max_size=2)),
        calls=calls,
        with_index=draw(st.booleans()),
    )


@st.composite
def planned_stream(draw: st.DrawFn) -> tuple[list[PlannedChoice], list[dict[str, Any]]]:
    """Choices, and the chunk payloads of a stream interleaving them, finish chunks last."""
    count = draw(st.integers(1, 3))
    choices = [draw(planned_choice(index)) for index in range(count)]
    queues = [[(c.index, delta) for delta in c.build_deltas()] for c in choices]
    order: list[tuple[int, dict[str, Any]]] = []
    while any(queues):
        pick = draw(st.sampled_from([q for q in queues if q]))
        order.append(pick.pop(0))
    payloads = [
        {"id": "chatcmpl-f", "created": 1, "model": "m", "choices": [choice(i, d, None)]}
        for i, d in order
    ]
    for c in choices:
        finish = "tool_calls" if c.calls else "stop"
        payloads.append({"id": "chatcmpl-f", "choices": [choice(c.index, {}, finish)]})
    return choices, payloads


def choice(index: int, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {"index": index, "delta": delta, "finish_reason": finish}


def decoded_chunks(payloads: list[dict[str, Any]]) -> list[Any]:
    from heroku_inference import ChatCompletionChunk

    return [ChatCompletionChunk.model_validate_json(json.dumps(p)) for p in payloads]


def text_or_none(pieces: list[str]) -> str | None:
    return "".join(pieces) if pieces else None


@given(plan=planned_stream())
def test_the_accumulator_rebuilds_random_streams_and_its_events_agree(
    plan: tuple[list[PlannedChoice], list[dict[str, Any]]],
) -> None:
    choices, payloads = plan
    accumulator = ChatCompletionAccumulator()
    events: list[Any] = []
    for chunk in decoded_chunks(payloads):
        events += accumulator.add(chunk)
    events += accumulator.finish()
    assert accumulator.finish() == []  # idempotent
    final = accumulator.completion()

    assert [c.index for c in final.choices] == [c.index for c in choices]
    deltas: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    dones: dict[tuple[str, int, int], list[Any]] = defaultdict(list)
    for event in events:
        kind, _, phase = event.type.rpartition(".")
        if event.type == "chunk":
            continue
        where = (kind, event.choice_index, getattr(event, "index", 0))
        if phase == "delta":
            deltas[where].append(getattr(event, "arguments_delta", None) or event.delta)
        else:
            dones[where].append(event)
    assert all(len(found) == 1 for found in dones.values()), "a .done event came twice"

    for planned, built in zip(choices, final.choices, strict=True):
        message = built.message
        i = planned.index
        assert message.content == text_or_none(planned.content)
        assert message.refusal == text_or_none(planned.refusal)
        if planned.reasoning:
            assert message.reasoning is not None
            assert message.reasoning.thinking == "".join(planned.reasoning)
            assert "".join(deltas["reasoning", i, 0]) == message.reasoning.thinking
            assert dones["reasoning", i, 0][0].reasoning.thinking == message.reasoning.thinking
        else:
            assert message.reasoning is None
        if planned.content:
            assert "".join(deltas["content", i, 0]) == message.content
            assert dones["content", i, 0][0].content == message.content
        if planned.refusal:
            assert "".join(deltas["refusal", i, 0]) == message.refusal
            assert dones["refusal", i, 0][0].refusal == message.refusal
        calls = message.tool_calls or []
        assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [
            (c.id, c.name, c.arguments) for c in planned.calls
        ]
        for position, call in enumerate(planned.calls):
            where = ("tool_calls.function.arguments", i, position)
            assert "".join(deltas[where]) == call.arguments
            [done] = dones[where]
            assert (done.id, done.name, done.arguments) == (call.id, call.name, call.arguments)
            assert done.parsed_arguments == json.loads(call.arguments)
        assert built.finish_reason == ("tool_calls" if planned.calls else "stop")
