"""``chat.completions.run_tools()`` on both clients, with the emulator playing the model."""

from __future__ import annotations

import json
import threading
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest

from heroku_inference import (
    AsyncClient,
    MaxRoundsExceeded,
    Tool,
    ToolArgumentsError,
    ToolRunResult,
    UnknownToolError,
    tool,
)
from heroku_inference.testing import DEFAULT_BASE_URL, Emulator

from .flavors import Flavor, both

ASK = [{"role": "user", "content": "Weather in Paris and the CRM price?"}]
THINKING = {"enabled": True, "budget_tokens": 1024, "include_reasoning": True}


@tool
def get_weather(city: str) -> dict[str, Any]:
    """The weather in a city.

    Args:
        city: The city's name.
    """
    if city == "Atlantis":
        raise ValueError(f"no weather station in {city}")
    return {"city": city, "temperature": 18}


@tool
async def get_stock_price(symbol: str) -> float:
    """The last trade price of a stock."""
    await anyio.lowlevel.checkpoint()
    return 310.5


def calls(*specs: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"name": name, "arguments": arguments} for name, arguments in specs]


def client_of(api: Flavor, emu: Emulator) -> Any:
    return emu.async_client() if api.is_async else emu.client()


async def run_all(api: Flavor, client: Any, **params: Any) -> tuple[list[Any], ToolRunResult]:
    """Every event of a run, and its result."""
    params.setdefault("messages", ASK)
    if api.is_async:
        async with client.chat.completions.run_tools(**params) as run:
            events = [event async for event in run]
            result = await run.until_done()
    else:
        with client.chat.completions.run_tools(**params) as run:
            events = list(run)
            result = run.until_done()
    return events, result


async def run_on_emulator(
    api: Flavor, emu: Emulator, **params: Any
) -> tuple[list[Any], ToolRunResult]:
    client = client_of(api, emu)
    try:
        return await run_all(api, client, **params)
    finally:
        await api.close(client)


def kinds(events: list[Any]) -> list[str]:
    return [event.type for event in events]


@both
async def test_the_loop_runs_tools_until_the_model_answers(api: Flavor) -> None:
    emu = Emulator()
    emu.reply(tool_calls=calls(("get_weather", {"city": "Paris"})))
    tools = [get_weather] if not api.is_async else [get_weather, get_stock_price]

    events, result = await run_on_emulator(api, emu, tools=tools)

    assert kinds(events) == ["tool_call.start", "tool_call.result", "round.done", "round.done"]
    start, done = events[0], events[1]
    assert (start.round, start.index, start.name) == (1, 0, "get_weather")
    assert json.loads(start.arguments) == {"city": "Paris"}
    assert done.output == {"city": "Paris", "temperature": 18}
    assert json.loads(done.content) == {"city": "Paris", "temperature": 18}
    assert not done.is_error
    assert [e.final for e in events[2:]] == [False, True]
    assert result.rounds == 2
    # The default answer after a tool result uses it, as a model would.
    assert result.completion.choices[0].message.content == (
        'The tools returned: get_weather: {"city":"Paris","temperature":18}.'
    )
    roles = [m["role"] for m in result.messages]
    assert roles == ["user", "assistant", "tool", "assistant"]
    assert result.messages[2]["tool_call_id"] == start.id
    assert emu.requests[1].body["messages"][1]["content"] == "."  # the placeholder
    assert emu.requests[1].body["tools"] == [t.to_param() for t in tools]


