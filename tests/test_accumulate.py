"""The pure accumulator and its typed events, fed from wire transcripts and hand-made chunks."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from heroku_inference._accumulate import ChatCompletionAccumulator
from heroku_inference._events import (
    ChatCompletionStreamEvent,
    ChunkEvent,
    ContentDeltaEvent,
    ToolCallArgumentsDeltaEvent,
    ToolCallArgumentsDoneEvent,
)
from heroku_inference.types.chat import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionMessage,
    Choice,
    ChoiceLogprobs,
    Function,
    Reasoning,
    TokenLogprob,
    ToolCall,
    Usage,
)

WIRE = Path(__file__).resolve().parent / "fixtures"  # copies of the shared wire transcripts


# -- helpers -----------------------------------------------------------------------------


def transcript(name: str) -> list[ChatCompletionChunk]:
    """Chunks of a wire transcript: blank-line separated events, ``data:`` payloads, up to
    ``[DONE]``. (The SDK's real SSE decoder is tested elsewhere.)"""
    chunks: list[ChatCompletionChunk] = []
    text = (WIRE / name).read_text().replace("\r\n", "\n")
    for block in text.split("\n\n"):
        data = "\n".join(
            line[5:].removeprefix(" ") for line in block.splitlines() if line.startswith("data:")
        )
        if data == "[DONE]":
            return chunks
        if data:
            chunks.append(ChatCompletionChunk.model_validate(json.loads(data)))
    raise AssertionError(f"{name} has no [DONE]")


def chunk(*choices: dict[str, Any], **top: Any) -> ChatCompletionChunk:
    data = {"id": "chatcmpl-1", "model": "m", "created": 7, "choices": list(choices), **top}
    return ChatCompletionChunk.model_validate(data)


def choice(index: int = 0, finish_reason: str | None = None, **delta: Any) -> dict[str, Any]:
    return {"index": index, "delta": delta, "finish_reason": finish_reason}


def tool(
    index: int | None = None,
    id: str | None = None,
    name: str | None = None,
    args: str | None = None,
) -> dict[str, Any]:
    call: dict[str, Any] = {"function": {}}
    if index is not None:
        call["index"] = index
    if id is not None:
        call["id"] = id
        call["type"] = "function"
    if name is not None:
        call["function"]["name"] = name
    if args is not None:
        call["function"]["arguments"] = args
    return call


def summary(event: ChatCompletionStreamEvent) -> tuple[Any, ...]:
    """An event as a plain tuple, for comparing whole sequences."""
    if event.type == "chunk":
        return ("chunk",)
    if event.type == "reasoning.done":
        r = event.reasoning
        return (event.type, event.choice_index, r.thinking, r.signature)
    if event.type == "tool_calls.function.arguments.delta":
        return (event.type, event.choice_index, event.index, event.name, event.arguments_delta)
    if event.type == "tool_calls.function.arguments.done":
        return (
            event.type,
            event.choice_index,
            event.index,
            event.id,
            event.name,
            event.arguments,
            event.parsed_arguments,
        )
    return (event.type, *dataclasses.astuple(event))


def feed(acc: ChatCompletionAccumulator, chunks: list[ChatCompletionChunk]) -> list[Any]:
    return [summary(e) for c in chunks for e in acc.add(c)]


def without_chunks(events: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [e for e in events if e != ("chunk",)]


def done_events(events: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [e for e in events if e[0].endswith(".done")]


# -- the wire transcripts ----------------------------------------------------------------


def test_text_stream_exact_events() -> None:
    acc = ChatCompletionAccumulator()
    events = feed(acc, transcript("chat_text.heroku.sse"))
    words = ["Heroku ", "is ", "cool ", "because ", "it ", "just ", "works", "."]
    expected: list[tuple[Any, ...]] = [("chunk",)]  # role + "": no delta event
    for word in words:
        expected += [("chunk",), ("content.delta", 0, word)]
    expected += [("chunk",), ("content.done", 0, "Heroku is cool because it just works.")]
    assert events == expected
    assert acc.finish() == []


def test_text_stream_completion() -> None:
    acc = ChatCompletionAccumulator()
    feed(acc, transcript("chat_text.heroku.sse"))
    c = acc.completion()
    assert c.id == "chatcmpl-1846531e6d7a6be30e1c6"
    assert c.object == "chat.completion"
    assert c.created == 1763740800
    assert c.model == "claude-4-5-sonnet"
    assert c.system_fingerprint == "heroku-inf-1qgiqof"
    assert len(c.choices) == 1
    assert c.choices[0].index == 0
    assert c.choices[0].finish_reason == "stop"
    assert c.choices[0].logprobs is None
    msg = c.choices[0].message
    assert msg.role == "assistant"
    assert msg.content == "Heroku is cool because it just works."
    assert msg.refusal is None
    assert msg.tool_calls is None
    assert msg.reasoning is None
    assert c.usage == Usage(prompt_tokens=21, completion_tokens=9, total_tokens=30)


def test_openai_framing_with_crlf_gives_the_same_result() -> None:
    heroku, openai = ChatCompletionAccumulator(), ChatCompletionAccumulator()
    assert feed(heroku, transcript("chat_text.heroku.sse")) == feed(
        openai, transcript("chat_text.openai_crlf.sse")
    )
    assert heroku.completion() == openai.completion()


def test_parallel_interleaved_tool_calls() -> None:
    acc = ChatCompletionAccumulator()
    events = without_chunks(feed(acc, transcript("chat_tools_parallel.heroku.sse")))
    delta = "tool_calls.function.arguments.delta"
    done = "tool_calls.function.arguments.done"
    paris = {"city": "Paris", "unit": "celsius"}
    assert events == [
        ("content.delta", 0, "Let me check both."),
        (delta, 0, 0, "get_weather", '{"ci'),
        (delta, 0, 0, "get_weather", 'ty": "Par'),
        # call 1 starts while call 0 is unfinished JSON: call 0 is not done yet
        (delta, 0, 0, "get_weather", 'is", "unit"'),
        (delta, 0, 1, "get_stock_price", '{"symbol"'),
        (delta, 0, 0, "get_weather", ': "celsius"}'),
        # back on call 1 after call 0 became complete JSON: now call 0 is done
        (done, 0, 0, "tooluse_GDSgVgflTByFOnL_ZbCrhQ", "get_weather", json.dumps(paris), paris),
        (delta, 0, 1, "get_stock_price", ': "CRM"}'),
        ("content.done", 0, "Let me check both."),
        (
            done,
            0,
            1,
            "tooluse_Q2xhdWRlIGlzIGNvb2w",
            "get_stock_price",
            '{"symbol": "CRM"}',
            {"symbol": "CRM"},
        ),
    ]
    c = acc.completion()
    assert c.choices[0].finish_reason == "tool_calls"
    assert c.choices[0].message.content == "Let me check both."
    assert c.choices[0].message.tool_calls == [
        ToolCall(
            id="tooluse_GDSgVgflTByFOnL_ZbCrhQ",
            type="function",
            function=Function(name="get_weather", arguments=json.dumps(paris)),
        ),
        ToolCall(
            id="tooluse_Q2xhdWRlIGlzIGNvb2w",
            type="function",
            function=Function(name="get_stock_price", arguments='{"symbol": "CRM"}'),
        ),
    ]
    assert c.usage == Usage(prompt_tokens=310, completion_tokens=74, total_tokens=384)


def test_reasoning_transcript() -> None:
    acc = ChatCompletionAccumulator()
    events = without_chunks(feed(acc, transcript("chat_reasoning.heroku.sse")))
    thinking = "The user asks why Heroku is cool. Keep it short."
    answer = "Because deploys are a git push."
    assert events == [
        ("reasoning.delta", 0, "The user "),
        ("reasoning.delta", 0, "asks why Heroku "),
        ("reasoning.delta", 0, "is cool. "),
        ("reasoning.delta", 0, "Keep it short."),
        ("reasoning.done", 0, thinking, None),  # the answer started
        ("content.delta", 0, "Because "),
        ("content.delta", 0, "deploys are a git push."),
        ("content.done", 0, answer),
    ]
    msg = acc.completion().choices[0].message
    assert msg.content == answer
    assert msg.reasoning == Reasoning(thinking=thinking)


@pytest.mark.parametrize(
    "name",
    [
        "chat_text.heroku.sse",
        "chat_text.openai_crlf.sse",
        "chat_tools_parallel.heroku.sse",
        "chat_reasoning.heroku.sse",
    ],
)
def test_completion_is_a_real_model_that_round_trips(name: str) -> None:
    acc = ChatCompletionAccumulator()
    feed(acc, transcript(name))
    c = acc.completion()
    assert isinstance(c, ChatCompletion)
    assert isinstance(c.usage, Usage)
    for ch in c.choices:
        assert isinstance(ch, Choice)
        assert isinstance(ch.message, ChatCompletionMessage)
        assert ch.message.reasoning is None or isinstance(ch.message.reasoning, Reasoning)
        for call in ch.message.tool_calls or []:
            assert isinstance(call, ToolCall)
            assert isinstance(call.function, Function)
    dumped = c.model_dump()
    again = ChatCompletion.model_validate(dumped)
    assert again == c
    assert again.model_dump() == dumped
    assert ChatCompletion.model_validate_json(c.model_dump_json()) == c


# -- tool calls --------------------------------------------------------------------------


def test_sequential_tool_call_is_done_when_the_next_one_starts() -> None:
    acc = ChatCompletionAccumulator()
    events = without_chunks(
        feed(
            acc,
            [
                chunk(choice(tool_calls=[tool(0, "call_a", "f", "")])),
                chunk(choice(tool_calls=[tool(0, args='{"x": 1')])),
                chunk(choice(tool_calls=[tool(0, args="}")])),
                chunk(choice(tool_calls=[tool(1, "call_b", "g", '{"y": 2}')])),
                chunk(choice(finish_reason="tool_calls")),
            ],
        )
    )
    delta = "tool_calls.function.arguments.delta"
    done = "tool_calls.function.arguments.done"
    assert events == [
        (delta, 0, 0, "f", '{"x": 1'),
        (delta, 0, 0, "f", "}"),
        (done, 0, 0, "call_a", "f", '{"x": 1}', {"x": 1}),
        (delta, 0, 1, "g", '{"y": 2}'),
        (done, 0, 1, "call_b", "g", '{"y": 2}', {"y": 2}),
    ]


def test_missing_index_continues_the_open_call() -> None:
    acc = ChatCompletionAccumulator()
    feed(
        acc,
        [
            chunk(choice(tool_calls=[tool(None, args='{"a"')])),  # no call yet: index 0
            chunk(choice(tool_calls=[tool(None, id="call_1", name="f")])),  # late id, same call
            chunk(choice(tool_calls=[tool(None, args=": 1}")])),
            chunk(choice(tool_calls=[tool(None, id="call_1", args="")])),  # same id again
            chunk(choice(finish_reason="tool_calls")),
        ],
    )
    assert acc.completion().choices[0].message.tool_calls == [
        ToolCall(id="call_1", function=Function(name="f", arguments='{"a": 1}'))
    ]


def test_missing_index_with_a_new_id_starts_the_next_call() -> None:
    acc = ChatCompletionAccumulator()
    events = without_chunks(
        feed(
            acc,
            [
                chunk(choice(tool_calls=[tool(None, "call_1", "f", '{"a": 1}')])),
                chunk(choice(tool_calls=[tool(None, "call_2", "g", '{"b"')])),
                chunk(choice(tool_calls=[tool(None, args=": 2}")])),
                chunk(choice(finish_reason="tool_calls")),
            ],
        )
    )
    calls = acc.completion().choices[0].message.tool_calls
    assert calls == [
        ToolCall(id="call_1", function=Function(name="f", arguments='{"a": 1}')),
        ToolCall(id="call_2", function=Function(name="g", arguments='{"b": 2}')),
    ]
    assert [e[:3] for e in events] == [
        ("tool_calls.function.arguments.delta", 0, 0),
        ("tool_calls.function.arguments.done", 0, 0),
        ("tool_calls.function.arguments.delta", 0, 1),
        ("tool_calls.function.arguments.delta", 0, 1),
        ("tool_calls.function.arguments.done", 0, 1),
    ]


def test_missing_index_with_a_known_id_returns_to_that_call() -> None:
    # Fragments of two calls alternate, named only by their ids (no index at all).
    acc = ChatCompletionAccumulator()
    feed(
        acc,
        [
            chunk(choice(tool_calls=[tool(None, "call_a", "f", '{"x": ')])),
            chunk(choice(tool_calls=[tool(None, "call_b", "g", '{"y": ')])),
            chunk(choice(tool_calls=[tool(None, "call_a", args="1}")])),
            chunk(choice(tool_calls=[tool(None, "call_b", args="2}")])),
            chunk(choice(finish_reason="tool_calls")),
        ],
    )
    calls = acc.completion().choices[0].message.tool_calls or []
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [
        ("call_a", "f", '{"x": 1}'),
        ("call_b", "g", '{"y": 2}'),
    ]


def test_missing_index_goes_to_the_call_started_last() -> None:
    acc = ChatCompletionAccumulator()
    feed(
        acc,
        [
            chunk(choice(tool_calls=[tool(0, "call_0", "f", '{"a": ')])),
            chunk(choice(tool_calls=[tool(1, "call_1", "g", '{"b": ')])),
            chunk(choice(tool_calls=[tool(0, args="1}")])),
            chunk(choice(tool_calls=[tool(None, args="2}")])),
        ],
    )
    calls = acc.completion().choices[0].message.tool_calls or []
    assert [c.function.arguments for c in calls] == ['{"a": 1}', '{"b": 2}']


def test_id_and_name_arriving_late() -> None:
    acc = ChatCompletionAccumulator()
    events = without_chunks(
        feed(
            acc,
            [
                chunk(choice(tool_calls=[tool(0, args='{"q": ')])),
                chunk(choice(tool_calls=[tool(0, args='"x"')])),
                chunk(choice(tool_calls=[{"index": 0, "function": {"name": "search"}}])),
                chunk(choice(tool_calls=[{"index": 0, "id": "call_9", "function": {}}])),
                chunk(choice(tool_calls=[tool(0, args="}")])),
                chunk(choice(finish_reason="tool_calls")),
            ],
        )
    )
    assert events == [
        ("tool_calls.function.arguments.delta", 0, 0, None, '{"q": '),
        ("tool_calls.function.arguments.delta", 0, 0, None, '"x"'),
        ("tool_calls.function.arguments.delta", 0, 0, "search", "}"),
        ("tool_calls.function.arguments.done", 0, 0, "call_9", "search", '{"q": "x"}', {"q": "x"}),
    ]
    (call,) = acc.completion().choices[0].message.tool_calls or []
    assert call == ToolCall(
        id="call_9", type="function", function=Function(name="search", arguments='{"q": "x"}')
    )


def test_partial_arguments_and_lazy_arguments() -> None:
    acc = ChatCompletionAccumulator()
    first = acc.add(chunk(choice(tool_calls=[tool(0, "c", "f", '{"city": "Paris", "unit"')])))
    second = acc.add(chunk(choice(tool_calls=[tool(0, args=': "cel')])))
    acc.add(chunk(choice(tool_calls=[tool(0, args='sius"}')])))
    ev1, ev2 = first[1], second[1]
    assert isinstance(ev1, ToolCallArgumentsDeltaEvent)
    assert isinstance(ev2, ToolCallArgumentsDeltaEvent)
    # each event sees the arguments as they were at its own fragment, even after later ones
    assert ev1.arguments == '{"city": "Paris", "unit"'
    assert ev2.arguments == '{"city": "Paris", "unit": "cel'
    assert ev1.partial_arguments() == {"city": "Paris"}
    assert ev2.partial_arguments() == {"city": "Paris"}  # the unfinished string is left out
    assert ev2.arguments_delta == ': "cel'

    broken = acc.add(chunk(choice(1, tool_calls=[tool(0, "d", "g", "not json")])))[1]
    assert isinstance(broken, ToolCallArgumentsDeltaEvent)
    assert broken.partial_arguments() is None


def test_done_event_with_invalid_json_has_no_parsed_arguments() -> None:
    acc = ChatCompletionAccumulator()
    acc.add(chunk(choice(tool_calls=[tool(0, "c", "f", '{"a": ')])))
    (done,) = acc.add(chunk(choice(finish_reason="length")))[1:]
    assert isinstance(done, ToolCallArgumentsDoneEvent)
    assert done.arguments == '{"a": '
    assert done.parsed_arguments is None


def test_whole_message_in_the_finishing_chunk_is_merged() -> None:
    acc = ChatCompletionAccumulator()
    known = {"id": "call_a", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    new = {"id": "call_b", "type": "function", "function": {"name": "g", "arguments": {"k": 1}}}
    finishing = {
        "index": 0,
        "delta": {},
        "finish_reason": "tool_calls",
        "message": {"role": "assistant", "content": "Done.", "tool_calls": [known, new]},
    }
    events = without_chunks(
        feed(
            acc,
            [
                chunk(choice(content="", tool_calls=[tool(0, "call_a", "f", "{}")])),
                chunk(finishing),
            ],
        )
    )
    msg = acc.completion().choices[0].message
    assert msg.content == "Done."  # nothing but "" had been streamed
    assert msg.tool_calls == [
        ToolCall(id="call_a", function=Function(name="f", arguments="{}")),
        ToolCall(id="call_b", function=Function(name="g", arguments='{"k":1}')),
    ]
    assert "message" not in (acc.completion().choices[0].model_extra or {})
    assert events == [
        ("tool_calls.function.arguments.delta", 0, 0, "f", "{}"),
        ("content.delta", 0, "Done."),
        ("tool_calls.function.arguments.done", 0, 0, "call_a", "f", "{}", {}),
        ("tool_calls.function.arguments.delta", 0, 1, "g", '{"k":1}'),
        ("content.done", 0, "Done."),
        ("tool_calls.function.arguments.done", 0, 1, "call_b", "g", '{"k":1}', {"k": 1}),
    ]


def test_whole_message_tool_calls_without_index_use_their_position() -> None:
    acc = ChatCompletionAccumulator()
    call = {
        "id": "call_x",
        "type": "function",
        "function": {"name": "f", "arguments": '{"q": 1}'},
        "extra_content": {"google": {"thought_signature": "s"}},
    }
    finishing = {"index": 0, "delta": {}, "finish_reason": "tool_calls"}
    finishing["message"] = {"role": "assistant", "content": None, "tool_calls": [call]}
    events = without_chunks(feed(acc, [chunk(finishing)]))
    assert events == [
        ("tool_calls.function.arguments.delta", 0, 0, "f", '{"q": 1}'),
        ("tool_calls.function.arguments.done", 0, 0, "call_x", "f", '{"q": 1}', {"q": 1}),
    ]
    msg = acc.completion().choices[0].message
    assert msg.content is None
    (tc,) = msg.tool_calls or []
    assert (tc.id, tc.function.name, tc.function.arguments) == ("call_x", "f", '{"q": 1}')
    assert tc.model_extra == {"extra_content": {"google": {"thought_signature": "s"}}}


def test_whole_message_does_not_replace_streamed_content() -> None:
    acc = ChatCompletionAccumulator()
    acc.add(chunk(choice(content="streamed")))
    acc.add(chunk({"index": 0, "delta": {}, "finish_reason": "stop", "message": {"content": "x"}}))
    assert acc.completion().choices[0].message.content == "streamed"


# -- usage, top-level fields, choices --------------------------------------------------------


def test_usage_only_chunk_with_no_choices() -> None:
    acc = ChatCompletionAccumulator()
    acc.add(chunk(choice(role="assistant", content="Hi")))
    acc.add(chunk(choice(finish_reason="stop")))
    usage_chunk = chunk(usage={"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4})
    events = acc.add(usage_chunk)
    assert len(events) == 1
    assert isinstance(events[0], ChunkEvent)
    assert events[0].chunk is usage_chunk
    c = acc.completion()
    assert c.usage == Usage(prompt_tokens=3, completion_tokens=1, total_tokens=4)
    assert c.choices[0].message.content == "Hi"
    # a later chunk without usage does not erase it
    acc.add(chunk())
    assert acc.completion().usage == Usage(prompt_tokens=3, completion_tokens=1, total_tokens=4)


def test_usage_keeps_extra_counters() -> None:
    acc = ChatCompletionAccumulator()
    acc.add(chunk(usage={"total_tokens": 4, "completion_tokens_details": {"reasoning_tokens": 2}}))
    usage = acc.completion().usage
    assert usage is not None
    assert usage.total_tokens == 4
    assert usage.model_extra == {"completion_tokens_details": {"reasoning_tokens": 2}}


def test_top_level_values_last_non_empty_wins() -> None:
    acc = ChatCompletionAccumulator()
    acc.add(chunk(id="a", model="m1", created=1, system_fingerprint="fp1"))
    acc.add(chunk(id="", model="", created=0, system_fingerprint=None))
    c = acc.completion()
    assert (c.id, c.model, c.created, c.system_fingerprint) == ("a", "m1", 1, "fp1")
    acc.add(chunk(id="b", model="m2", created=2, system_fingerprint="fp2"))
    c = acc.completion()
    assert (c.id, c.model, c.created, c.system_fingerprint) == ("b", "m2", 2, "fp2")
    assert c.object == "chat.completion"
    assert c.choices == []
    assert c.usage is None


def test_several_choices_sorted_by_index() -> None:
    acc = ChatCompletionAccumulator()
    events = without_chunks(
        feed(
            acc,
            [
                chunk(choice(2, content="C"), choice(0, content="A")),
                chunk(choice(1, content="B")),
                chunk(choice(0, content="a"), choice(1, finish_reason="length")),
                chunk(choice(2, content="c", finish_reason="stop")),
                chunk(choice(0, finish_reason="stop")),
            ],
        )
    )
    assert events == [
        ("content.delta", 2, "C"),
        ("content.delta", 0, "A"),
        ("content.delta", 1, "B"),
        ("content.delta", 0, "a"),
        ("content.done", 1, "B"),
        ("content.delta", 2, "c"),
        ("content.done", 2, "Cc"),
        ("content.done", 0, "Aa"),
    ]
    c = acc.completion()
    assert [(ch.index, ch.message.content, ch.finish_reason) for ch in c.choices] == [
        (0, "Aa", "stop"),
        (1, "B", "length"),
        (2, "Cc", "stop"),
    ]


def test_unknown_fields_are_kept() -> None:
    acc = ChatCompletionAccumulator()
    acc.add(
        chunk(
            {
                "index": 0,
                "delta": {"content": "x", "citations": "[1", "meta": {"v": 1}, "note": None},
                "finish_reason": None,
                "stop_reason": None,
            },
            service_tier="default",
            heroku={"region": "us"},
            obfuscation="abc",
        )
    )
    acc.add(
        chunk(
            {
                "index": 0,
                "delta": {"citations": "]", "meta": {"v": 2}, "note": "n"},
                "finish_reason": "stop",
                "stop_reason": "end_turn",
            },
            service_tier="priority",
            heroku=None,
            obfuscation="defgh",
        )
    )
    c = acc.completion()
    assert c.model_extra == {"service_tier": "priority", "heroku": {"region": "us"}}
    msg = c.choices[0].message
    assert msg.model_extra == {"citations": "[1]", "meta": {"v": 2}, "note": "n"}
    assert c.choices[0].model_extra == {"stop_reason": "end_turn"}
    assert ChatCompletion.model_validate(c.model_dump()) == c


def test_unknown_tool_call_fields_are_kept() -> None:
    acc = ChatCompletionAccumulator()
    call = tool(0, "c", "f", "{}")
    call["extra_content"] = {"google": {"thought_signature": "sig"}}
    acc.add(chunk(choice(tool_calls=[call])))
    (tc,) = acc.completion().choices[0].message.tool_calls or []
    assert tc.model_extra == {"extra_content": {"google": {"thought_signature": "sig"}}}


def test_unknown_finish_reason_is_kept_and_closes_the_choice() -> None:
    acc = ChatCompletionAccumulator()
    acc.add(chunk(choice(content="Hi")))
    events = without_chunks([summary(e) for e in acc.add(chunk(choice(finish_reason="end_turn")))])
    assert events == [("content.done", 0, "Hi")]
    assert acc.completion().choices[0].finish_reason == "end_turn"


def test_logprobs_extend_across_chunks() -> None:
    def lp(token: str) -> dict[str, Any]:
        return {"token": token, "logprob": -0.5, "bytes": None, "top_logprobs": []}

    acc = ChatCompletionAccumulator()
    first = choice(content="Foo")
    first["logprobs"] = {"content": [lp("Foo")], "refusal": None}
    second = choice(content="!")
    second["logprobs"] = {"content": [lp("!")], "refusal": None}
    last = choice(finish_reason="stop")
    last["logprobs"] = None
    acc.add(chunk(first))
    acc.add(chunk(second))
    acc.add(chunk(last))
    logprobs = acc.completion().choices[0].logprobs
    assert isinstance(logprobs, ChoiceLogprobs)
    assert logprobs.refusal is None
    assert logprobs.content == [
        TokenLogprob(token="Foo", logprob=-0.5),
        TokenLogprob(token="!", logprob=-0.5),
    ]
    assert all(isinstance(t, TokenLogprob) for t in logprobs.content)


# -- content, refusal, reasoning ---------------------------------------------------------------


def test_content_is_none_until_a_string_arrives() -> None:
    acc = ChatCompletionAccumulator()
    events = without_chunks(
        feed(
            acc,
            [chunk(choice(role="assistant", content=None)), chunk(choice(finish_reason="stop"))],
        )
    )
    assert events == []
    assert acc.completion().choices[0].message.content is None

    acc = ChatCompletionAccumulator()
    events = without_chunks(
        feed(
            acc, [chunk(choice(role="assistant", content="")), chunk(choice(finish_reason="stop"))]
        )
    )
    assert events == [("content.done", 0, "")]
    assert acc.completion().choices[0].message.content == ""


def test_refusal_events() -> None:
    acc = ChatCompletionAccumulator()
    events = without_chunks(
        feed(
            acc,
            [
                chunk(choice(role="assistant", content=None, refusal="")),
                chunk(choice(refusal="I can't")),
                chunk(choice(refusal=" help.")),
                chunk(choice(finish_reason="stop")),
            ],
        )
    )
    assert events == [
        ("refusal.delta", 0, "I can't"),
        ("refusal.delta", 0, " help."),
        ("refusal.done", 0, "I can't help."),
    ]
    msg = acc.completion().choices[0].message
    assert (msg.content, msg.refusal) == (None, "I can't help.")


def test_reasoning_as_a_string_with_a_signature() -> None:
    acc = ChatCompletionAccumulator()
    events = without_chunks(
        feed(
            acc,
            [
                chunk(choice(reasoning="Think ")),
                chunk(choice(reasoning={"thinking": "hard.", "signature": "sig-"})),
                chunk(choice(reasoning={"signature": "123"})),
                chunk(choice(content="Answer")),
                chunk(choice(finish_reason="stop")),
            ],
        )
    )
    assert events == [
        ("reasoning.delta", 0, "Think "),
        ("reasoning.delta", 0, "hard."),
        ("reasoning.done", 0, "Think hard.", "sig-123"),
        ("content.delta", 0, "Answer"),
        ("content.done", 0, "Answer"),
    ]
    assert acc.completion().choices[0].message.reasoning == Reasoning(
        thinking="Think hard.", signature="sig-123"
    )


def test_reasoning_content_field() -> None:
    acc = ChatCompletionAccumulator()
    events = without_chunks(
        feed(
            acc,
            [
                chunk(choice(role="assistant", reasoning_content="Let me ")),
                chunk(choice(reasoning_content="see.")),
                chunk(choice(tool_calls=[tool(0, "c", "f", "{}")])),
                chunk(choice(finish_reason="tool_calls")),
            ],
        )
    )
    # a tool call starting also ends the reasoning
    assert events[:3] == [
        ("reasoning.delta", 0, "Let me "),
        ("reasoning.delta", 0, "see."),
        ("reasoning.done", 0, "Let me see.", None),
    ]
    msg = acc.completion().choices[0].message
    assert msg.reasoning == Reasoning(thinking="Let me see.")
    assert msg.content is None


def test_empty_reasoning_is_no_reasoning() -> None:
    acc = ChatCompletionAccumulator()
    events = without_chunks(
        feed(
            acc,
            [
                chunk(choice(reasoning_content="", reasoning={"thinking": ""})),
                chunk(choice(content="Hi", reasoning_content=None, finish_reason="stop")),
            ],
        )
    )
    assert events == [("content.delta", 0, "Hi"), ("content.done", 0, "Hi")]
    assert acc.completion().choices[0].message.reasoning is None


def test_unknown_reasoning_fields_are_kept() -> None:
    acc = ChatCompletionAccumulator()
    acc.add(chunk(choice(reasoning={"thinking": "a", "redacted": "x"})))
    acc.add(chunk(choice(reasoning={"thinking": "b", "redacted": "y"})))
    reasoning = acc.completion().choices[0].message.reasoning
    assert reasoning is not None
    assert reasoning.thinking == "ab"
    assert reasoning.model_extra == {"redacted": "xy"}


def test_reasoning_without_an_answer_is_done_at_finish() -> None:
    acc = ChatCompletionAccumulator()
    acc.add(chunk(choice(reasoning={"thinking": "hmm"})))
    events = [summary(e) for e in acc.add(chunk(choice(finish_reason="length")))]
    assert events == [("chunk",), ("reasoning.done", 0, "hmm", None)]


# -- finish(), snapshots, duplicates -----------------------------------------------------------


def test_finish_closes_a_stream_without_finish_reason_and_is_idempotent() -> None:
    acc = ChatCompletionAccumulator()
    feed(
        acc,
        [
            chunk(choice(reasoning={"thinking": "t"})),
            chunk(choice(content="Hi")),
            chunk(choice(tool_calls=[tool(0, "c", "f", '{"a": 1}')])),
            chunk(choice(1, content="other")),
        ],
    )
    assert [summary(e) for e in acc.finish()] == [
        ("content.done", 0, "Hi"),
        ("tool_calls.function.arguments.done", 0, 0, "c", "f", '{"a": 1}', {"a": 1}),
        ("content.done", 1, "other"),
    ]
    assert acc.finish() == []
    assert acc.finish() == []
    assert acc.completion().choices[0].finish_reason is None


def test_finish_after_finish_reason_returns_nothing() -> None:
    acc = ChatCompletionAccumulator()
    feed(acc, transcript("chat_tools_parallel.heroku.sse"))
    assert acc.finish() == []


def test_done_events_are_never_duplicated() -> None:
    acc = ChatCompletionAccumulator()
    events = feed(
        acc,
        [
            chunk(choice(reasoning={"thinking": "t"})),
            chunk(choice(content="a")),
            chunk(choice(tool_calls=[tool(0, "c0", "f", "{}")])),
            chunk(choice(tool_calls=[tool(1, "c1", "g", "{}")])),
            chunk(choice(tool_calls=[tool(0, args=" ")])),  # back to a call already done
            chunk(choice(tool_calls=[tool(1, args=" ")])),
            chunk(choice(reasoning={"thinking": "more"}, finish_reason="stop")),
            chunk(choice(content="b", finish_reason="stop")),  # a second finish
        ],
    )
    events += [summary(e) for e in acc.finish()]
    keys = [e[:3] if e[0].startswith("tool") else e[:2] for e in done_events(events)]
    assert keys == [
        ("reasoning.done", 0),
        ("tool_calls.function.arguments.done", 0, 0),  # call 1 started
        ("tool_calls.function.arguments.done", 0, 1),  # back to call 0
        ("content.done", 0),  # finish_reason
    ]
    msg = acc.completion().choices[0].message
    assert msg.content == "ab"
    assert msg.reasoning == Reasoning(thinking="tmore")


def test_completion_mid_stream_is_a_snapshot() -> None:
    chunks = transcript("chat_tools_parallel.heroku.sse")
    acc = ChatCompletionAccumulator()
    reference = ChatCompletionAccumulator()
    feed(reference, chunks)

    feed(acc, chunks[:4])
    snap = acc.completion()
    calls = snap.choices[0].message.tool_calls or []
    assert snap.choices[0].message.content == "Let me check both."
    assert [c.function.arguments for c in calls] == ['{"city": "Par']
    assert snap.choices[0].finish_reason is None
    assert snap.usage is None
    # changing the snapshot must not leak into the accumulator
    snap.choices[0].message.content = "changed"
    calls[0].function.arguments = "changed"
    calls.append(ToolCall(id="bogus"))
    snap.choices.append(Choice(index=9))

    feed(acc, chunks[4:])
    assert acc.completion() == reference.completion()
    final_usage = acc.completion().usage
    assert final_usage is not None
    final_usage.total_tokens = 0
    assert acc.completion() == reference.completion()


def test_events_are_slotted_with_a_class_level_type() -> None:
    event = ContentDeltaEvent(0, "x")
    assert event.type == "content.delta"
    assert ContentDeltaEvent.type == "content.delta"
    assert not hasattr(event, "__dict__")  # slots: cheap to build, one per chunk
    assert "type" not in {f.name for f in dataclasses.fields(event)}


def test_long_stream_of_tiny_chunks() -> None:
    n = 20_000
    acc = ChatCompletionAccumulator()
    acc.add(chunk(choice(role="assistant", content="")))
    deltas = 0
    for i in range(n):
        for event in acc.add(chunk(choice(content="ab"[i % 2]))):
            deltas += event.type == "content.delta"
    acc.add(chunk(choice(finish_reason="stop")))
    assert deltas == n
    assert acc.completion().choices[0].message.content == "ab" * (n // 2)


def test_long_tool_arguments_of_tiny_fragments() -> None:
    n = 20_000
    acc = ChatCompletionAccumulator()
    acc.add(chunk(choice(tool_calls=[tool(0, "c", "f", '{"s": "')])))
    for _ in range(n):
        acc.add(chunk(choice(tool_calls=[tool(0, args="x")])))
    acc.add(chunk(choice(tool_calls=[tool(0, args='"}')])))
    (done,) = acc.add(chunk(choice(finish_reason="tool_calls")))[1:]
    assert isinstance(done, ToolCallArgumentsDoneEvent)
    assert done.parsed_arguments == {"s": "x" * n}
