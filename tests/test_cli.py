"""The ``heroku-inference`` command: streamed output, --json, stdin, exit codes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import pytest

from heroku_inference import _cli
from heroku_inference.testing import Emulator


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """The emulator the command will use, so a test can script its replies."""
    emu = Emulator()
    monkeypatch.setattr(_cli, "_client", lambda *, force_emulator: emu.client())
    return emu


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = _cli.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_chat_streams_the_answer_and_reports_usage(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.reply(
        text="Deploys are a git push.",
        usage={"prompt_tokens": 5, "completion_tokens": 6, "total_tokens": 11},
    )
    status, out, err = run(["chat", "Why is Heroku so cool?"], capsys)
    assert status == 0
    assert out == "Deploys are a git push.\n"
    assert "tokens 5 in, 6 out, 11 total" in err
    assert "finish stop" in err
    sent = emulator.requests[-1].body
    assert sent["messages"] == [{"role": "user", "content": "Why is Heroku so cool?"}]
    assert sent["stream"] is True


def test_chat_sends_the_options_it_was_given(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.reply(text="ok")
    argv = [
        "chat",
        "hi",
        "--model",
        "nova-lite",
        "--system",
        "Be terse.",
        "--max-tokens",
        "50",
        "--temperature",
        "0.2",
    ]
    status, _, _ = run(argv, capsys)
    assert status == 0
    sent = emulator.requests[-1].body
    assert sent["model"] == "nova-lite"
    assert sent["max_tokens"] == 50
    assert sent["temperature"] == 0.2
    assert sent["messages"][0] == {"role": "system", "content": "Be terse."}


def test_reasoning_goes_to_stderr_and_the_answer_to_stdout(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.reply(text="Because it just works.", reasoning="The user asks why.")
    status, out, err = run(["chat", "why?", "--reasoning"], capsys)
    assert status == 0
    assert out == "Because it just works.\n"
    assert "[thinking] The user asks why." in err
    thinking = emulator.requests[-1].body["extended_thinking"]
    assert thinking == {"enabled": True, "budget_tokens": 1024, "include_reasoning": True}


def test_tool_calls_are_shown_by_name_and_arguments(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.reply(
        text="Checking.", tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}]
    )
    status, out, _ = run(["chat", "weather?"], capsys)
    assert status == 0
    assert "[tool call] get_weather(" in out
    assert '"city"' in out
    assert "Paris" in out


def test_json_prints_the_final_completion(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.reply(text="Hello there.")
    status, out, _ = run(["chat", "hi", "--json"], capsys)
    assert status == 0
    completion = json.loads(out)
    assert completion["object"] == "chat.completion"
    assert completion["choices"][0]["message"]["content"] == "Hello there."


def test_prompt_is_read_from_stdin(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("from a pipe\n"))
    emulator.reply(text="ok")
    status, _, _ = run(["chat"], capsys)
    assert status == 0
    assert emulator.requests[-1].body["messages"][-1]["content"] == "from a pipe\n"


def test_no_prompt_is_a_usage_error(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    status, _, err = run(["chat"], capsys)
    assert status == 2
    assert "no prompt" in err
    assert emulator.requests == []


def test_api_errors_print_one_line_and_exit_non_zero(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.error(
        403,
        body={
            "error": {
                "code": 403,
                "message": "You do not have access to that model",
                "type": "authorization_error",
            }
        },
        headers={"x-request-id": "req_cli"},
    )
    status, out, err = run(["chat", "hi"], capsys)
    assert status == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert "PermissionDeniedError" in lines[0]
    assert "You do not have access to that model" in lines[0]
    assert "req_cli" in lines[0]
    assert "Traceback" not in err


def test_stream_errors_exit_non_zero(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.fault("inband_error", after=1)
    status, _, err = run(["chat", "hi"], capsys)
    assert status == 1
    assert "StreamError" in err
    assert "Traceback" not in err


def test_missing_key_with_a_url_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INFERENCE_URL", "https://us.inference.heroku.com")
    status, _, err = run(["chat", "hi"], capsys)
    assert status == 2
    assert "INFERENCE_KEY" in err
    assert "heroku config:get" in err


def test_without_inference_url_the_emulator_is_used_and_announced(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run(["chat", "Why is Heroku so cool?"], capsys)
    assert status == 0
    assert out.strip()
    notes = [line for line in err.splitlines() if "emulator" in line]
    assert len(notes) == 1
    assert "INFERENCE_URL is not set" in notes[0]


def test_emulator_flag_forces_the_emulator(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INFERENCE_URL", "https://us.inference.heroku.com")
    monkeypatch.setenv("INFERENCE_KEY", "inf-real")
    status, out, err = run(["chat", "hi", "--emulator"], capsys)
    assert status == 0
    assert "--emulator given" in err
    assert out.strip()


def test_python_dash_m_runs_the_command_with_stdin() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFERENCE_")}
    done = subprocess.run(
        [sys.executable, "-m", "heroku_inference", "chat"],
        input="Tell me about dynos",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    assert "emulator" in done.stderr


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        _cli.main(["--version"])
    assert exit_info.value.code == 0
    assert "heroku-inference" in capsys.readouterr().out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_listening(port: int, process: subprocess.Popen[str], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the emulator exited early: {process.communicate()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("the emulator did not start listening in time")


def test_emulator_command_serves_the_official_openai_sdk() -> None:
    openai = pytest.importorskip("openai")
    pytest.importorskip("uvicorn")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFERENCE_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "heroku_inference", "emulator", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        _wait_until_listening(port, process, seconds=30)
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="any", max_retries=0)
        messages = [{"role": "user", "content": "Why is Heroku so cool?"}]
        completion = client.chat.completions.create(model="claude-4-5-sonnet", messages=messages)
        answer = completion.choices[0].message.content
        assert answer
        assert "Why is Heroku so cool?" in answer
        stream = client.chat.completions.create(
            model="claude-4-5-sonnet", messages=messages, stream=True
        )
        streamed = "".join(
            chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices
        )
        assert streamed == answer
        client.close()
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            _, err = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise
    assert process.returncode in (0, 130), err
    assert "Traceback" not in err
    assert f"http://127.0.0.1:{port}" in err


def test_reasoning_with_too_few_tokens_is_a_usage_error(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(["chat", "hi", "--reasoning", "--max-tokens", "500"], capsys)
    assert status == 2
    assert "--max-tokens above the thinking budget (1024)" in err
    assert emulator.requests == []


def test_the_answer_is_written_as_it_arrives(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each text delta is written and flushed on its own, not buffered to the end."""
    writes: list[str] = []
    real_stdout = sys.stdout

    class Recorder:
        def write(self, text: str) -> int:
            writes.append(text)
            return real_stdout.write(text)

        def flush(self) -> None:
            writes.append("<flush>")

        def isatty(self) -> bool:
            return False

    monkeypatch.setattr(sys, "stdout", Recorder())
    emulator.reply(text="one two three four")
    assert _cli.main(["chat", "count"]) == 0
    deltas = [w for w in writes if w not in ("<flush>", "\n")]
    assert len(deltas) >= 4
    assert "".join(deltas) == "one two three four"
    assert writes.count("<flush>") >= len(deltas)


def test_ctrl_c_mid_stream_exits_130_and_closes_the_stream(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    streams: list[Any] = []

    def interrupted(stream: Any, out: Any, err: Any) -> None:
        streams.append(stream)
        next(iter(stream))  # the first event arrives, then the user presses Ctrl-C
        raise KeyboardInterrupt

    monkeypatch.setattr(_cli, "_render", interrupted)
    emulator.reply(text="a long answer that is never finished")
    status, _, err = run(["chat", "hi"], capsys)
    assert status == 130
    assert "Traceback" not in err
    assert streams[0].response.is_closed


@pytest.mark.parametrize(
    "argv",
    [
        ["chat", "hi", "--reasoning", "--temperature", "0.5"],
        ["chat", "hi", "--temperature", "nan"],
    ],
    ids=["thinking-temperature", "nan"],
)
def test_a_request_the_sdk_refuses_is_a_one_line_usage_error(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    status, _, err = run(argv, capsys)
    assert status == 2
    assert "Traceback" not in err
    assert err.startswith("heroku-inference: error: ")
    assert len(err.strip().splitlines()) == 1
    assert emulator.requests == []