@pytest.mark.anyio
async def test_two_async_calls_of_a_round_run_concurrently_over_two_rounds() -> None:
    """Each tool waits for an event only the other sets: run one after the other, they would
    wait forever (``fail_after`` turns that into a failure)."""
    reached: dict[tuple[int, str], anyio.Event] = {}

    def event(key: tuple[int, str]) -> anyio.Event:
        return reached.setdefault(key, anyio.Event())

    @tool
    async def ping(round: int) -> str:
        event((round, "ping")).set()
        await event((round, "pong")).wait()
        return f"ping {round}"

    @tool
    async def pong(round: int) -> str:
        event((round, "pong")).set()
        await event((round, "ping")).wait()
        return f"pong {round}"

    emu = Emulator()
    for round_ in (1, 2):
        emu.reply(tool_calls=calls(("ping", {"round": round_}), ("pong", {"round": round_})))
    async with emu.async_client() as client:
        with anyio.fail_after(10):
            async with client.chat.completions.run_tools(messages=ASK, tools=[ping, pong]) as run:
                result = await run.until_done()

    assert result.rounds == 3
    tool_messages = [m for m in result.messages if m["role"] == "tool"]
    # Appended in call order, whatever order they finished in.
    assert [m["content"] for m in tool_messages] == ["ping 1", "pong 1", "ping 2", "pong 2"]
    assert result.completion.choices[0].message.content == (
        "The tools returned: ping: ping 2; pong: pong 2."
    )


@pytest.mark.anyio
async def test_max_concurrency_bounds_the_calls_running_at_once() -> None:
    running, most = 0, 0

    @tool
    async def work(n: int) -> int:
        nonlocal running, most
        running += 1
        most = max(most, running)
        for _ in range(5):
            await anyio.lowlevel.checkpoint()
        running -= 1
        return n

    emu = Emulator()
    emu.reply(tool_calls=calls(*[("work", {"n": n}) for n in range(4)]))
    async with emu.async_client() as client:
        run = client.chat.completions.run_tools(messages=ASK, tools=[work], max_concurrency=1)
        await run.until_done()
    assert most == 1
    emu.reply(tool_calls=calls(*[("work", {"n": n}) for n in range(4)]))
    async with emu.async_client() as client:
        await client.chat.completions.run_tools(messages=ASK, tools=[work]).until_done()
    assert most == 4  # the default lets them overlap


@both
async def test_a_plain_def_tool_runs_in_a_worker_thread_only_on_the_async_client(
    api: Flavor,
) -> None:
    threads: list[int] = []

    @tool
    def where(city: str) -> str:
        threads.append(threading.get_ident())
        return city

    emu = Emulator()
    emu.reply(tool_calls=calls(("where", {"city": "Paris"}), ("where", {"city": "Oslo"})))
    await run_on_emulator(api, emu, tools=[where])

    assert len(threads) == 2
    if api.is_async:
        assert threading.get_ident() not in threads
    else:
        assert threads == [threading.get_ident()] * 2


@both
async def test_a_tool_that_raises_gives_the_model_an_error_result(api: Flavor) -> None:
    emu = Emulator()
    emu.reply(tool_calls=calls(("get_weather", {"city": "Atlantis"})))

    events, result = await run_on_emulator(api, emu, tools=[get_weather])

    failed = events[1]
    assert failed.type == "tool_call.result"
    assert failed.is_error
    assert isinstance(failed.error, ValueError)
    assert failed.output is None
    assert failed.content == "Error: ValueError: no weather station in Atlantis"
    sent = emu.requests[1].body["messages"][2]
    assert sent == {"role": "tool", "tool_call_id": failed.id, "content": failed.content}
    assert "no weather station in Atlantis" in str(result.completion.choices[0].message.content)


@both
async def test_raise_tool_errors_raises_what_the_tool_raised(api: Flavor) -> None:
    emu = Emulator()
    emu.reply(tool_calls=calls(("get_weather", {"city": "Atlantis"})))
    with pytest.raises(ValueError, match="no weather station"):
        await run_on_emulator(api, emu, tools=[get_weather], raise_tool_errors=True)
    assert len(emu.requests) == 1


@both
async def test_an_unknown_tool_gets_an_error_result_naming_the_tools(api: Flavor) -> None:
    emu = Emulator()
    emu.reply(tool_calls=calls(("get_wether", {"city": "Paris"})))
    events, _ = await run_on_emulator(api, emu, tools=[get_weather])
    result = events[1]
    assert result.is_error
    assert isinstance(result.error, UnknownToolError)
    assert result.content == (
        "Error: there is no tool named 'get_wether'; the tools are: get_weather"
    )


