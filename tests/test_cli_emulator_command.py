"""``heroku-inference emulator``: it binds before it announces, a port it cannot have is a
one-line error, and the announcement's hint is enough for ``chat``."""

from __future__ import annotations

import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from heroku_inference import _cli

pytest.importorskip("uvicorn")

ANNOUNCEMENT = re.compile(rb"serving[^\n]*\n")


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("INFERENCE_")}


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "heroku_inference", "emulator", *args]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _read_announcement(process: subprocess.Popen[bytes], seconds: float) -> str:
    """stderr up to the end of the "serving ..." line (read from the descriptor, with a
    deadline, so a silent process fails the test instead of hanging it)."""
    assert process.stderr is not None
    fd = process.stderr.fileno()
    seen = b""
    deadline = time.monotonic() + seconds
    while (found := ANNOUNCEMENT.search(seen)) is None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no announcement in time: {seen!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            data = os.read(fd, 4096)
            if not data:
                raise AssertionError(f"the emulator exited before announcing: {seen!r}")
            seen += data
    return found.group().decode()


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise


@pytest.fixture
def served() -> Iterator[tuple[int, str]]:
    """The command serving on a free port: ``(port, announcement line)``."""
    port = _free_port()
    process = subprocess.Popen(
        _command("--port", str(port)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=_environment(),
    )
    try:
        yield port, _read_announcement(process, seconds=30)
    finally:
        _stop(process)


def test_the_port_accepts_connections_once_announced(served: tuple[int, str]) -> None:
    port, line = served
    assert f"http://127.0.0.1:{port}" in line
    # No retry: announced means listening.
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass


def test_the_hint_is_enough_for_chat(
    served: tuple[int, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, line = served
    hint = dict(re.findall(r"\b(INFERENCE_[A-Z_]+)=(\S+)", line.split("try", 1)[1]))
    assert set(hint) == {"INFERENCE_URL", "INFERENCE_KEY", "INFERENCE_MODEL_ID"}
    for name, value in hint.items():
        monkeypatch.setenv(name, value)

    status = _cli.main(["chat", "Why is Heroku so cool?"])

    out, err = capsys.readouterr()
    assert status == 0, err
    assert "Why is Heroku so cool?" in out


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command(*args),
        capture_output=True,
        text=True,
        env=_environment(),
        timeout=60,
        check=False,
    )


def test_a_busy_port_is_a_one_line_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = _run("--port", str(port))
    assert done.returncode == _cli.EXIT_USAGE
    [line] = done.stderr.strip().splitlines()
    assert f"127.0.0.1:{port}" in line
    assert "in use" in line.lower()


@pytest.mark.parametrize("port", ["99999", "-1"])
def test_an_out_of_range_port_is_a_one_line_error(port: str) -> None:
    done = _run("--port", port)
    assert done.returncode == _cli.EXIT_USAGE
    [line] = done.stderr.strip().splitlines()
    assert "0-65535" in line
    assert port in line
