"""``heroku-inference embed | image | rerank | models | agent``: results on stdout, one per
line, summaries on stderr, usage errors exit 2, API errors 1."""

from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
import pytest

from heroku_inference import _cli
from heroku_inference.testing import Emulator

from .helpers import fixture_bytes, json_response


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """The emulator the command will use, so a test can script it and read its requests."""
    emu = Emulator()
    monkeypatch.setattr(_cli, "_client", lambda *, force_emulator: emu.client())
    return emu


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = _cli.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_embed_prints_one_vector_per_line(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(["embed", "hello", "world", "--input-type", "search_query"], capsys)
    assert status == 0
    vectors = [json.loads(line) for line in out.splitlines()]
    assert [len(v) for v in vectors] == [1024, 1024]
    assert vectors[0] != vectors[1]
    assert "2 vector(s) of 1024 dimensions" in err
    sent = emulator.requests[-1].body
    assert sent == {
        "model": "cohere-embed-multilingual",
        "input": ["hello", "world"],
        "input_type": "search_query",
    }


def test_embed_reads_lines_from_stdin_and_batches_them(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(f"line {n}" for n in range(100))))
    status, out, _ = run(["embed", "--json", "--model", "cohere-embed-v4"], capsys)
    assert status == 0
    response = json.loads(out)
    assert [item["index"] for item in response["data"]] == list(range(100))
    assert len(emulator.requests) == 2
    assert {r.body["model"] for r in emulator.requests} == {"cohere-embed-v4"}


def test_embed_limits_are_usage_errors(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(["embed", "x" * 2049], capsys)
    assert status == 2
    assert "input[0] is 2049 characters long" in err
    assert emulator.requests == []


def test_image_writes_the_file_and_prints_its_path(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "lighthouse.jpg"
    argv = ["image", "a purple lighthouse", "-o", str(target), "--aspect-ratio", "16:9"]
    status, out, err = run([*argv, "--seed", "7"], capsys)
    assert status == 0
    assert out.strip() == str(target)
    assert target.read_bytes().startswith(b"\xff\xd8\xff")  # the format follows the suffix
    assert "bytes written" in err
    sent = emulator.requests[-1].body
    assert sent["output_format"] == "jpeg"
    assert (sent["aspect_ratio"], sent["seed"]) == ("16:9", 7)


def test_image_refuses_a_seed_out_of_range(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, _, err = run(["image", "x", "-o", str(tmp_path / "x.png"), "--seed", "-1"], capsys)
    assert status == 2
    assert "seed must be from 0 to 4294967295" in err


def test_rerank_prints_score_index_and_document(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "rerank",
        "where is my data",
        "Dynos run apps",
        "Postgres keeps my data",
        "--top-n",
        "1",
    ]
    status, out, _ = run(argv, capsys)
    assert status == 0
    score, index, document = out.strip().split("\t")
    assert (index, document) == ("1", "Postgres keeps my data")
    assert 0 < float(score) <= 1


def test_models_lists_ids_types_and_regions(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(["models", "--type", "text-to-ranking"], capsys)
    assert status == 0
    assert out.splitlines() == [
        "cohere-rerank-3-5\ttext-to-ranking\tus,eu",
        "amazon-rerank-1-0\ttext-to-ranking\tus,eu",
    ]
    status, out, _ = run(["models", "--json"], capsys)
    assert {
        "model_id": "stable-image-ultra",
        "type": ["text-to-image"],
        "regions": ["us", "eu"],
    } in (json.loads(out))


def test_agent_streams_text_and_shows_tools_on_stderr(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.agent_run(
        {
            "role": "assistant",
            "content": "Checking.",
            "tool_calls": [{"name": "dyno_run_command", "arguments": {}}],
        },
        {"role": "tool", "name": "dyno_run_command", "error": "dyno timed out"},
        {"role": "tool", "name": "dyno_run_command", "content": "Tue"},
        {"role": "assistant", "content": "It is Tuesday."},
    )
    argv = ["agent", "What day is it?", "--tool", "dyno_run_command", "--app", "my-app"]
    status, out, err = run([*argv, "--tool", "mcp-python/code_exec_python"], capsys)
    assert status == 0
    assert out == "Checking.\nIt is Tuesday.\n"
    assert "[tool call] dyno_run_command({})" in err
    assert "[tool error] dyno_run_command: dyno timed out" in err
    assert "[tool result] Tool 'dyno_run_command' returned result:" in err
    assert emulator.requests[-1].body["tools"] == [
        {
            "type": "heroku_tool",
            "name": "dyno_run_command",
            "runtime_params": {"target_app_name": "my-app"},
        },
        {"type": "mcp", "name": "mcp-python/code_exec_python"},
    ]


def test_an_agent_error_exits_1(emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    emulator.agent_run({"role": "assistant", "content": "Trying."}, error="no dynos left")
    status, out, err = run(["agent", "go"], capsys)
    assert status == 1
    assert out == "Trying.\n"
    assert "AgentError: The agent failed: no dynos left" in err


def test_embed_uses_the_embedding_resource_when_only_it_is_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return json_response(200, json.loads(fixture_bytes("embeddings.json")))

    real_client = _cli.Client

    class Mocked(real_client):  # type: ignore[misc,valid-type]
        def __init__(self, **options: object) -> None:
            super().__init__(transport=httpx.MockTransport(handler), **options)

    monkeypatch.setattr("heroku_inference._cli_endpoints.Client", Mocked)
    monkeypatch.setenv("EMBEDDING_URL", "https://embed.test")
    monkeypatch.setenv("EMBEDDING_KEY", "inf-embed")
    monkeypatch.setenv("EMBEDDING_MODEL_ID", "cohere-embed-v4")
    status, out, _ = run(["embed", "hi"], capsys)
    assert status == 0
    assert json.loads(out.splitlines()[0]) == [0.0123, -0.0456, 0.0789, 0.1011]
    assert seen[0].url.host == "embed.test"
    assert seen[0].headers["authorization"] == "Bearer inf-embed"
