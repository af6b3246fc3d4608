"""The fault matrix: each way a server or network fails, served for real on 127.0.0.1 (the
emulator under uvicorn, a closed port, a server that drops connections before answering), and
what a client makes of it: its outcome, the attempts it made, the waits it asked for, and
whether its pool was left clean.

``run_ours`` drives this SDK (sync or async), ``run_openai`` the official openai SDK, on the
same rows; ``table`` renders the results as the Markdown table of ``docs/reliability.md``.
Retry waits are recorded, not slept, so the matrix runs in seconds.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

import heroku_inference._transport as sdk_transport
from heroku_inference._retry import retry_delay
from heroku_inference.testing import Emulator

from .helpers import TLS
from .pools import busy_connections

KEY = "inf-fault-matrix"
MODEL = "claude-4-5-sonnet"
MESSAGES: list[Any] = [{"role": "user", "content": "Why is Heroku so cool?"}]
ECHO = "Hello from the Heroku Inference emulator! You said: Why is Heroku so cool?"
READ_TIMEOUT = 0.2
"""Short, so the rows that wait for a timeout (a hang, a slow drip) take a fraction of a second."""
OVERSIZED = 4 * 1024 * 1024


@dataclass(frozen=True)
class Row:
    """One fault. ``script`` queues it on the emulator (``None``: the target is not it)."""

    fault: str
    ours: str
    """What this SDK does: ``OK`` or the error's class name."""
    attempts: int
    script: Callable[[Emulator], None] | None = None
    target: str = "heroku"
    """``heroku`` / ``openai``: the emulator in that framing; ``refused``: a closed port;
    ``drop``: a server that closes each connection before answering."""
    stream: bool = True
    told: float | None = None
    """The wait the server asked for, when it did."""
    expected_text: int = len(ECHO)


def _error(status: int, **options: Any) -> Callable[[Emulator], None]:
    return lambda emu: emu.error(status, **options)


def _fault(kind: str, **options: Any) -> Callable[[Emulator], None]:
    return lambda emu: emu.fault(kind, **options)  # type: ignore[arg-type]


ROWS = [
    Row("429 with `Retry-After: 1`", "OK", 2, _error(429, retry_after=1), told=1.0),
    Row(
        "429 with `retry-after-ms: 250`",
        "OK",
        2,
        _error(429, headers={"retry-after-ms": "250"}),
        told=0.25,
    ),
    Row("429 without a hint", "OK", 2, _error(429)),
    Row("429 every time", "RateLimitError", 3, _error(429, retry_after=1, times=3), told=1.0),
    Row("500", "OK", 2, _error(500)),
    Row(
        "500 `Failed to execute chat`",
        "InternalServerError",
        1,
        _error(500, message="Failed to execute chat", times=3),
    ),
    Row("502 (HTML from the router)", "OK", 2, _error(502, body="html")),
    Row("503 (HTML from the router)", "OK", 2, _error(503, body="html")),
    Row("504", "OK", 2, _error(504)),
    Row("connection refused", "APIConnectionError", 3, target="refused"),
    Row("accepts, never answers", "APITimeoutError", 3, _fault("hang", times=3)),
    Row("disconnects before the headers", "APIConnectionError", 3, target="drop"),
    Row(
        "disconnects mid-body",
        "OK",
        2,
        _fault("disconnect", after=1),
        stream=False,
    ),
    Row(
        "disconnects right after the headers",
        "APIConnectionError",
        1,
        _fault("disconnect", after=0),
    ),
    Row("disconnects mid-stream", "APIConnectionError", 1, _fault("disconnect", after=3)),
    Row("disconnects mid-event", "APIConnectionError", 1, _fault("disconnect_mid_event", after=3)),
    Row(
        "slow drip past the read timeout",
        "APITimeoutError",
        1,
        _fault("slow", after=2, delay=READ_TIMEOUT * 3),
    ),
    Row("malformed event", "StreamError", 1, _fault("malformed", after=2)),
    Row("event nested 5,000 deep", "StreamError", 1, _fault("nested", after=2)),
    Row("in-band error (`event: error`)", "StreamError", 1, _fault("inband_error", after=2)),
    Row(
        'in-band error (`data: {"error": ...}`)',
        "StreamError",
        1,
        _fault("inband_error", after=2),
        target="openai",
    ),
    Row("truncated stream (no `[DONE]`)", "StreamError", 1, _fault("truncate", after=3)),
    Row(
        "oversized event (4 MiB)",
        "OK",
        1,
        _fault("oversized", after=2, size=OVERSIZED),
        expected_text=len(ECHO) + OVERSIZED,
    ),
    Row("200 JSON answer to a stream request", "StreamError", 1, _fault("not_streamed")),
]


# -- the servers ---------------------------------------------------------------------------


@dataclass
class Servers:
    """Where each target lives, and the emulators behind them."""

    urls: dict[str, str]
    emulators: dict[str, Emulator]
    dropped: list[int] = field(default_factory=lambda: [0])

    def prepare(self, row: Row) -> str:
        for emulator in self.emulators.values():
            emulator.reset()
        if row.script is not None:
            row.script(self.emulators[row.target])
        return self.urls[row.target]

    def attempts_seen(self, row: Row) -> int | None:
        """Requests the server saw for ``row`` (``None`` where it cannot tell)."""
        if row.target in self.emulators:
            return len(self.emulators[row.target].requests)
        return None