@both
async def test_invalid_arguments_become_an_error_the_model_can_correct(api: Flavor) -> None:
    emu = Emulator()
    emu.reply(tool_calls=calls(("get_weather", {"town": "Paris"})))
    emu.reply(tool_calls=calls(("get_weather", {"city": "Paris"})))

    events, result = await run_on_emulator(api, emu, tools=[get_weather])

    results = [e for e in events if e.type == "tool_call.result"]
    assert isinstance(results[0].error, ToolArgumentsError)
    assert results[0].content == (
        "Error: invalid arguments:\n- city: Field required\n- town: Extra inputs are not "
        "permitted\nCall get_weather again with corrected arguments."
    )
    assert not results[1].is_error
    assert result.rounds == 3
    assert json.loads(result.messages[1]["tool_calls"][0]["function"]["arguments"]) == {
        "town": "Paris"
    }


@both
async def test_arguments_that_are_not_json_are_replaced_in_the_history(api: Flavor) -> None:
    emu = Emulator()
    emu.reply(tool_calls=[{"name": "get_weather", "arguments": '{"city": "Par'}])
    events, result = await run_on_emulator(api, emu, tools=[get_weather])
    assert events[1].content.startswith("Error: the arguments are not valid JSON")
    # Heroku answers 500 to a history holding them: the next request carries "{}" instead.
    assert emu.requests[1].body["messages"][1]["tool_calls"][0]["function"]["arguments"] == "{}"
    assert result.rounds == 2


@both
async def test_max_rounds_raises_with_a_history_that_can_be_resumed(api: Flavor) -> None:
    emu = Emulator()
    for city in ("Paris", "Oslo", "Lima"):
        emu.reply(tool_calls=calls(("get_weather", {"city": city})))

    with pytest.raises(MaxRoundsExceeded) as raised:
        await run_on_emulator(api, emu, tools=[get_weather], max_rounds=2)

    assert len(emu.requests) == 2
    history = raised.value.messages
    assert [m["role"] for m in history] == ["user", "assistant", "tool", "assistant", "tool"]
    assert "Oslo" in history[-1]["content"]
    assert raised.value.completion.choices[0].finish_reason == "tool_calls"
    assert "max_rounds=2" in str(raised.value)

    _, result = await run_on_emulator(api, emu, tools=[get_weather], messages=history)
    assert result.rounds == 2  # Lima, then the answer
    assert len(result.messages) == len(history) + 3


@both
async def test_the_streaming_runner_passes_on_every_event_in_order(api: Flavor) -> None:
    emu = Emulator()
    emu.reply(text="Let me check.", tool_calls=calls(("get_weather", {"city": "Paris"})))

    events, result = await run_on_emulator(api, emu, tools=[get_weather], stream=True)

    milestones = [
        t for t in kinds(events) if t not in ("chunk", "tool_calls.function.arguments.delta")
    ]
    deltas = ["content.delta"] * 3  # "Let ", "me ", "check."
    answer = ["content.delta"] * len(result.completion.choices[0].message.content.split())
    assert milestones == [
        *deltas,
        "content.done",
        "tool_calls.function.arguments.done",
        "tool_call.start",
        "tool_call.result",
        "round.done",
        *answer,
        "content.done",
        "round.done",
    ]
    assert kinds(events)[0] == "chunk"
    assert events[-1].final
    assert all(request.body["stream"] is True for request in emu.requests)
    assert result.messages[1]["content"] == "Let me check."


