"""``client.chat.completions.run_tools()``: the async and sync tool runners.

Both are thin drivers of ``ToolLoop`` (``_tool_rounds.py``): they send, read, run tools, and
hand out events. Nothing is sent before the runner is used.

- ``AsyncToolRunner`` runs the calls of a round concurrently, at most ``max_concurrency`` at
  a time, in a task group that lives only while the round's tools run, inside one step of
  the iteration: it never stays open while the caller holds an event (a task group left open
  across a ``yield`` breaks cancellation, PEP 789: a FastAPI endpoint relaying the runner is
  exactly that). Plain ``def`` tools run in worker threads (anyio's, bounded). The
  ``tool_call.result`` events of a round come once its calls have finished, in the order
  they finished; results are appended to the history in call order.
- ``ToolRunner`` runs them one after the other in the calling thread: no thread, no loop.

Leaving the block (``break``, an error, cancellation) closes the open stream, cancels the
calls still running and waits for them, so no tool task outlives the runner. A plain ``def``
tool already running in a thread cannot be interrupted: leaving waits for it to return.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from types import TracebackType
from typing import Any

import anyio

from ._call_params import checked_concurrency
from ._chat_stream import AsyncChatCompletionStream, ChatCompletionStream
from ._context import AsyncContext, SyncContext
from ._sse import chat_chunk_decoder
from ._streaming import AsyncStream, Stream
from ._telemetry import RunSpan, span, start_span
from ._tool_events import ToolCallResultEvent, ToolRunEvent, ToolRunResult
from ._tool_rounds import METHOD, PlannedCall, ToolLoop
from ._transport import Call
from .resources._chat_call import build_chat_call, parse_chat_completion
from .types.chat import ChatCompletion

__all__ = ["AsyncToolRunner", "ToolRunner"]

_Outcome = tuple[int, Any, "Exception | None"]
_REQUEST, _STREAMING, _TOOLS, _DONE = "request", "streaming", "tools", "done"
_NOT_ENTERED = (
    "Use the runner in a block before iterating it: `{block} run:` (or call `{wait}"
    "run.until_done()`, which does so itself)."
)


class _RunnerBase:
    """What both drivers share: the loop, the first call (built, so checked, at once), the
    events not yet handed out, and the phase."""

    def _setup(self, settings: Any, loop: ToolLoop, stream: bool) -> None:
        self._settings = settings
        self._loop = loop
        self._stream_mode = stream
        self._next_call: Call | None = self._build_call()
        self._pending: deque[ToolRunEvent] = deque()
        self._phase = _REQUEST
        self._error: BaseException | None = None
        self._entered = False
        self._finished = False
        self._turn: list[PlannedCall] = []
        self._results: list[ToolCallResultEvent] = []
        self._span: RunSpan | None = None
        self._span_started = False

    def _step(self) -> AbstractContextManager[object]:
        """Telemetry of one step of the run: the run's span (started by its first step) is
        current within it, so the model calls and tool spans of the step are its children.
        A step never yields to the caller, so the span is never current across an event."""
        if not self._span_started:
            self._span_started = True
            first = self._next_call.telemetry if self._next_call is not None else None
            model = first.model if first is not None else self._settings.model
            attributes = {"gen_ai.agent.name": "tool_runner", "gen_ai.request.model": model}
            self._span = start_span("invoke_agent tool_runner", "invoke_agent", attributes)
        return self._span.current() if self._span is not None else nullcontext()

    def _end_span(self, error: BaseException | None = None) -> None:
        if self._span is not None:
            self._span.set("heroku_inference.rounds", self._loop.rounds)
            self._span.end(error)

    def _build_call(self) -> Call:
        params = self._loop.request_params()
        return build_chat_call(self._settings, params, stream=self._stream_mode, method_name=METHOD)

    def _take_call(self) -> Call:
        call, self._next_call = self._next_call, None
        return call if call is not None else self._build_call()

    def _leave(self) -> None:
        """The block is left: nothing more is handed out."""
        self._phase = _DONE
        self._pending.clear()
        self._end_span(None if self._finished else GeneratorExit())

    def _result(self) -> ToolRunResult:
        if self._error is not None:
            raise self._error
        if not self._finished:
            raise RuntimeError("the run was left before the model's last answer")
        return self._loop.result()

    def _took(self, completion: ChatCompletion) -> list[PlannedCall]:
        """The reply is whole: plan its calls; queue the last event when there are none."""
        turn = self._loop.take_completion(completion)
        self._turn, self._results = turn, []
        if not turn:
            self._pending.append(self._loop.final_round())
            self._phase = _DONE
            self._finished = True
            self._end_span()
        else:
            self._phase = _TOOLS
        return turn

    def _record(self, call: PlannedCall, output: Any, error: Exception | None) -> None:
        event = self._loop.result_event(call, output, error)
        self._results.append(event)
        self._pending.append(event)
        if len(self._results) == len(self._turn):
            self._pending.append(self._loop.finish_round(self._results))
            self._phase = _REQUEST

    @property
    def messages(self) -> list[Any]:
        """The history so far (a copy): the messages given, then each turn since."""
        return list(self._loop.history)

    @property
    def rounds(self) -> int:
        """Model calls made so far."""
        return self._loop.rounds


class AsyncToolRunner(_RunnerBase):
    """Runs the model and its tools until it answers; an async iterator of typed events.

    ```python
    async with client.chat.completions.run_tools(messages=messages, tools=[get_weather]) as run:
        async for event in run:
            if event.type == "tool_call.result":
                print(event.name, "->", event.content)
        result = await run.until_done()
    print(result.completion.choices[0].message.content)
    ```
    """

    def __init__(
        self, context: AsyncContext, loop: ToolLoop, *, stream: bool, max_concurrency: int
    ) -> None:
        self._context = context
        self._setup(context.settings, loop, stream)
        self._limiter = anyio.CapacityLimiter(checked_concurrency(max_concurrency, METHOD))
        self._open = False
        self._stream: AsyncChatCompletionStream | None = None
        self._to_run: list[PlannedCall] = []

    async def __aenter__(self) -> AsyncToolRunner:
        if self._entered:
            raise RuntimeError("a tool runner can be entered only once")
        self._entered = self._open = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._open = False
        self._leave()
        await self._close_round()
        return None

    async def _close_round(self) -> None:
        with anyio.CancelScope(shield=True):
            if self._stream is not None:
                stream, self._stream = self._stream, None
                await stream.aclose()

    def __aiter__(self) -> AsyncToolRunner:
        return self

    async def __anext__(self) -> ToolRunEvent:
        if not self._open:
            if self._phase == _DONE and not self._pending:
                raise StopAsyncIteration
            raise RuntimeError(_NOT_ENTERED.format(block="async with", wait="await "))
        pending = self._pending
        while not pending:
            if self._error is not None:
                raise self._error
            if self._phase == _DONE:
                raise StopAsyncIteration
            try:
                with self._step():
                    await self._advance()
            except Exception as exc:
                self._error = exc
                self._phase = _DONE
                self._end_span(exc)
                raise
        return pending.popleft()

    async def until_done(self) -> ToolRunResult:
        """Run to the end (entering the runner if it is not) and return the result."""
        if not self._open and not self._entered:
            async with self:
                return await self.until_done()
        async for _ in self:
            pass
        return self._result()

    async def _advance(self) -> None:
        if self._phase == _REQUEST:
            settings, driver = self._context.settings, self._context.driver
            outcome = await driver.run(settings, self._take_call())
            if not self._stream_mode:
                self._start_tools(self._took(parse_chat_completion(outcome)))
                return
            self._stream = AsyncChatCompletionStream(
                AsyncStream(outcome, chat_chunk_decoder(outcome.errors))
            )
            self._phase = _STREAMING
        elif self._phase == _STREAMING:
            assert self._stream is not None
            try:
                self._pending.append(await self._stream.__anext__())
            except StopAsyncIteration:
                completion = self._stream.current_completion
                await self._close_round()
                self._start_tools(self._took(completion))
        elif self._phase == _TOOLS:
            # The round's calls, all at once; the group ends inside this step.
            finished: list[_Outcome] = []
            to_run, self._to_run = self._to_run, []
            async with anyio.create_task_group() as group:
                for call in to_run:
                    group.start_soon(self._run_call, call, finished.append, name=call.name)
            for index, output, error in finished:
                self._record(self._turn[index], output, error)

    def _start_tools(self, turn: list[PlannedCall]) -> None:
        for call in turn:
            self._pending.append(self._loop.start_event(call))
            if call.error is not None:  # refused before running (unknown tool, bad arguments)
                self._record(call, None, call.error)
            else:
                self._to_run.append(call)

    async def _run_call(self, call: PlannedCall, report: Callable[[_Outcome], None]) -> None:
        assert call.run is not None
        assert call.tool is not None
        async with self._limiter:
            with _tool_span(call) as failed:
                try:
                    if call.tool.is_async:
                        result: Awaitable[Any] = call.run()
                        output = await result
                    else:
                        output = await anyio.to_thread.run_sync(call.run)
                except Exception as exc:
                    failed(exc)
                    outcome: _Outcome = (call.index, None, exc)
                else:
                    outcome = (call.index, output, None)
        report(outcome)


class ToolRunner(_RunnerBase):
    """Runs the model and its tools until it answers; an iterator of typed events. Tools run
    one after the other, in the calling thread.

    ```python
    with client.chat.completions.run_tools(messages=messages, tools=[get_weather]) as run:
        for event in run:
            if event.type == "tool_call.result":
                print(event.name, "->", event.content)
        result = run.until_done()
    ```
    """

    def __init__(self, context: SyncContext, loop: ToolLoop, *, stream: bool) -> None:
        self._context = context
        self._setup(context.settings, loop, stream)
        self._stream: ChatCompletionStream | None = None
        self._started = False
        self._open = False

    def __enter__(self) -> ToolRunner:
        if self._entered:
            raise RuntimeError("a tool runner can be entered only once")
        self._entered = True
        self._open = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._open = False
        self._leave()
        if self._stream is not None:
            stream, self._stream = self._stream, None
            stream.close()

    def __iter__(self) -> ToolRunner:
        return self

    def __next__(self) -> ToolRunEvent:
        if not self._open:
            if self._phase == _DONE and not self._pending:
                raise StopIteration
            raise RuntimeError(_NOT_ENTERED.format(block="with", wait=""))
        pending = self._pending
        while not pending:
            if self._error is not None:
                raise self._error
            if self._phase == _DONE:
                raise StopIteration
            try:
                with self._step():
                    self._advance()
            except Exception as exc:
                self._error = exc
                self._phase = _DONE
                self._end_span(exc)
                raise
        return pending.popleft()

    def until_done(self) -> ToolRunResult:
        """Run to the end (entering the runner if it is not) and return the result."""
        if not self._entered:
            with self:
                return self.until_done()
        for _ in self:
            pass
        return self._result()

    def _advance(self) -> None:
        if self._phase == _REQUEST:
            outcome = self._context.driver.run(self._context.settings, self._take_call())
            if not self._stream_mode:
                self._took(parse_chat_completion(outcome))
                return
            self._stream = ChatCompletionStream(Stream(outcome, chat_chunk_decoder(outcome.errors)))
            self._phase = _STREAMING
        elif self._phase == _STREAMING:
            assert self._stream is not None
            try:
                self._pending.append(next(self._stream))
            except StopIteration:
                completion = self._stream.current_completion
                stream, self._stream = self._stream, None
                stream.close()
                self._took(completion)
        elif self._phase == _TOOLS:
            call = self._turn[len(self._results)]
            if not self._started:
                self._started = True
                self._pending.append(self._loop.start_event(call))
                return
            self._started = False
            self._record(call, *_run_sync(call))


def _run_sync(call: PlannedCall) -> tuple[Any, Exception | None]:
    if call.error is not None:
        return None, call.error
    run: Callable[[], Any] | None = call.run
    assert run is not None
    with _tool_span(call) as failed:
        try:
            return run(), None
        except Exception as exc:
            failed(exc)
            return None, exc


@contextmanager
def _tool_span(call: PlannedCall) -> Iterator[Callable[[BaseException], None]]:
    """An ``execute_tool {name}`` span around running ``call``; yields what marks it failed
    (a tool's exception is reported to the model, not raised through the span)."""
    attributes = {
        "gen_ai.tool.name": call.name,
        "gen_ai.tool.call.id": call.id,
        "gen_ai.tool.type": "function",
    }
    with span(f"execute_tool {call.name}", "execute_tool", attributes) as handle:
        yield handle.fail if handle is not None else _ignore


def _ignore(error: BaseException) -> None:
    del error
