"""Streaming throughput: heroku-inference against the openai SDK and the httpx-sse floor.

Every implementation reads the same SSE bytes (OpenAI framing: ``data: {...}`` events ending
with ``data: [DONE]``) from an in-memory transport, in the same process and run:

    ours-raw        heroku_inference: ``create(stream=True)``, every typed chunk
    ours-helper     heroku_inference: ``chat.completions.stream()`` to ``get_final_completion()``
    openai-raw      openai: ``create(stream=True)``, every typed chunk
    openai-helper   openai: ``chat.completions.stream()`` to ``get_final_completion()``
    floor           httpx-sse ``EventSource(response).aiter_sse()`` + ``json.loads`` per event

Usage::

    python benchmarks/bench_streaming.py            # full sizes, best of 5
    python benchmarks/bench_streaming.py --quick    # 10x smaller, one repetition
    python benchmarks/bench_streaming.py --repeat 15 --json out.json
    python benchmarks/bench_streaming.py --piece-size 0   # each body in one 3-30 MB read
    python benchmarks/bench_streaming.py --strict   # exit 1 when a target is missed

The openai SDK (3.x) is built on ``httpx2``, a fork of httpx, so its transport comes from there;
ours and the floor use ``httpx``. Every transport returns the body through the same kind of
stream, in 64 KiB pieces as a network would deliver them (``--piece-size``; 0 for one piece).
Both helpers must reassemble the same completion (checked after every run), so every row does
the same work.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass
from importlib.metadata import version
from typing import Any

import httpx
import httpx2
from httpx_sse import EventSource
from openai import AsyncOpenAI

import heroku_inference

MODEL = "claude-4-5-sonnet"
BASE_URL = "https://bench.invalid"
MESSAGES: list[Any] = [{"role": "user", "content": "Why is Heroku so cool?"}]
SSE_HEADERS = {"content-type": "text/event-stream; charset=utf-8"}

# Targets of issue 3 and DESIGN.md section 4.
TARGET_HELPER_VS_OPENAI = 20.0  # ours-helper / openai-helper, at least
TARGET_RAW_VS_OPENAI = 10.0  # ours-raw / openai-raw, at least
TARGET_FLOOR_VS_HELPER = 2.0  # floor / ours-helper, at most
TARGET_LINEARITY = 11.0  # time(10n chunks) / time(n chunks), at most
LINEARITY_BATCH = 10


# -- the bytes ---------------------------------------------------------------------------------

WORDS = (
    "Heroku ", "makes ", "deploys ", "a ", "git ", "push; ", "dynos ", "scale ", "out, ",
    "the ", "router ", "balances ", "requests, ", "and ", "logs ", "stream. ", "café ",
    "naïve ", "— ", "日本語 ", "🚀 ", "Postgres ", "backs ", "it.\n",
)  # fmt: skip
CITIES = ("Paris", "Tokyo", "Lagos", "Lima", "Oslo", "Pune", "Austin", "Zürich")
ANSWER = "Because deploys are a git push."


@dataclass(frozen=True)
class Final:
    """What a reassembled completion must hold; both SDKs must agree on it."""

    content: str | None
    reasoning: str | None
    tool_calls: tuple[tuple[str, str, str], ...]  # (id, name, arguments)
    finish_reason: str | None
    total_tokens: int | None


@dataclass(frozen=True)
class Workload:
    name: str
    body: bytes
    chunks: int
    expected: Final


class _Chunks:
    """Writes one stream's SSE body, a ``chat.completion.chunk`` at a time."""

    def __init__(self, name: str) -> None:
        self.id = f"chatcmpl-bench-{name}"
        self.events: list[bytes] = []

    def add(
        self,
        delta: dict[str, Any],
        finish_reason: str | None = None,
        usage: dict[str, int] | None = None,
    ) -> None:
        payload: dict[str, Any] = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": 1763740800,
            "model": MODEL,
            "system_fingerprint": "heroku-inf-bench",
            "choices": [
                {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
            ],
        }
        if usage is not None:
            payload["usage"] = usage
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        self.events.append(b"data: " + data.encode() + b"\n\n")

    def finish(self, finish_reason: str) -> int:
        count = len(self.events) + 1
        usage = {"prompt_tokens": 40, "completion_tokens": count, "total_tokens": count + 40}
        self.add({}, finish_reason, usage)
        return usage["total_tokens"]

    def body(self) -> bytes:
        return b"".join(self.events) + b"data: [DONE]\n\n"