@contextmanager
def dropping_server() -> Iterator[str]:
    """Accepts each connection, reads the request head, and closes without a byte."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2)
                head = b""
                while b"\r\n\r\n" not in head:
                    part = conn.recv(65536)
                    if not part:
                        break
                    head += part

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextmanager
def fault_servers() -> Iterator[Servers]:
    from .test_emulator_asgi import serving

    heroku = Emulator(api_key=KEY)
    openai = Emulator(framing="openai", api_key=KEY)
    with serving(heroku) as heroku_url, serving(openai) as openai_url, dropping_server() as drop:
        urls = {"heroku": heroku_url, "openai": openai_url, "drop": drop, "refused": closed_port()}
        yield Servers(urls, {"heroku": heroku, "openai": openai})


# -- what a client made of a row -------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    outcome: str
    attempts: int
    waits: tuple[float, ...]
    clean: bool
    """No connection left in use or half-open in the client's pool."""
    complete: bool = True
    """For ``OK``: the whole answer arrived (``False``: it ended early, and nothing said so)."""

    def cell(self, row: Row) -> str:
        if self.outcome == "OK":
            text = "OK" if self.complete else "**ends early, no error**"
        else:
            text = f"`{self.outcome}`"
        text += f", {self.attempts} attempt{'s' if self.attempts > 1 else ''}"
        if self.waits and row.told is not None:
            told = all(abs(wait - row.told) < 1e-6 for wait in self.waits)
            text += f", waits {row.told:g} s as told" if told else ", backoff (ignores the hint)"
        elif self.waits:
            text += ", backoff"
        if not self.clean:
            text += ", **a connection left open**"
        return text


def _outcome(error: BaseException | None, own_module: str) -> str:
    if error is None:
        return "OK"
    module = type(error).__module__.split(".")[0]
    name = type(error).__name__
    return name if module == own_module else f"{type(error).__module__}.{name}"


def _text(result: Any, stream: bool) -> str:
    if stream:
        return "".join(c.choices[0].delta.content or "" for c in result if c.choices)
    return str(result.choices[0].message.content or "")


async def run_ours(
    row: Row, servers: Servers, *, is_async: bool, monkeypatch: pytest.MonkeyPatch
) -> Result:
    waits: list[float] = []

    def recorded(*args: Any, **kwargs: Any) -> float:
        waits.append(retry_delay(*args, **kwargs))
        return 0.0

    monkeypatch.setattr(sdk_transport, "retry_delay", recorded)
    url = servers.prepare(row)
    timeout = httpx.Timeout(5.0, read=READ_TIMEOUT)
    http_class = httpx.AsyncClient if is_async else httpx.Client
    http: Any = http_class(timeout=timeout, verify=TLS)
    from heroku_inference import AsyncClient, Client

    client_class = AsyncClient if is_async else Client
    client: Any = client_class(api_key=KEY, base_url=url, model=MODEL, http_client=http)
    error: BaseException | None = None
    text = ""
    try:
        if row.stream:
            stream = client.chat.completions.create(messages=MESSAGES, stream=True)
            if is_async:
                stream = await stream
                async with stream:
                    chunks = [chunk async for chunk in stream]
            else:
                with stream:
                    chunks = list(stream)
            text = _text(chunks, stream=True)
        else:
            completion = client.chat.completions.create(messages=MESSAGES)
            text = _text(await completion if is_async else completion, stream=False)
    except Exception as exc:
        error = exc
    clean = busy_connections(http) == []
    if is_async:
        await http.aclose()
    else:
        http.close()
    return Result(
        _outcome(error, "heroku_inference"),
        len(waits) + 1,
        tuple(waits),
        clean,
        complete=len(text) == row.expected_text,
    )


async def run_openai(row: Row, servers: Servers) -> Result:
    import httpx2
    import openai

    url = servers.prepare(row)
    http = httpx2.AsyncClient(timeout=httpx2.Timeout(5.0, read=READ_TIMEOUT), verify=TLS)
    client = openai.AsyncOpenAI(api_key=KEY, base_url=f"{url}/v1", http_client=http)
    waits: list[float] = []

    async def recorded(
        *, retries_taken: int, max_retries: int, options: Any, response: Any
    ) -> None:
        remaining = max_retries - retries_taken
        headers = response.headers if response is not None else None
        waits.append(client._calculate_retry_timeout(remaining, options, headers))

    client._sleep_for_retry = recorded  # type: ignore[method-assign]
    error: BaseException | None = None
    text = ""
    try:
        if row.stream:
            stream = await client.chat.completions.create(
                model=MODEL, messages=MESSAGES, stream=True
            )
            async with stream:
                text = _text([chunk async for chunk in stream], stream=True)
        else:
            completion = await client.chat.completions.create(model=MODEL, messages=MESSAGES)
            text = _text(completion, stream=False)
    except Exception as exc:
        error = exc
    clean = busy_connections(http) == []
    await client.close()
    await http.aclose()
    return Result(
        _outcome(error, "openai"),
        len(waits) + 1,
        tuple(waits),
        clean,
        complete=len(text) == row.expected_text,
    )


# -- the table -----------------------------------------------------------------------------

START = "<!-- fault-matrix:start (generated by tests/test_fault_matrix.py) -->"
END = "<!-- fault-matrix:end -->"


def table(results: list[tuple[Row, Result, Result]], openai_version: str) -> str:
    lines = [
        START,
        f"| Fault | heroku-inference | openai {openai_version} |",
        "|---|---|---|",
    ]
    for row, ours, theirs in results:
        kind = "stream" if row.stream else "not streamed"
        lines.append(f"| {row.fault} ({kind}) | {ours.cell(row)} | {theirs.cell(row)} |")
    lines.append(END)
    return "\n".join(lines)


def replace_table(document: str, rendered: str) -> str:
    head, _, rest = document.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{rendered}{tail}"


def dumps(results: list[tuple[Row, Result, Result]]) -> str:
    """The raw results, for a failing test's message."""
    return json.dumps(
        [[row.fault, ours.__dict__, theirs.__dict__] for row, ours, theirs in results]
    )
