"""The ``heroku-inference`` subcommands of the endpoints besides chat.

    heroku-inference embed "first text" "second text"        # one JSON vector per line
    heroku-inference image "a purple lighthouse" -o out.png
    heroku-inference rerank "where is my data?" "Dynos run apps" "Postgres stores data"
    heroku-inference models --type text-to-embedding
    heroku-inference agent "What time is it on my dyno?" --tool dyno_run_command --app my-app

Results go to stdout, one per line, ready for a pipe; summaries go to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

from ._client import Client
from .types.agents import AgentCompletion, ToolCompletion, ToolErrorEvent
from .types.embeddings import EmbeddingInputType
from .types.images import ASPECT_RATIOS, IMAGE_SIZES

__all__ = ["COMMANDS", "add_parsers", "run_command"]

COMMANDS = frozenset({"embed", "image", "rerank", "models", "agent"})
ClientFactory = Callable[..., Client]


def add_parsers(commands: Any) -> None:
    """Add the subcommands to ``commands`` (an argparse subparsers action)."""
    embed = commands.add_parser("embed", help="embed texts; one JSON vector per line")
    embed.add_argument("text", nargs="*", help="texts (one per line on stdin when omitted)")
    embed.add_argument("--model", help="model ID (default: EMBEDDING_MODEL_ID)")
    embed.add_argument("--input-type", choices=get_args(EmbeddingInputType))
    embed.add_argument("--json", action="store_true", help="print the whole response as JSON")
    _emulator_flag(embed)

    image = commands.add_parser("image", help="generate an image into a file")
    image.add_argument("prompt", help="what to draw")
    image.add_argument("-o", "--output", help="file to write (default: image.png or image.jpeg)")
    image.add_argument("--model", help="model ID (default: DIFFUSION_MODEL_ID)")
    image.add_argument("--aspect-ratio", choices=ASPECT_RATIOS)
    image.add_argument("--size", choices=IMAGE_SIZES)
    image.add_argument("--negative-prompt", help="what to keep out of the image")
    image.add_argument("--seed", type=int, help="0 to 4294967295; the same seed, the same image")
    image.add_argument("--format", choices=("png", "jpeg"), help="default: from -o, else png")
    _emulator_flag(image)

    rerank = commands.add_parser("rerank", help="order documents by relevance to a query")
    rerank.add_argument("query")
    rerank.add_argument(
        "documents", nargs="*", help="documents (one per line on stdin when omitted)"
    )
    rerank.add_argument("--top-n", type=int, help="how many to keep")
    rerank.add_argument("--model", help="model ID (default: RERANK_MODEL_ID)")
    rerank.add_argument("--json", action="store_true", help="print the whole response as JSON")
    _emulator_flag(rerank)

    models = commands.add_parser("models", help="list the models Heroku offers")
    models.add_argument("--type", help="only models of this type, e.g. text-to-embedding")
    models.add_argument("--json", action="store_true", help="print the list as JSON")
    _emulator_flag(models)

    agent = commands.add_parser("agent", help="run Heroku's agent loop with server-side tools")
    agent.add_argument("prompt")
    agent.add_argument(
        "--tool",
        action="append",
        default=[],
        help="a heroku_tool name, or an MCP tool's namespaced name (with a '/'); repeatable",
    )
    agent.add_argument("--app", help="target_app_name of the heroku_tool tools")
    agent.add_argument("--model", help="model ID (default: INFERENCE_MODEL_ID)")
    agent.add_argument("--json", action="store_true", help="print the collected result as JSON")
    _emulator_flag(agent)


def _emulator_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--emulator", action="store_true", help="use the built-in local emulator even if set up"
    )


def run_command(args: argparse.Namespace, client_for: ClientFactory) -> int:
    """Run one of ``COMMANDS``; returns the exit status (errors propagate to ``main``).

    ``embed``, ``image`` and ``rerank`` use their resource's variables (``EMBEDDING_URL``...)
    when only those are set; otherwise the client ``client_for`` makes (the environment's,
    or the emulator's without ``INFERENCE_URL``).
    """
    prefix = _PREFIXES.get(args.command)
    own = (
        prefix is not None
        and not args.emulator
        and not os.environ.get("INFERENCE_URL")
        and bool(os.environ.get(f"{prefix}_URL"))
    )
    client = Client.from_env(prefix) if own and prefix else client_for(force_emulator=args.emulator)
    with client:
        return _RUNNERS[args.command](args, client)


_PREFIXES = {"embed": "EMBEDDING", "image": "DIFFUSION", "rerank": "RERANK"}


def _model(args: argparse.Namespace) -> dict[str, Any]:
    return {"model": args.model} if args.model else {}


def _lines() -> list[str]:
    if sys.stdin is None or sys.stdin.isatty():
        return []
    return [line for line in sys.stdin.read().splitlines() if line.strip()]


def _embed(args: argparse.Namespace, client: Client) -> int:
    texts = args.text or _lines()
    if not texts:
        return _usage("no text: give texts as arguments or one per line on stdin")
    params = _model(args)
    if args.input_type:
        params["input_type"] = args.input_type
    response = client.embeddings.create_batched(input=texts, **params)
    if args.json:
        print(response.to_json(), flush=True)
        return 0
    for item in response.data:
        sys.stdout.write(json.dumps(item.embedding) + "\n")
    sys.stdout.flush()
    size = len(response.data[0].embedding) if response.data else 0
    tokens = response.usage.total_tokens if response.usage else "unknown"
    print(
        f"[model {response.model or 'unknown'}; {len(response.data)} vector(s) of {size} "
        f"dimensions; tokens {tokens}]",
        file=sys.stderr,
    )
    return 0


def _image(args: argparse.Namespace, client: Client) -> int:
    output_format = args.format
    if output_format is None and args.output:
        suffix = Path(args.output).suffix.lower()
        output_format = "jpeg" if suffix in (".jpg", ".jpeg") else None
    params: dict[str, Any] = {"prompt": args.prompt, **_model(args)}
    for key in ("aspect_ratio", "size", "negative_prompt", "seed"):
        if getattr(args, key) is not None:
            params[key] = getattr(args, key)
    if output_format is not None:
        params["output_format"] = output_format
    response = client.images.generate(**params)
    if not response.data:
        return _usage("the server sent no image")
    path = args.output or f"image.{output_format or 'png'}"
    saved = response.data[0].save(path)
    print(saved, flush=True)
    print(f"[{saved.stat().st_size} bytes written]", file=sys.stderr)
    return 0


def _rerank(args: argparse.Namespace, client: Client) -> int:
    documents = args.documents or _lines()
    if not documents:
        return _usage("no documents: give them as arguments or one per line on stdin")
    params: dict[str, Any] = {"query": args.query, "documents": documents, **_model(args)}
    if args.top_n is not None:
        params["top_n"] = args.top_n
    ranked = client.rerank.create(**params)
    if args.json:
        print(ranked.to_json(), flush=True)
        return 0
    for result in ranked.results:
        document = documents[result.index] if 0 <= result.index < len(documents) else ""
        sys.stdout.write(f"{result.relevance_score:.4f}\t{result.index}\t{document}\n")
    sys.stdout.flush()
    return 0


def _models(args: argparse.Namespace, client: Client) -> int:
    models = client.models.list()
    chosen = models.of_type(args.type) if args.type else list(models)
    if args.json:
        print(json.dumps([m.to_dict() for m in chosen], indent=2), flush=True)
        return 0
    for model in chosen:
        sys.stdout.write(f"{model.model_id}\t{','.join(model.type)}\t{','.join(model.regions)}\n")
    sys.stdout.flush()
    return 0


def _agent(args: argparse.Namespace, client: Client) -> int:
    tools: list[Any] = []
    for name in args.tool:
        if "/" in name:
            tools.append({"type": "mcp", "name": name})
            continue
        tool: dict[str, Any] = {"type": "heroku_tool", "name": name}
        if args.app:
            tool["runtime_params"] = {"target_app_name": args.app}
        tools.append(tool)
    params: dict[str, Any] = {"messages": [{"role": "user", "content": args.prompt}]}
    params.update(_model(args))
    if tools:
        params["tools"] = tools
    with client.agents.stream(**params) as run:
        if args.json:
            print(run.get_final_result().to_json(), flush=True)
            return 0
        for event in run:
            _show(event)
        result = run.get_final_result()
    usage = result.usage
    print(
        f"[model {result.model or 'unknown'}; tokens {usage.prompt_tokens} in, "
        f"{usage.completion_tokens} out, {usage.total_tokens} total]",
        file=sys.stderr,
    )
    return 0


def _show(event: Any) -> None:
    """The assistant's text to stdout; tool calls, results and errors to stderr."""
    if isinstance(event, AgentCompletion) and event.message is not None:
        if event.message.content:
            sys.stdout.write(event.message.content + "\n")
            sys.stdout.flush()
        for call in event.message.tool_calls or ():
            print(f"[tool call] {call.function.name}({call.function.arguments})", file=sys.stderr)
    elif isinstance(event, ToolCompletion) and event.message is not None:
        print(f"[tool result] {event.message.content}", file=sys.stderr)
    elif isinstance(event, ToolErrorEvent):
        print(f"[tool error] {event.name}: {event.error}", file=sys.stderr)


def _usage(message: str) -> int:
    print(f"heroku-inference: error: {message}", file=sys.stderr)
    return 2


_RUNNERS: dict[str, Callable[[argparse.Namespace, Client], int]] = {
    "embed": _embed,
    "image": _image,
    "rerank": _rerank,
    "models": _models,
    "agent": _agent,
}
