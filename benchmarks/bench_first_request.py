"""The cost of a process's first request: import, first client, first and second call.

Each run is a fresh interpreter (so nothing is cached), timing in order:

- ``deps``: importing httpx, httpx-sse, anyio and pydantic, and defining one pydantic model
  (pydantic imports most of itself only then);
- ``import``: ``import heroku_inference``;
- ``client``: the first ``AsyncClient(...)`` (on ``httpx.MockTransport``, so no TLS setup);
- ``first`` / ``second``: the first and second ``chat.completions.create()`` inside
  ``asyncio.run``. The transport answers in memory, so all of ``first`` is time the event loop
  is blocked.

    python benchmarks/bench_first_request.py [--runs 15]

Prints the median of each phase in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "chat_completion.json"

PROBE = """
import time
t0 = time.perf_counter()
import httpx, httpx_sse, anyio, pydantic
class _Warm(pydantic.BaseModel):
    x: int = 0
_Warm.model_validate({})
t1 = time.perf_counter()
import heroku_inference
t2 = time.perf_counter()
import asyncio, json, sys
body = open(sys.argv[1], "rb").read()
transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
try:
    client = heroku_inference.AsyncClient(api_key="k", base_url="https://inference.test",
                                          model="m", transport=transport)
except TypeError:  # versions before transport= existed
    http = httpx.AsyncClient(transport=transport)
    client = heroku_inference.AsyncClient(api_key="k", base_url="https://inference.test",
                                          model="m", http_client=http)
t3 = time.perf_counter()
messages = [{"role": "user", "content": "hi"}]
async def main():
    a = time.perf_counter()
    await client.chat.completions.create(messages=messages)
    b = time.perf_counter()
    await client.chat.completions.create(messages=messages)
    return b - a, time.perf_counter() - b
first, second = asyncio.run(main())
print(json.dumps({"deps": t1 - t0, "import": t2 - t1, "client": t3 - t2,
                  "first": first, "second": second}))
"""

PHASES = ("deps", "import", "client", "first", "second")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh interpreters (default 15)")
    args = parser.parse_args()
    samples: dict[str, list[float]] = {phase: [] for phase in PHASES}
    for _ in range(args.runs):
        done = subprocess.run(
            [sys.executable, "-c", PROBE, str(FIXTURE)],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        for phase, seconds in json.loads(done.stdout).items():
            samples[phase].append(seconds * 1000)
    medians = {phase: statistics.median(values) for phase, values in samples.items()}
    print(f"median of {args.runs} fresh interpreters, milliseconds")
    for phase in PHASES:
        print(f"  {phase:<8} {medians[phase]:8.1f}")
    ours = medians["import"] + medians["client"] + medians["first"]
    print(f"  import + first client + first call: {ours:.1f} (dependencies: {medians['deps']:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
