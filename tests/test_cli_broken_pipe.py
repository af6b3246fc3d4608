"""A reader that stops early (``heroku-inference chat ... | head -c 5``) ends the command
quietly: no traceback, exit status 141 (128 + SIGPIPE, as a shell reports for ``yes | head``),
and the stream closed at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from heroku_inference import _cli
from heroku_inference.testing import Emulator, EmulatorTransport

LONG_WORD = "x" * 10_000
"""The emulator echoes the prompt word by word: 20 such words are ~200 KB of answer, more
than a pipe holds, so the command is still writing when the reader goes away."""


def _environment() -> dict[str, str]:
    """No Heroku settings (so the built-in emulator answers), and stdout buffered as usual."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("INFERENCE_") and k != "PYTHONUNBUFFERED"
    }


def _assert_quiet(err: bytes) -> None:
    text = err.decode()
    assert "Traceback" not in text
    assert "BrokenPipeError" not in text
    assert "Exception ignored" not in text


def test_a_reader_that_closes_early_ends_the_command_quietly(tmp_path: Path) -> None:
    prompt = tmp_path / "prompt.txt"
    prompt.write_text(" ".join([LONG_WORD] * 20))
    with prompt.open("rb") as stdin:
        process = subprocess.Popen(
            [sys.executable, "-m", "heroku_inference", "chat"],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_environment(),
        )
        assert process.stdout is not None
        try:
            head = process.stdout.read(5)  # what `head -c 5` does, then it exits
            process.stdout.close()
            _, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert head == b"Hello"
    _assert_quiet(err)
    assert process.returncode == _cli.EXIT_BROKEN_PIPE == 141


@pytest.mark.parametrize("argv", [["chat", "hi"], ["chat", "hi", "--json"]], ids=["text", "json"])
def test_a_reader_gone_before_the_answer_ends_the_command_quietly(argv: list[str]) -> None:
    """As in ``| true``: with stdout buffered, ``--json`` would fail only in the interpreter's
    flush at exit, unless the command flushes while it can still catch the error."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the command starts
    try:
        done = subprocess.run(
            [sys.executable, "-m", "heroku_inference", *argv],
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=_environment(),
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    _assert_quiet(done.stderr)
    assert done.returncode == 141


class _ClosedAfter:
    """A stdout whose reader goes away after ``writes`` writes."""

    def __init__(self, writes: int) -> None:
        self.writes = writes

    def write(self, text: str) -> int:
        if self.writes <= 0:
            raise BrokenPipeError(32, "Broken pipe")
        self.writes -= 1
        return len(text)

    def flush(self) -> None:
        if self.writes <= 0:
            raise BrokenPipeError(32, "Broken pipe")

    def isatty(self) -> bool:
        return False


class _RecordingTransport(EmulatorTransport):
    """The emulator's transport, keeping each response so a test can see it was closed."""

    def __init__(self, emulator: Emulator) -> None:
        super().__init__(emulator)
        self.responses: list[httpx.Response] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        self.responses.append(response)
        return response


@pytest.mark.parametrize(
    ("argv", "writes"), [(["chat", "hi"], 2), (["chat", "hi", "--json"], 0)], ids=["text", "json"]
)
def test_a_closed_stdout_closes_the_stream_at_once(
    argv: list[str],
    writes: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    emu = Emulator()
    emu.reply(text="a long answer that nobody reads to the end")
    transport = _RecordingTransport(emu)
    client = emu.client(http_client=httpx.Client(transport=transport))
    monkeypatch.setattr(_cli, "_client", lambda *, force_emulator: client)
    silenced: list[bool] = []
    monkeypatch.setattr(_cli, "_silence_stdout", lambda: silenced.append(True))
    monkeypatch.setattr(sys, "stdout", _ClosedAfter(writes))

    status = _cli.main(argv)

    assert status == 141
    assert silenced == [True]
    [response] = transport.responses
    assert response.is_closed
    assert "Traceback" not in capsys.readouterr().err