@pytest.mark.anyio
async def test_breaking_out_cancels_the_running_tools_and_closes_the_stream() -> None:
    state = {"started": 0, "cancelled": 0}
    responses: list[httpx.Response] = []
    both_started = anyio.Event()

    @tool
    async def slow(n: int) -> int:
        state["started"] += 1
        if state["started"] == 2:
            both_started.set()
        try:
            await anyio.sleep_forever()
        finally:
            state["cancelled"] += 1
        return n  # pragma: no cover

    async def record(response: httpx.Response) -> None:
        responses.append(response)

    emu = Emulator()
    emu.reply(
        text="Working on it.", tool_calls=calls(("slow", {"n": 1}), ("slow", {"n": 2})), times=2
    )
    http = httpx.AsyncClient(transport=emu.transport(), event_hooks={"response": [record]})
    client = AsyncClient(api_key="k", base_url=DEFAULT_BASE_URL, model=emu.model, http_client=http)
    async with client.chat.completions.run_tools(messages=ASK, tools=[slow], stream=True) as run:
        async for event in run:
            if event.type == "content.delta":
                break  # mid-stream
    assert all(response.is_closed for response in responses)
    assert len(responses) == 1

    with anyio.fail_after(10):
        async with client.chat.completions.run_tools(messages=ASK, tools=[slow]) as run:
            async for event in run:
                if event.type == "tool_call.start" and event.index == 1:
                    break
    # The round's tools run only inside the step that waits for them: leaving after their
    # start events leaves nothing running (cancelling a running round: the next test).
    assert state == {"started": 0, "cancelled": 0}
    assert not both_started.is_set()
    with pytest.raises(RuntimeError, match="left before the model's last answer"):
        await run.until_done()
    await http.aclose()


@pytest.mark.anyio
async def test_cancellation_leaves_no_tool_task_running() -> None:
    state = {"cancelled": 0}
    started = anyio.Event()

    @tool
    async def slow() -> None:
        started.set()
        try:
            await anyio.sleep_forever()
        finally:
            state["cancelled"] += 1

    emu = Emulator()
    emu.reply(tool_calls=calls(("slow", {})))
    async with emu.async_client() as client:
        with anyio.fail_after(10), anyio.CancelScope() as scope:

            async def cancel_once_the_tool_runs() -> None:
                await started.wait()
                scope.cancel()

            async with anyio.create_task_group() as group:
                group.start_soon(cancel_once_the_tool_runs)
                async with client.chat.completions.run_tools(messages=ASK, tools=[slow]) as run:
                    async for _ in run:
                        pass
        assert scope.cancelled_caught
    assert state["cancelled"] == 1


@both
async def test_thinking_is_on_for_the_first_round_only(api: Flavor) -> None:
    emu = Emulator()
    emu.reply(tool_calls=calls(("get_weather", {"city": "Paris"})))
    _, result = await run_on_emulator(
        api, emu, tools=[get_weather], extended_thinking=THINKING, max_tokens=4096
    )
    # The emulator, like Claude behind Heroku, refuses a continued tool loop with thinking.
    assert emu.requests[0].body["extended_thinking"] == THINKING
    assert "extended_thinking" not in emu.requests[1].body
    assert emu.requests[1].body["max_tokens"] == 4096
    assert result.rounds == 2


@both
async def test_nothing_is_sent_before_the_runner_is_used(api: Flavor) -> None:
    emu = Emulator()
    client = client_of(api, emu)
    run = client.chat.completions.run_tools(messages=ASK, tools=[get_weather])
    assert emu.requests == []
    step = run.__anext__ if api.is_async else run.__next__
    with pytest.raises(RuntimeError, match="in a block before iterating"):
        await step() if api.is_async else step()
    result = await run.until_done() if api.is_async else run.until_done()
    assert result.rounds == 1
    assert run.rounds == 1
    assert run.messages == result.messages
    await api.close(client)


@both
async def test_bad_arguments_are_refused_when_the_runner_is_made(api: Flavor) -> None:
    emu = Emulator()
    client = client_of(api, emu)
    runs = client.chat.completions.run_tools
    with pytest.raises(TypeError, match="did you mean 'max_tokens'"):
        runs(messages=ASK, tools=[get_weather], max_token=10)
    with pytest.raises(ValueError, match="max_rounds must be an integer >= 1"):
        runs(messages=ASK, tools=[get_weather], max_rounds=0)
    with pytest.raises(ValueError, match="two tools are named 'get_weather'"):
        runs(messages=ASK, tools=[get_weather, get_weather])
    with pytest.raises(TypeError, match=r"tools\[0\] must be a @tool function"):
        runs(messages=ASK, tools=[print])
    with pytest.raises(ValueError, match="temperature must be 1"):
        runs(messages=ASK, tools=[get_weather], extended_thinking=THINKING, temperature=0)
    if api.is_async:
        with pytest.raises(ValueError, match="max_concurrency"):
            runs(messages=ASK, tools=[get_weather], max_concurrency=0)
    else:
        with pytest.raises(TypeError, match="sync Client cannot run"):
            runs(messages=ASK, tools=[get_stock_price])
    assert emu.requests == []
    await api.close(client)


