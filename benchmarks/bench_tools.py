"""What tools cost: declaring one, the tool-turn rules on each request, and a runner round.

    python benchmarks/bench_tools.py [--quick]

Rows (medians over repetitions, one process, this machine):

- ``@tool`` (first, with docstring-parser's import) and ``@tool`` (warm): declaring a tool.
- ``rules``: ``build_chat_call`` for a 40-message history holding 10 tool turns (the rules
  parse each call's arguments) against the same history with no tool turns.
- ``runner``: a two-round ``run_tools()`` (a plain ``def`` and an ``async def`` tool call,
  then the answer) on the in-process emulator, against the same two requests and calls made
  by hand with ``create()`` (the ``def`` called inline, in order): the runner's own cost per
  run (task group, worker thread, validation), emulator and HTTP included in both.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from typing import Any

from heroku_inference import tool
from heroku_inference.resources._chat_call import build_chat_call
from heroku_inference.testing import Emulator


def median_time(run: Any, count: int, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(count):
            run()
        samples.append((time.perf_counter() - start) / count)
    return statistics.median(samples)


def declare() -> dict[str, float]:
    start = time.perf_counter()

    @tool
    def first(city: str, days: int = 1) -> dict[str, Any]:
        """The weather.

        Args:
            city: The city.
            days: Days ahead.
        """
        return {"city": city, "days": days}

    cold = time.perf_counter() - start

    def warm_one() -> None:
        @tool
        def again(city: str, days: int = 1) -> dict[str, Any]:
            """The weather.

            Args:
                city: The city.
                days: Days ahead.
            """
            return {"city": city, "days": days}

    return {"@tool first (ms)": cold * 1e3, "@tool warm (ms)": median_time(warm_one, 50, 5) * 1e3}


def history(tool_turns: int) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    for i in range(10):
        messages.append({"role": "user", "content": f"Question {i} " * 20})
        if i < tool_turns:
            call = {
                "id": f"c{i}",
                "type": "function",
                "function": {"name": "w", "arguments": json.dumps({"city": "Paris", "n": i})},
            }
            messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
            messages.append({"role": "tool", "tool_call_id": f"c{i}", "content": {"t": 18}})
        else:
            messages.append({"role": "assistant", "content": "Answer " * 20})
            messages.append({"role": "user", "content": "More."})
        messages.append({"role": "assistant", "content": "Sure."})
    return messages


def rules(count: int, repeat: int) -> dict[str, float]:
    with Emulator().client() as client:
        settings = client._context.settings
    with_tools, plain = history(10), history(0)
    return {
        "build_chat_call, 10 tool turns (us)": median_time(
            lambda: build_chat_call(settings, {"messages": with_tools}, stream=False), count, repeat
        )
        * 1e6,
        "build_chat_call, no tool turns (us)": median_time(
            lambda: build_chat_call(settings, {"messages": plain}, stream=False), count, repeat
        )
        * 1e6,
    }


@tool
def get_weather(city: str) -> dict[str, Any]:
    """The weather in a city."""
    return {"city": city, "temperature": 18}


@tool
async def get_price(symbol: str) -> float:
    """A stock price."""
    return {"CRM": 310.5}.get(symbol, 1.0)


CALLS = [
    {"name": "get_weather", "arguments": {"city": "Paris"}},
    {"name": "get_price", "arguments": {"symbol": "CRM"}},
]
ASK = [{"role": "user", "content": "Weather and price?"}]


async def runner(count: int, repeat: int) -> dict[str, float]:
    emu = Emulator()
    async with emu.async_client() as client:

        async def with_runner() -> None:
            emu.reply(tool_calls=CALLS)
            run = client.chat.completions.run_tools(messages=ASK, tools=[get_weather, get_price])
            await run.until_done()

        async def by_hand() -> None:
            emu.reply(tool_calls=CALLS)
            first = await client.chat.completions.create(
                messages=ASK, tools=[get_weather, get_price]
            )
            message = first.choices[0].message
            results = []
            for c in message.tool_calls or []:  # run in order, the sync one inline
                arguments = json.loads(c.function.arguments)
                if c.function.name == "get_weather":
                    output: Any = get_weather(**arguments)
                else:
                    output = await get_price(**arguments)
                results.append({"role": "tool", "tool_call_id": c.id, "content": output})
            await client.chat.completions.create(
                messages=[*ASK, message, *results], tools=[get_weather, get_price]
            )

        out = {}
        for name, work in (("run_tools, 2 rounds (ms)", with_runner), ("by hand (ms)", by_hand)):
            samples = []
            for _ in range(repeat):
                start = time.perf_counter()
                for _ in range(count):
                    await work()
                samples.append((time.perf_counter() - start) / count)
                emu.reset()
            out[name] = statistics.median(samples) * 1e3
        return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    count, repeat = (20, 1) if args.quick else (200, 5)
    results = {**declare(), **rules(count * 5, repeat), **asyncio.run(runner(count, repeat))}
    for name, value in results.items():
        print(f"{name:40} {value:10.3f}")


if __name__ == "__main__":
    main()