def _words(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(WORDS) for _ in range(count)]


def text_workload(chunks: int) -> Workload:
    """A role chunk, ``chunks - 2`` content chunks, and the finish chunk with usage."""
    out = _Chunks("text")
    out.add({"role": "assistant", "content": ""})
    words = _words(chunks - 2, seed=1)
    for word in words:
        out.add({"content": word})
    total = out.finish("stop")
    expected = Final("".join(words), None, (), "stop", total)
    return Workload("text", out.body(), len(out.events), expected)


def _split(text: str, pieces: int) -> list[str]:
    bounds = [round(i * len(text) / pieces) for i in range(pieces + 1)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


def tools_workload(chunks: int, calls: int = 8) -> Workload:
    """Parallel tool calls, one after the other, each: a chunk with id/type/name and empty
    arguments, then its JSON arguments in fragments. Then a content chunk and the finish."""
    out = _Chunks("tools")
    out.add({"role": "assistant", "content": ""})
    base, extra = divmod(chunks - 3, calls)
    expected_calls = []
    for index in range(calls):
        fragments = base + (index < extra) - 1
        city = CITIES[index % len(CITIES)]
        note = f'Forecast for {city}: wind, rain, “humidity” and a "quoted" word. '
        note *= fragments // 8 + 1
        spec = {
            "city": city,
            "unit": "celsius",
            "days": index + 1,
            "fields": ["wind", "rain"],
            "note": note[: max(7 * fragments - 80, 8)],  # about 7 characters a fragment
        }
        arguments = json.dumps(spec, ensure_ascii=False)
        call_id, name = f"call_{index:02d}_bench", f"get_weather_{index}"
        out.add(
            {
                "tool_calls": [
                    {
                        "index": index,
                        "id": call_id,
                        "type": "function",
                        "function": {"name": name, "arguments": ""},
                    }
                ]
            }
        )
        for piece in _split(arguments, fragments):
            out.add({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
        expected_calls.append((call_id, name, arguments))
    out.add({"content": ANSWER})
    total = out.finish("tool_calls")
    expected = Final(ANSWER, None, tuple(expected_calls), "tool_calls", total)
    return Workload("tools", out.body(), len(out.events), expected)


def reasoning_workload(chunks: int) -> Workload:
    """Heroku's ``delta.reasoning = {"thinking": ...}`` chunks, then the answer and finish.

    The openai SDK does not know ``delta.reasoning``; it keeps it as an unknown field and
    merges it, so the same bytes serve both.
    """
    out = _Chunks("reasoning")
    out.add({"role": "assistant", "content": ""})
    words = _words(chunks - 3, seed=2)
    for word in words:
        out.add({"reasoning": {"thinking": word}})
    out.add({"content": ANSWER})
    total = out.finish("stop")
    expected = Final(ANSWER, "".join(words), (), "stop", total)
    return Workload("reasoning", out.body(), len(out.events), expected)


# -- the in-memory server ------------------------------------------------------------------------


class _Pieces:
    def __init__(self, pieces: list[bytes]) -> None:
        self._pieces = pieces

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._pieces)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self._pieces:
            yield piece


class _HttpxBody(_Pieces, httpx.SyncByteStream, httpx.AsyncByteStream):
    pass


class _Httpx2Body(_Pieces, httpx2.SyncByteStream, httpx2.AsyncByteStream):
    pass


class Server:
    """Answers every request with the loaded body, for httpx and httpx2 clients alike."""

    def __init__(self, piece_size: int) -> None:
        self.piece_size = piece_size
        self.pieces: list[bytes] = []

    def load(self, body: bytes) -> None:
        size = self.piece_size or len(body)
        self.pieces = [body[i : i + size] for i in range(0, len(body), size)]

    def httpx_handler(self, _request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=SSE_HEADERS, stream=_HttpxBody(self.pieces))

    def httpx2_handler(self, _request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers=SSE_HEADERS, stream=_Httpx2Body(self.pieces))


@dataclass
class Clients:
    """One client per implementation, all on in-memory transports of the same server."""

    ours: heroku_inference.AsyncClient
    ours_sync: heroku_inference.Client
    openai: AsyncOpenAI
    floor: httpx.AsyncClient
    pools: tuple[httpx.AsyncClient, httpx.Client, httpx2.AsyncClient]

    @classmethod
    def create(cls, server: Server) -> Clients:
        ours_http = httpx.AsyncClient(transport=httpx.MockTransport(server.httpx_handler))
        ours_sync_http = httpx.Client(transport=httpx.MockTransport(server.httpx_handler))
        openai_http = httpx2.AsyncClient(transport=httpx2.MockTransport(server.httpx2_handler))
        ours: dict[str, Any] = {"api_key": "k", "base_url": BASE_URL, "model": MODEL}
        return cls(
            ours=heroku_inference.AsyncClient(**ours, max_retries=0, http_client=ours_http),
            ours_sync=heroku_inference.Client(**ours, max_retries=0, http_client=ours_sync_http),
            openai=AsyncOpenAI(
                api_key="k", base_url=f"{BASE_URL}/v1", max_retries=0, http_client=openai_http
            ),
            floor=httpx.AsyncClient(transport=httpx.MockTransport(server.httpx_handler)),
            pools=(ours_http, ours_sync_http, openai_http),
        )

    async def aclose(self) -> None:
        # The SDK clients leave a pool they were given open: close the pools here.
        ours_http, ours_sync_http, openai_http = self.pools
        await ours_http.aclose()
        ours_sync_http.close()
        await openai_http.aclose()
        await self.floor.aclose()


# -- the implementations -----------------------------------------------------------------------
# Raw paths return the number of chunks they saw; helper paths return the final completion as a
# ``Final``; the floor returns the number of payloads it parsed.


def _final_of_ours(completion: heroku_inference.ChatCompletion) -> Final:
    choice = completion.choices[0]
    message = choice.message
    return Final(
        message.content,
        message.reasoning.thinking if message.reasoning else None,
        tuple((t.id, t.function.name, t.function.arguments) for t in message.tool_calls or ()),
        choice.finish_reason,
        completion.usage.total_tokens if completion.usage else None,
    )


def _final_of_openai(completion: Any) -> Final:
    choice = completion.choices[0]
    message = choice.message
    reasoning = (message.model_extra or {}).get("reasoning")
    return Final(
        message.content,
        reasoning.get("thinking") if isinstance(reasoning, dict) else None,
        tuple((t.id, t.function.name, t.function.arguments) for t in message.tool_calls or ()),
        choice.finish_reason,
        completion.usage.total_tokens if completion.usage else None,
    )


async def ours_raw(clients: Clients) -> int:
    stream = await clients.ours.chat.completions.create(messages=MESSAGES, stream=True)
    count = 0
    async with stream:
        async for _chunk in stream:
            count += 1
    return count


async def ours_helper(clients: Clients) -> Final:
    async with clients.ours.chat.completions.stream(messages=MESSAGES) as stream:
        return _final_of_ours(await stream.get_final_completion())


async def openai_raw(clients: Clients) -> int:
    stream = await clients.openai.chat.completions.create(
        model=MODEL, messages=MESSAGES, stream=True
    )
    count = 0
    async with stream:
        async for _chunk in stream:
            count += 1
    return count


async def openai_helper(clients: Clients) -> Final:
    async with clients.openai.chat.completions.stream(model=MODEL, messages=MESSAGES) as stream:
        return _final_of_openai(await stream.get_final_completion())


async def floor(clients: Clients) -> int:
    count = 0
    headers = {"Accept": "text/event-stream"}
    url = f"{BASE_URL}/v1/chat/completions"
    async with clients.floor.stream("POST", url, json={}, headers=headers) as response:
        async for sse in EventSource(response).aiter_sse():
            if sse.data == "[DONE]":
                break
            json.loads(sse.data)
            count += 1
    return count


async def ours_sync_raw(clients: Clients) -> int:
    count = 0
    with clients.ours_sync.chat.completions.create(messages=MESSAGES, stream=True) as stream:
        for _chunk in stream:
            count += 1
    return count


async def ours_sync_helper(clients: Clients) -> Final:
    with clients.ours_sync.chat.completions.stream(messages=MESSAGES) as stream:
        return _final_of_ours(stream.get_final_completion())


Run = Callable[[Clients], Awaitable[Any]]

# Each repetition runs them in this order, so that the two sides of every ratio run next to
# each other (the noise of a busy machine comes in bursts).
IMPLEMENTATIONS: dict[str, Run] = {
    "ours-raw": ours_raw,
    "openai-raw": openai_raw,
    "openai-helper": openai_helper,
    "ours-helper": ours_helper,
    "floor": floor,
}
SYNC_IMPLEMENTATIONS: dict[str, Run] = {  # for information: no target
    "ours-sync-raw": ours_sync_raw,
    "ours-sync-helper": ours_sync_helper,
}


def check(name: str, result: int | Final, workload: Workload) -> None:
    """Fail loudly unless the implementation did the whole job on this workload."""
    expected = workload.chunks if isinstance(result, int) else workload.expected
    if result != expected:
        raise AssertionError(
            f"{name} on {workload.name}: got {_summary(result)}, expected {_summary(expected)}"
        )


def _summary(result: int | Final) -> str:
    if isinstance(result, int):
        return f"{result} chunks"
    fields = asdict(result)
    fields["tool_calls"] = [(i, n, a[:40]) for i, n, a in result.tool_calls]
    return repr({k: v[:60] if isinstance(v, str) else v for k, v in fields.items()})


# -- timing ------------------------------------------------------------------------------------


@dataclass
class Result:
    workload: str
    implementation: str
    chunks: int
    bytes: int
    seconds: list[float]

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def chunks_per_second(self) -> float:
        return self.chunks / self.best

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {
            "best": self.best,
            "median": statistics.median(self.seconds),
            "chunks_per_second": self.chunks_per_second,
        }


async def measure(
    workload: Workload,
    implementations: dict[str, Run],
    clients: Clients,
    server: Server,
    repeat: int,
) -> list[Result]:
    """Best of ``repeat``; the implementations take turns within each repetition, and every
    run's result is checked (outside the timed region)."""
    server.load(workload.body)
    results = {
        name: Result(workload.name, name, workload.chunks, len(workload.body), [])
        for name in implementations
    }
    for _ in range(repeat):
        for name, run in implementations.items():
            gc.collect()
            start = time.perf_counter()
            result = await run(clients)
            results[name].seconds.append(time.perf_counter() - start)
            check(name, result, workload)
    return list(results.values())


async def warm_up(implementations: dict[str, Run], clients: Clients, server: Server) -> None:
    """One small run of every path: imports, pydantic schemas (built on first use), caches."""
    for workload in (text_workload(50), tools_workload(50), reasoning_workload(50)):
        await measure(workload, implementations, clients, server, repeat=1)


def _back_to_back(run: Run, times: int) -> Run:
    async def runs(clients: Clients) -> Any:
        for _ in range(times - 1):
            await run(clients)
        return await run(clients)

    return runs


async def linearity(small: int, clients: Clients, server: Server, repeat: int) -> dict[str, Any]:
    """Time of ``10 * small`` text chunks over time of ``small``: for ours-helper (the target)
    and for the floor (for reference: how this machine scales).

    The small size is timed alone and as 10 runs back to back. On a busy machine best-of-N
    favours the short run, which slips between bursts of noise where the long one cannot; the
    batch takes as long as the long run and meets the same noise, so the verdict uses it.
    """
    runs: dict[str, Run] = {"ours-helper": ours_helper, "floor": floor}
    batches = {name: _back_to_back(run, LINEARITY_BATCH) for name, run in runs.items()}
    short, long = text_workload(small), text_workload(10 * small)
    alone = await measure(short, runs, clients, server, repeat)
    batched = await measure(short, batches, clients, server, repeat)
    large = await measure(long, runs, clients, server, repeat)
    rows = {}
    for one, batch, big in zip(alone, batched, large, strict=True):
        rows[one.implementation] = {
            "small_alone": one.to_json(),
            "small_batch": batch.to_json() | {"runs": LINEARITY_BATCH},
            "large": big.to_json(),
            "ratio_alone": big.best / one.best,
            "ratio": big.best / (batch.best / LINEARITY_BATCH),
        }
    ratio = rows["ours-helper"]["ratio"]
    return {
        "small": short.chunks,
        "large": long.chunks,
        "implementations": rows,
        "ratio": ratio,
        "target": f"<= {TARGET_LINEARITY:g}x",
        "met": ratio <= TARGET_LINEARITY,
    }


# -- reporting ---------------------------------------------------------------------------------


def ratios(results: list[Result]) -> list[dict[str, Any]]:
    """The target ratios of every workload, from the best times (as chunks per second); and,
    for information, the median of the ratios within each repetition."""
    by = {(r.workload, r.implementation): r for r in results}
    rows = []
    for workload in dict.fromkeys(r.workload for r in results):
        checks = (
            ("ours-helper", "openai-helper", ">=", TARGET_HELPER_VS_OPENAI),
            ("ours-raw", "openai-raw", ">=", TARGET_RAW_VS_OPENAI),
            ("floor", "ours-helper", "<=", TARGET_FLOOR_VS_HELPER),
        )
        for top, bottom, sense, target in checks:
            fast, slow = by[workload, top], by[workload, bottom]
            value = fast.chunks_per_second / slow.chunks_per_second
            pairs = zip(fast.seconds, slow.seconds, strict=True)
            paired = statistics.median(s / f for f, s in pairs)
            rows.append(
                {
                    "workload": workload,
                    "ratio": f"{top} / {bottom}",
                    "value": value,
                    "paired_median": paired,
                    "target": f"{sense} {target:g}x",
                    "met": value >= target if sense == ">=" else value <= target,
                }
            )
    return rows


def print_report(
    results: list[Result], ratio_rows: list[dict[str, Any]], linear: dict[str, Any]
) -> None:
    header = ("workload", "implementation", "chunks", "best ms", "chunks/s")
    print("\n{:<10} {:<17} {:>7} {:>9} {:>10}".format(*header))
    for r in results:
        print(
            f"{r.workload:<10} {r.implementation:<17} {r.chunks:>7} "
            f"{r.best * 1e3:>9.2f} {r.chunks_per_second:>10,.0f}"
        )
    header = ("workload", "ratio of chunks/s", "best", "target", "met", "paired median")
    print("\n{:<10} {:<28} {:>7}  {:<7} {:<4} {}".format(*header))
    for row in ratio_rows:
        print(
            f"{row['workload']:<10} {row['ratio']:<28} {row['value']:>6.2f}x  "
            f"{row['target']:<7} {'yes' if row['met'] else 'NO':<4} {row['paired_median']:.2f}x"
        )
    small, large = linear["small"], linear["large"]
    print(
        f"\nlinearity, text: time of {large} chunks / time of {small}, the {small} timed alone "
        f"and in a batch of {LINEARITY_BATCH} back to back (the verdict uses the batch)"
    )
    for name, row in linear["implementations"].items():
        big, one = row["large"]["best"], row["small_alone"]["best"]
        batch = row["small_batch"]["best"] / LINEARITY_BATCH
        verdict = f"{'yes' if linear['met'] else 'NO'} (target {linear['target']})"
        print(
            f"  {name:<12} {big * 1e3:7.1f} ms / {one * 1e3:5.1f} ms alone = "
            f"{row['ratio_alone']:5.2f}x, / {batch * 1e3:5.1f} ms in the batch = "
            f"{row['ratio']:5.2f}x  {verdict if name == 'ours-helper' else 'for reference'}"
        )


def environment(args: argparse.Namespace, repeat: int) -> dict[str, Any]:
    packages = ("heroku-inference", "openai", "httpx", "httpx2", "httpx-sse", "pydantic")
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": {name: version(name) for name in packages},
        "quick": args.quick,
        "repeat": repeat,
        "piece_size": args.piece_size or None,
        "opentelemetry": bool(args.otel),
    }


# -- main --------------------------------------------------------------------------------------


async def run_all(args: argparse.Namespace) -> dict[str, Any]:
    scale = 10 if args.quick else 1
    repeat = args.repeat or (1 if args.quick else 5)
    env = environment(args, repeat)
    body = f"{args.piece_size}-byte pieces" if args.piece_size else "one piece"
    print(
        f"Python {env['python']}; "
        + ", ".join(f"{name} {v}" for name, v in env["packages"].items())
        + f"; best of {repeat}; body in {body}"
    )
    server = Server(args.piece_size)
    clients = Clients.create(server)
    implementations = IMPLEMENTATIONS | ({} if args.no_sync else SYNC_IMPLEMENTATIONS)
    try:
        await warm_up(implementations, clients, server)
        results: list[Result] = []
        for workload in (
            text_workload(10_000 // scale),
            tools_workload(2_000 // scale),
            reasoning_workload(2_000 // scale),
        ):
            results += await measure(workload, implementations, clients, server, repeat)
        linear = await linearity(10_000 // scale, clients, server, repeat)
    finally:
        await clients.aclose()
    ratio_rows = ratios(results)
    print_report(results, ratio_rows, linear)
    return {
        "command": " ".join(["python", *sys.argv]),
        "environment": env,
        "results": [r.to_json() for r in results],
        "ratios": ratio_rows,
        "linearity": linear,
    }


def configure_opentelemetry() -> None:
    """Providers that record every span and metric, exporting nowhere: the SDK's own cost."""
    from opentelemetry import metrics, trace
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
    trace.set_tracer_provider(provider)
    metrics.set_meter_provider(MeterProvider(metric_readers=[InMemoryMetricReader()]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10x smaller, one repetition")
    parser.add_argument("--repeat", type=int, default=0, help="repetitions (default 5, quick 1)")
    parser.add_argument(
        "--piece-size",
        type=int,
        default=65536,
        help="serve the body in pieces of this many bytes (default 65536; 0: one piece)",
    )
    parser.add_argument("--json", metavar="PATH", help="write the results as JSON")
    parser.add_argument("--no-sync", action="store_true", help="skip the sync client rows")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--otel",
        action="store_true",
        help="with an OpenTelemetry SDK tracer and meter provider set (needs opentelemetry-sdk)",
    )
    args = parser.parse_args(argv)
    if args.otel:
        configure_opentelemetry()

    report = asyncio.run(run_all(args))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as file:
            json.dump(report, file, indent=2)
        print(f"\nwrote {args.json}")
    met = all(row["met"] for row in report["ratios"]) and report["linearity"]["met"]
    return 1 if args.strict and not met else 0


if __name__ == "__main__":
    sys.exit(main())
