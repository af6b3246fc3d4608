"""Parsing the other endpoints' responses, against the floor of parsing the same bytes with
the standard library (``json.loads``; httpx-sse + ``json.loads`` for the agents stream).

- ``embeddings raw``: one response of 96 vectors of 1024 floats, as JSON numbers;
- ``embeddings base64``: the same vectors as base64 float32 (``encoding_format="base64"``),
  decoded to numbers by the SDK (the floor only parses the JSON, leaving base64 text);
- ``agents``: a run of 600 whole events (the wire transcript's three, 200 times), collected
  by ``agents.create()`` into an ``AgentResult``.

Every body is served from memory by ``httpx.MockTransport`` to the sync ``Client``.

    python benchmarks/bench_endpoints.py [--repeat 30]

Prints the median of each in milliseconds.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import statistics
import struct
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from httpx_sse import EventSource

from heroku_inference import Client

TRANSCRIPT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "agents_mcp.heroku.sse"
VECTORS, DIMENSIONS, RUN_REPEATS = 96, 1024, 200


def median_ms(work: Callable[[], object], repeat: int) -> float:
    work()  # warm: validators built, pool open
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def client_serving(body: bytes, content_type: str) -> Client:
    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": content_type})

    return Client(
        api_key="k",
        base_url="https://bench.test",
        model="m",
        transport=httpx.MockTransport(handler),
    )


def embeddings_bodies() -> tuple[bytes, bytes]:
    rng = random.Random(1)
    vectors = [[rng.uniform(-0.1, 0.1) for _ in range(DIMENSIONS)] for _ in range(VECTORS)]

    def body(encode: Callable[[list[float]], object]) -> bytes:
        data = [
            {"object": "embedding", "index": i, "embedding": encode(v)}
            for i, v in enumerate(vectors)
        ]
        usage = {"prompt_tokens": 1, "total_tokens": 1}
        return json.dumps({"object": "list", "data": data, "model": "m", "usage": usage}).encode()

    packed = struct.Struct(f"<{DIMENSIONS}f")
    return body(lambda v: v), body(lambda v: base64.b64encode(packed.pack(*v)).decode())


def agents_body() -> bytes:
    events = TRANSCRIPT.read_bytes().split(b"\n\n")[:3]
    return b"\n\n".join(events * RUN_REPEATS) + b"\n\nevent:done\ndata:[DONE]\n\n"


def sse_floor(body: bytes) -> None:
    response = httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})
    for sse in EventSource(response).iter_sse():
        if sse.data != "[DONE]":
            json.loads(sse.data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    repeat = parser.parse_args().repeat
    raw, packed = embeddings_bodies()
    run = agents_body()
    raw_client = client_serving(raw, "application/json")
    packed_client = client_serving(packed, "application/json")
    run_client = client_serving(run, "text/event-stream")
    rows = [
        (
            "embeddings raw",
            len(raw),
            lambda: raw_client.embeddings.create(input=["a"]),
            lambda: json.loads(raw),
        ),
        (
            "embeddings base64",
            len(packed),
            lambda: packed_client.embeddings.create(input=["a"], encoding_format="base64"),
            lambda: json.loads(packed),
        ),
        (
            "agents (600 events)",
            len(run),
            lambda: run_client.agents.create(messages=[{"role": "user", "content": "x"}]),
            lambda: sse_floor(run),
        ),
    ]
    print(f"median of {repeat} runs, milliseconds")
    print(f"  {'':22} {'bytes':>9} {'sdk':>8} {'floor':>8}")
    for name, size, sdk, floor in rows:
        print(
            f"  {name:22} {size:9,d} {median_ms(sdk, repeat):8.1f} {median_ms(floor, repeat):8.1f}"
        )


if __name__ == "__main__":
    main()
