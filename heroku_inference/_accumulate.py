"""Reassembly of streamed chunks into a ``ChatCompletion``, with typed events along the way.

The accumulator keeps per-choice lists of string fragments and joins them only when a
completion or a ``.done`` event is asked for, so its cost is linear in the stream.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import pydantic
import pydantic_core

from ._events import (
    ChatCompletionStreamEvent,
    ChunkEvent,
    ContentDeltaEvent,
    ContentDoneEvent,
    ReasoningDeltaEvent,
    ReasoningDoneEvent,
    RefusalDeltaEvent,
    RefusalDoneEvent,
    ToolCallArgumentsDeltaEvent,
    ToolCallArgumentsDoneEvent,
)
from .types.chat import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionMessage,
    Choice,
    ChoiceLogprobs,
    Function,
    Reasoning,
    TokenLogprob,
    ToolCall,
    ToolCallDelta,
    Usage,
)

__all__ = ["ChatCompletionAccumulator"]

_Events = list[ChatCompletionStreamEvent]
_Sink = _Events | None
"""Where events go; ``None`` when nobody will read them, so they are never built."""
_Tokens: TypeAlias = "list[TokenLogprob] | None"

# Random padding OpenAI adds to every chunk; it means nothing once the stream is reassembled.
_IGNORED_TOP_LEVEL = frozenset({"obfuscation"})


class _Parts(list[str]):
    """String fragments of an unknown field, joined when a completion is built."""

    __slots__ = ()


def _merge_extra(store: dict[str, Any], extra: dict[str, Any], *, concat: bool) -> None:
    # Unknown fields: strings concatenate (when ``concat``), anything else replaces the old
    # value, and ``None`` never erases a value that arrived earlier.
    for key, value in extra.items():
        if value is None:
            store.setdefault(key, None)
        elif concat and isinstance(value, str):
            parts = store.get(key)
            if isinstance(parts, _Parts):
                parts.append(value)
            else:
                store[key] = _Parts((value,))
        else:
            store[key] = value


def _joined(store: dict[str, Any]) -> dict[str, Any]:
    return {k: "".join(v) if isinstance(v, _Parts) else v for k, v in store.items()}


def _extend(tokens: _Tokens, more: _Tokens) -> _Tokens:
    if more is None:
        return tokens
    if tokens is None:
        return list(more)
    tokens.extend(more)
    return tokens


def _parse_json(text: str) -> object | None:
    try:
        value: object = pydantic_core.from_json(text)
    except ValueError:
        return None
    return value


class _ToolState:
    __slots__ = ("done", "extra", "fragments", "id", "index", "maybe_complete", "name", "type")

    def __init__(self, index: int) -> None:
        self.index = index
        self.id: str | None = None
        self.type: str | None = None
        self.name: str | None = None
        self.fragments: list[str] = []  # append-only: delta events keep a reference to it
        self.extra: dict[str, Any] = {}
        self.maybe_complete = False  # the last fragment ends with "}" or "]"
        self.done = False


class _ChoiceState:
    def __init__(self, index: int) -> None:
        self.index = index
        self.role: str | None = None
        self.content: list[str] | None = None  # None until a fragment, even "", arrives
        self.refusal: list[str] | None = None
        self.thinking: list[str] = []
        self.signature: list[str] = []
        self.reasoning_extra: dict[str, Any] = {}
        self.reasoning_state = 0  # 0: none yet, 1: streaming, 2: done event emitted
        self.tools: dict[int, _ToolState] = {}
        self.current: _ToolState | None = None  # the tool call that received the last fragment
        self.latest: _ToolState | None = None  # the tool call started last
        self.by_id: dict[str, _ToolState] = {}
        self.finish_reason: str | None = None
        self.logprobs_seen = False
        self.logprobs_content: _Tokens = None
        self.logprobs_refusal: _Tokens = None
        self.extra: dict[str, Any] = {}  # unknown delta fields, kept on the message
        self.choice_extra: dict[str, Any] = {}  # unknown choice fields, kept on the choice
        self.content_done = False
        self.refusal_done = False

    def reasoning(self) -> Reasoning | None:
        if not (self.thinking or self.signature):
            return None
        values: dict[str, Any] = _joined(self.reasoning_extra)
        if self.thinking:
            values["thinking"] = "".join(self.thinking)
        if self.signature:
            values["signature"] = "".join(self.signature)
        return Reasoning.model_construct(set(values), **values)


class ChatCompletionAccumulator:
    """Rebuilds a ``ChatCompletion`` from streamed chunks, reporting typed events as it goes.

    It does no I/O, so it works on chunks relayed from anywhere::

        acc = ChatCompletionAccumulator()
        for chunk in chunks:
            for event in acc.add(chunk):
                if event.type == "content.delta":
                    print(event.delta, end="")
        acc.finish()  # .done events a stream without a finish_reason still owes
        completion = acc.completion()

    ``.done`` events: reasoning is done when the answer (content, refusal or a tool call)
    starts; a tool call is done when the stream moves on to another call and its arguments
    already form complete JSON; everything still open is done when the choice's
    ``finish_reason`` arrives. No ``.done`` event is emitted twice.
    """

    __slots__ = ("_choices", "_created", "_extra", "_fingerprint", "_id", "_model", "_usage")

    def __init__(self) -> None:
        self._id = ""
        self._model = ""
        self._created = 0
        self._fingerprint: str | None = None
        self._usage: Usage | None = None
        self._extra: dict[str, Any] = {}
        self._choices: dict[int, _ChoiceState] = {}

    def add(self, chunk: ChatCompletionChunk) -> list[ChatCompletionStreamEvent]:
        """Take in one chunk; return the events it produced, its ``ChunkEvent`` first."""
        events: _Events = [ChunkEvent(chunk)]
        self._take(chunk, events)
        return events

    def consume(self, chunk: ChatCompletionChunk) -> None:
        """Take in one chunk like ``add()`` without building events: for when only the final
        completion matters. Events for what it took in are not emitted later either."""
        self._take(chunk, None)

    def _take(self, chunk: ChatCompletionChunk, events: _Sink) -> None:
        if value := chunk.id:
            self._id = value
        if value := chunk.model:
            self._model = value
        if created := chunk.created:
            self._created = created
        if fingerprint := chunk.system_fingerprint:
            self._fingerprint = fingerprint
        if chunk.usage is not None:
            self._usage = chunk.usage
        if extra := chunk.__pydantic_extra__:
            for key, item in extra.items():
                if key not in _IGNORED_TOP_LEVEL and (item is not None or key not in self._extra):
                    self._extra[key] = item

        for choice in chunk.choices:
            ci = choice.index
            st = self._choices.get(ci)
            if st is None:
                st = self._choices[ci] = _ChoiceState(ci)
            delta = choice.delta

            if (role := delta.role) is not None:
                st.role = role
            if (rd := delta.reasoning) is not None:
                if text := rd.thinking:
                    self._thinking(st, text, events)
                if text := rd.signature:
                    st.signature.append(text)
                    st.reasoning_state = st.reasoning_state or 1
                if rd.__pydantic_extra__:
                    _merge_extra(st.reasoning_extra, rd.__pydantic_extra__, concat=True)
            if text := delta.reasoning_content:
                self._thinking(st, text, events)
            if (text := delta.content) is not None:
                self._content(st, text, events)
            if (text := delta.refusal) is not None:
                if st.refusal is None:
                    st.refusal = []
                if text:
                    if st.reasoning_state == 1:
                        self._reasoning_done(st, events)
                    st.refusal.append(text)
                    if events is not None:
                        events.append(RefusalDeltaEvent(ci, text))
            if delta.tool_calls:
                for tcd in delta.tool_calls:
                    self._tool_fragment(st, tcd, events)
            if delta.__pydantic_extra__:
                _merge_extra(st.extra, delta.__pydantic_extra__, concat=True)

            if extra := choice.__pydantic_extra__:
                for key, item in extra.items():
                    if key == "message":
                        self._merge_message(st, item, events)
                    elif item is not None or key not in st.choice_extra:
                        st.choice_extra[key] = item

            if (lp := choice.logprobs) is not None:
                st.logprobs_seen = True
                st.logprobs_content = _extend(st.logprobs_content, lp.content)
                st.logprobs_refusal = _extend(st.logprobs_refusal, lp.refusal)

            if choice.finish_reason:
                st.finish_reason = choice.finish_reason
                self._close(st, events)

    def finish(self) -> list[ChatCompletionStreamEvent]:
        """Return the ``.done`` events not yet emitted, for every choice. Idempotent."""
        events: _Events = []
        for ci in sorted(self._choices):
            self._close(self._choices[ci], events)
        return events

    def completion(self) -> ChatCompletion:
        """The completion built so far: a new object on every call, safe to call mid-stream."""
        values: dict[str, Any] = _joined(self._extra)
        values.update(
            id=self._id,
            object="chat.completion",
            created=self._created,
            model=self._model,
            choices=[self._build_choice(self._choices[ci]) for ci in sorted(self._choices)],
        )
        if self._fingerprint is not None:
            values["system_fingerprint"] = self._fingerprint
        if self._usage is not None:
            values["usage"] = self._usage.model_copy(deep=True)
        return ChatCompletion.model_construct(set(values), **values)

    # -- fragments -------------------------------------------------------------------------

    def _thinking(self, st: _ChoiceState, text: str, events: _Sink) -> None:
        st.thinking.append(text)
        if not st.reasoning_state:
            st.reasoning_state = 1
        if events is not None:
            events.append(ReasoningDeltaEvent(st.index, text))

    def _content(self, st: _ChoiceState, text: str, events: _Sink) -> None:
        if st.content is None:
            st.content = []
        if text:
            if st.reasoning_state == 1:
                self._reasoning_done(st, events)
            st.content.append(text)
            if events is not None:
                events.append(ContentDeltaEvent(st.index, text))

    def _tool_fragment(self, st: _ChoiceState, tcd: ToolCallDelta, events: _Sink) -> None:
        index = tcd.index
        if index is None:
            # Tolerate servers that leave ``index`` out: a known id names its call; a new id
            # starts the next call, unless the call started last has no id yet (then it is
            # that call's late id); a fragment without an id continues the call started last.
            latest = st.latest
            known = st.by_id.get(tcd.id) if tcd.id else None
            if known is not None:
                index = known.index
            elif latest is None:
                index = 0
            elif tcd.id and latest.id:
                index = max(st.tools) + 1
            else:
                index = latest.index
        tc = st.tools.get(index)
        if tc is None:
            tc = st.tools[index] = st.latest = _ToolState(index)
        current = st.current
        if st.reasoning_state == 1:
            self._reasoning_done(st, events)
        if tc is not current:
            if current is not None and current.maybe_complete and not current.done:
                # Calls may interleave, so the call left behind is done only if its
                # arguments are already complete JSON (no JSON object extends another).
                current.maybe_complete = False
                self._tool_done(st, current, events, if_complete=True)
            st.current = tc

        if tcd.id and tcd.id != tc.id:
            tc.id = tcd.id
            st.by_id[tcd.id] = tc
        if tcd.type:
            tc.type = tcd.type
        fn = tcd.function
        if fn is not None:
            if fn.name:
                tc.name = fn.name
            if args := fn.arguments:
                fragments = tc.fragments
                fragments.append(args)
                if stripped := args.rstrip():
                    tc.maybe_complete = stripped[-1] in "}]"
                if events is not None:
                    events.append(
                        ToolCallArgumentsDeltaEvent(
                            st.index, tc.index, tc.name, args, fragments, len(fragments)
                        )
                    )
        if tcd.__pydantic_extra__:
            _merge_extra(tc.extra, tcd.__pydantic_extra__, concat=False)

    def _merge_message(self, st: _ChoiceState, message: object, events: _Sink) -> None:
        # Some servers put a whole ``message`` in the finishing chunk: take what the deltas
        # did not already bring.
        if not isinstance(message, dict):
            return
        content = message.get("content")
        if isinstance(content, str) and not st.content:
            self._content(st, content, events)
        raw_calls = message.get("tool_calls")
        if not isinstance(raw_calls, list):
            return
        known_ids = {tc.id for tc in st.tools.values() if tc.id}
        for position, raw in enumerate(raw_calls):
            if not isinstance(raw, dict):
                continue
            fn = raw.get("function")
            if isinstance(fn, dict) and isinstance(fn.get("arguments"), (dict, list)):
                fn = {**fn, "arguments": pydantic_core.to_json(fn["arguments"]).decode()}
            try:
                tcd = ToolCallDelta.model_validate({**raw, "function": fn})
            except pydantic.ValidationError:
                continue
            if tcd.index is None:
                tcd.index = position
            if tcd.index not in st.tools and not (tcd.id and tcd.id in known_ids):
                self._tool_fragment(st, tcd, events)

    # -- done events -----------------------------------------------------------------------

    def _reasoning_done(self, st: _ChoiceState, events: _Sink) -> None:
        st.reasoning_state = 2
        if events is not None and (reasoning := st.reasoning()) is not None:
            events.append(ReasoningDoneEvent(st.index, reasoning))

    def _tool_done(
        self, st: _ChoiceState, tc: _ToolState, events: _Sink, *, if_complete: bool = False
    ) -> None:
        if events is None:
            tc.done = True
            return
        arguments = "".join(tc.fragments)
        parsed = _parse_json(arguments)
        if if_complete and parsed is None:
            return
        tc.done = True
        events.append(
            ToolCallArgumentsDoneEvent(st.index, tc.index, tc.id, tc.name, arguments, parsed)
        )

    def _close(self, st: _ChoiceState, events: _Sink) -> None:
        ci = st.index
        if st.reasoning_state == 1:
            self._reasoning_done(st, events)
        if st.content is not None and not st.content_done:
            st.content_done = True
            if events is not None:
                events.append(ContentDoneEvent(ci, "".join(st.content)))
        if st.refusal is not None and not st.refusal_done:
            st.refusal_done = True
            if events is not None:
                events.append(RefusalDoneEvent(ci, "".join(st.refusal)))
        for index in sorted(st.tools):
            if not st.tools[index].done:
                self._tool_done(st, st.tools[index], events)

    # -- building the completion -----------------------------------------------------------

    def _build_choice(self, st: _ChoiceState) -> Choice:
        message: dict[str, Any] = _joined(st.extra)
        message["role"] = st.role or "assistant"
        message["content"] = None if st.content is None else "".join(st.content)
        if st.refusal is not None:
            message["refusal"] = "".join(st.refusal)
        if st.tools:
            message["tool_calls"] = [_build_tool_call(st.tools[i]) for i in sorted(st.tools)]
        reasoning = st.reasoning()
        if reasoning is not None:
            message["reasoning"] = reasoning

        values: dict[str, Any] = dict(st.choice_extra)
        values.update(
            index=st.index,
            message=ChatCompletionMessage.model_construct(set(message), **message),
            finish_reason=st.finish_reason,
        )
        if st.logprobs_seen:
            lp = {"content": _extend(None, st.logprobs_content)}  # copies: a snapshot
            lp["refusal"] = _extend(None, st.logprobs_refusal)
            lp_set = {k for k, v in lp.items() if v is not None}
            values["logprobs"] = ChoiceLogprobs.model_construct(lp_set, **lp)
        return Choice.model_construct(set(values), **values)


def _build_tool_call(tc: _ToolState) -> ToolCall:
    function = Function.model_construct(name=tc.name or "", arguments="".join(tc.fragments))
    values: dict[str, Any] = dict(tc.extra)
    values.update(id=tc.id or "", type=tc.type or "function", function=function)
    return ToolCall.model_construct(set(values), **values)