@both
async def test_tools_without_a_function_are_offered_but_not_run(api: Flavor) -> None:
    raw = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
    schema_only = Tool("search", "Search.", {"type": "object", "properties": {}})
    emu = Emulator()
    emu.reply(tool_calls=calls(("lookup", {}), ("search", {})))
    events, _ = await run_on_emulator(api, emu, tools=[get_weather, raw, schema_only])
    names = [t["function"]["name"] for t in emu.requests[0].body["tools"]]
    assert names == ["get_weather", "lookup", "search"]
    errors = [e.content for e in events if e.type == "tool_call.result"]
    assert errors == [
        "Error: there is no tool named 'lookup'; the tools are: get_weather",
        "Error: there is no tool named 'search'; the tools are: get_weather",
    ]


@both
async def test_a_reply_cut_off_by_max_tokens_ends_the_run_without_running_its_calls(
    api: Flavor,
) -> None:
    emu = Emulator()
    emu.reply(tool_calls=calls(("get_weather", {"city": "Paris"})), finish_reason="length")
    events, result = await run_on_emulator(api, emu, tools=[get_weather])
    assert kinds(events) == ["round.done"]
    assert result.completion.choices[0].finish_reason == "length"
    assert len(emu.requests) == 1


@both
async def test_api_errors_end_the_run_and_are_raised_again(api: Flavor) -> None:
    emu = Emulator()
    emu.reply(tool_calls=calls(("get_weather", {"city": "Paris"})))
    emu.error(400, message="Invalid request")
    client = client_of(api, emu)
    from heroku_inference import BadRequestError

    with pytest.raises(BadRequestError):
        await run_all(api, client, tools=[get_weather])
    await api.close(client)


def test_breaking_out_of_the_sync_runner_closes_the_stream() -> None:
    responses: list[httpx.Response] = []
    emu = Emulator()
    emu.reply(text="Working on it.", tool_calls=calls(("get_weather", {"city": "Paris"})))
    http = httpx.Client(transport=emu.transport(), event_hooks={"response": [responses.append]})
    from heroku_inference import Client

    with Client(api_key="k", base_url=DEFAULT_BASE_URL, model=emu.model, http_client=http) as c:
        with c.chat.completions.run_tools(messages=ASK, tools=[get_weather], stream=True) as run:
            for event in run:
                if event.type == "content.delta":
                    break
        assert [response.is_closed for response in responses] == [True]
        with pytest.raises(RuntimeError, match="left before"):
            run.until_done()
    http.close()


@both
async def test_absurdly_nested_arguments_are_an_error_result_not_a_crash(api: Flavor) -> None:
    emu = Emulator()
    emu.reply(tool_calls=[{"name": "get_weather", "arguments": "[" * 100_000}])

    events, result = await run_on_emulator(api, emu, tools=[get_weather])

    failed = next(event for event in events if event.type == "tool_call.result")
    assert failed.is_error
    assert "not valid JSON" in failed.content
    assert result.rounds == 2


@pytest.mark.parametrize(
    "choice", ["required", {"type": "function", "function": {"name": "get_weather"}}]
)
@both
async def test_a_forced_tool_choice_holds_for_the_first_round_only(
    api: Flavor, choice: Any
) -> None:
    emu = Emulator()
    emu.reply(tool_calls=calls(("get_weather", {"city": "Paris"})))
    emu.reply(text="It is 18 degrees.")

    _, result = await run_on_emulator(api, emu, tools=[get_weather], tool_choice=choice)

    assert result.rounds == 2
    assert emu.requests[0].body["tool_choice"] == choice
    assert "tool_choice" not in emu.requests[1].body
    assert result.completion.choices[0].message.content == "It is 18 degrees."
