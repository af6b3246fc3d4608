"""Run every ```python block in docs/*.md, so the examples cannot drift from the SDK.

Blocks of one page run in order in one namespace, with top-level ``await`` allowed. Blocks that
read the environment (``AsyncClient()``) talk to the emulator, served here on a free port of
127.0.0.1. Blocks holding pytest tests run with pytest, beside the page's FastAPI app block.

    python docs/check_examples.py [PAGE ...]     # e.g. streaming tools; nox -s docs
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import types
from pathlib import Path

from heroku_inference.testing import Emulator
from heroku_inference.testing._server import build_server

DOCS = Path(__file__).resolve().parent
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def serve_emulator() -> str:
    """The emulator on a free port of 127.0.0.1, in a daemon thread; returns its URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = build_server(Emulator(), port=port, log_level="warning")
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the emulator did not start")
        time.sleep(0.01)
    return f"http://127.0.0.1:{port}"


def run_page(page: str) -> int:
    """Run one page's blocks; returns the number of failures."""
    failures = 0
    namespace: dict[str, object] = {"__name__": "__main__"}
    loop = asyncio.new_event_loop()
    workdir = Path(tempfile.mkdtemp(prefix=f"docs_{page}_"))
    tests: list[str] = []
    for number, source in enumerate(BLOCK.findall((DOCS / f"{page}.md").read_text())):
        if "def test_" in source:
            tests.append(source)
            continue
        if "FastAPI(" in source:
            (workdir / "app.py").write_text(source)
        print(f"== {page}.md, block {number}", flush=True)
        try:
            code = compile(source, f"{page}.md#{number}", "exec", ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
            if code.co_flags & inspect.CO_COROUTINE:
                loop.run_until_complete(types.FunctionType(code, namespace)())
            else:
                exec(code, namespace)
        except BaseException:
            failures += 1
            traceback.print_exc()
    loop.close()
    for number, source in enumerate(tests):
        (workdir / f"test_docs_{number}.py").write_text(source)
    if tests:
        print(f"== {page}.md, {len(tests)} pytest file(s)", flush=True)
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(workdir)],
            cwd=workdir,
            check=False,
            timeout=300,
        )
        failures += done.returncode != 0
    return failures


def main(pages: list[str]) -> int:
    settings = {
        "INFERENCE_URL": serve_emulator(),
        "INFERENCE_KEY": "any",
        "INFERENCE_MODEL_ID": "claude-4-5-sonnet",
    }
    failures = 0
    for page in pages or sorted(p.stem for p in DOCS.glob("*.md")):
        os.environ.update(settings)  # a page may unset them to show what happens then
        failures += run_page(page)
    print("docs examples:", "all ran" if not failures else f"{failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
