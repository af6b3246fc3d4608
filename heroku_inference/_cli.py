"""The ``heroku-inference`` command: stream a chat completion, use the add-on's other
endpoints (``embed``, ``image``, ``rerank``, ``models``, ``agent``: ``_cli_endpoints``), or
serve the local emulator.

    heroku-inference chat "Why is Heroku so cool?"
    echo "Summarise this" | heroku-inference chat --json
    heroku-inference image "a purple lighthouse" -o lighthouse.png
    heroku-inference emulator --port 8787

With no ``INFERENCE_URL`` in the environment, the commands run on the built-in emulator.
Reasoning is dimmed on a terminal unless ``NO_COLOR`` is set to a non-empty value.

Exit status: 0 done, 1 an API error, 2 a usage or configuration error, 130 interrupted
(Ctrl-C), 141 stdout closed by its reader (``| head``), as a shell reports for ``yes | head``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from ._cli_endpoints import COMMANDS, add_parsers, run_command
from ._client import LONG_RUNNING_KEEP, Client
from ._exceptions import ConfigurationError, HerokuInferenceError, ParameterError
from ._version import __version__
from .types.chat import ChatCompletion

__all__ = ["main"]

PROG = "heroku-inference"
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141
"""128 + SIGPIPE: the status a shell reports for a writer whose reader went away."""
NO_MODEL = (
    "no model: pass --model (e.g. --model claude-4-5-sonnet) or set INFERENCE_MODEL_ID "
    "(heroku config:get -a $APP_NAME INFERENCE_MODEL_ID)"
)
THINKING_BUDGET = 1024
"""Tokens of extended thinking asked for by ``--reasoning`` (Heroku's minimum)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "emulator":
            return _serve(args)
        if args.command in COMMANDS:
            return run_command(args, _client)
        return _chat(args)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of stdout went away (``| head``); leaving the ``with`` closed the stream.
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except (ConfigurationError, ParameterError) as exc:
        _fail(str(exc))
        return EXIT_USAGE
    except (ValueError, TypeError) as exc:
        # The SDK refused the request before sending it (e.g. --temperature with
        # --reasoning): a usage error, said in one line.
        _fail(str(exc))
        return EXIT_USAGE
    except HerokuInferenceError as exc:
        _fail(_describe(exc))
        return EXIT_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Heroku Managed Inference from the command line."
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chat = commands.add_parser("chat", help="stream a chat completion to the terminal")
    chat.add_argument("prompt", nargs="?", help="the prompt (read from stdin when omitted)")
    chat.add_argument("--model", help="model ID (default: INFERENCE_MODEL_ID)")
    chat.add_argument("--system", help="a system prompt")
    chat.add_argument("--max-tokens", type=int, help="maximum tokens to generate")
    chat.add_argument("--temperature", type=float, help="sampling temperature, 0.0 to 1.0")
    chat.add_argument("--reasoning", action="store_true", help="ask for extended thinking")
    chat.add_argument("--json", action="store_true", help="print the final completion as JSON")
    chat.add_argument(
        "--emulator", action="store_true", help="use the built-in local emulator even if set up"
    )

    add_parsers(commands)

    serve = commands.add_parser("emulator", help="serve the local emulator over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8787, help="port to listen on (8787)")
    serve.add_argument(
        "--framing", choices=("heroku", "openai"), default="heroku", help="SSE framing to send"
    )
    return parser


def _chat(args: argparse.Namespace) -> int:
    prompt = args.prompt if args.prompt is not None else _read_stdin()
    if not prompt.strip():
        _fail("no prompt: give one as an argument or pipe it on stdin")
        return EXIT_USAGE
    messages: list[dict[str, str]] = []
    if args.system:
        messages.append({"role": "system", "content": args.system})
    messages.append({"role": "user", "content": prompt})
    params: dict[str, Any] = {"messages": messages}
    if args.model:
        params["model"] = args.model
    if args.max_tokens is not None:
        params["max_tokens"] = args.max_tokens
    if args.temperature is not None:
        params["temperature"] = args.temperature
    if args.reasoning:
        if args.max_tokens is not None and args.max_tokens <= THINKING_BUDGET:
            _fail(f"--reasoning needs --max-tokens above the thinking budget ({THINKING_BUDGET})")
            return EXIT_USAGE
        params["extended_thinking"] = {
            "enabled": True,
            "budget_tokens": THINKING_BUDGET,
            "include_reasoning": True,
        }
        params.setdefault("max_tokens", 4 * THINKING_BUDGET)
    with _client(force_emulator=args.emulator) as client:
        if "model" not in params and not client.model:
            _fail(NO_MODEL)
            return EXIT_USAGE
        with client.chat.completions.stream(**params) as stream:
            if args.json:
                print(stream.get_final_completion().to_json(), flush=True)
                return 0
            _render(stream, sys.stdout, sys.stderr)
            final = stream.get_final_completion()
    _summarise(final, sys.stderr)
    return 0


def _client(*, force_emulator: bool) -> Client:
    if force_emulator or not os.environ.get("INFERENCE_URL"):
        from .testing import Emulator

        reason = "--emulator given" if force_emulator else "INFERENCE_URL is not set"
        print(
            f"{PROG}: {reason}; using the built-in local emulator (no network, no tokens).",
            file=sys.stderr,
        )
        return Emulator().client()
    return Client()


def _render(stream: Any, out: TextIO, err: TextIO) -> None:
    """Reasoning goes to stderr (dimmed on a terminal), the answer to stdout."""
    dim, reset = ("\x1b[2m", "\x1b[0m") if _color(err) else ("", "")
    thinking = False
    for event in stream:
        if event.type == "reasoning.delta":
            if not thinking:
                err.write(f"{dim}[thinking] ")
                thinking = True
            err.write(event.delta)
            err.flush()
        elif event.type == "reasoning.done" and thinking:
            err.write(f"{reset}\n")
            err.flush()
            thinking = False
        elif event.type == "content.delta":
            out.write(event.delta)
            out.flush()
        elif event.type == "tool_calls.function.arguments.done":
            out.write(f"\n[tool call] {event.name}({event.arguments})")
            out.flush()
    if thinking:
        err.write(f"{reset}\n")
    out.write("\n")
    out.flush()


def _color(stream: TextIO) -> bool:
    """Escapes only on a terminal, and never with ``NO_COLOR`` set (https://no-color.org)."""
    return stream.isatty() and not os.environ.get("NO_COLOR")


def _summarise(completion: ChatCompletion, err: TextIO) -> None:
    usage = completion.usage
    reason = completion.choices[0].finish_reason if completion.choices else None
    parts = [f"model {completion.model or 'unknown'}", f"finish {reason or 'unknown'}"]
    if usage is not None:
        parts.append(
            f"tokens {usage.prompt_tokens} in, {usage.completion_tokens} out, "
            f"{usage.total_tokens} total"
        )
    print(f"[{'; '.join(parts)}]", file=err)


def _serve(args: argparse.Namespace) -> int:
    """Bind, then announce (so the URL printed already accepts connections), then serve."""
    from .testing import Emulator
    from .testing._server import build_server, listen, url_of

    emulator = Emulator(framing=args.framing, keep_requests=LONG_RUNNING_KEEP)
    server = build_server(emulator, host=args.host, port=args.port)
    try:
        sock = listen(args.host, args.port)
    except ValueError as exc:
        _fail(f"--port: {exc}")
        return EXIT_USAGE
    except OSError as exc:
        _fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
        return EXIT_USAGE
    url = url_of(sock)
    print(
        f"{PROG}: serving the emulator on {url} (Ctrl-C to stop); try "
        f"INFERENCE_URL={url} INFERENCE_KEY=any INFERENCE_MODEL_ID={emulator.model}",
        file=sys.stderr,
        flush=True,
    )
    with sock:
        server.run(sockets=[sock])
    return 0


def _read_stdin() -> str:
    if sys.stdin is None or sys.stdin.isatty():
        return ""
    return sys.stdin.read()


def _describe(exc: HerokuInferenceError) -> str:
    # Status errors already name their request id in the message.
    return f"{type(exc).__name__}: {exc}"


def _silence_stdout() -> None:
    """Point stdout at the null device, so the interpreter's flush at exit cannot fail again
    (Python would print "Exception ignored ... BrokenPipeError")."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def _fail(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)
