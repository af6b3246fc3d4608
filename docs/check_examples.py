"""Run every ```python block in docs/*.md and README.md, so the examples cannot drift from
the SDK.

Blocks of a docs page run in order in one namespace, with top-level ``await`` allowed. README.md
(page ``README``) is stricter: a reader copies one block into a script, so each block runs on
its own, as a script, where top-level ``await`` is a SyntaxError. Blocks that read the
environment (``AsyncClient()``) talk to the emulator, served here on a free port of 127.0.0.1,
as ``INFERENCE_*`` and as the ``EMBEDDING_*``, ``DIFFUSION_*`` and ``RERANK_*`` resources.
Blocks holding pytest tests run with pytest, beside the page's FastAPI app block.

    python docs/check_examples.py [PAGE ...]     # e.g. README streaming tools; nox -s docs
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import types
from pathlib import Path

from heroku_inference.testing import Emulator
from heroku_inference.testing._server import build_server, listen, url_of

DOCS = Path(__file__).resolve().parent
README = "README"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)
RESOURCES = {
    "EMBEDDING": "cohere-embed-multilingual",
    "DIFFUSION": "stable-image-ultra",
    "RERANK": "cohere-rerank-3-5",
}
QUIET_ASYNCIO = ("-o", "asyncio_default_fixture_loop_scope=function")
"""pytest-asyncio warns on every run of a project that leaves this unset."""


def page_file(page: str) -> Path:
    """``README`` is the repository's README.md; any other page is docs/<page>.md."""
    return DOCS.parent / "README.md" if page == README else DOCS / f"{page}.md"


def serve_emulator() -> str:
    """The emulator on a free port of 127.0.0.1, in a daemon thread; returns its URL."""
    sock = listen("127.0.0.1", 0)
    server = build_server(Emulator(), log_level="warning")
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the emulator did not start")
        time.sleep(0.01)
    return url_of(sock)


def run_page(page: str) -> int:
    """Run one page's blocks; returns the number of failures."""
    failures = 0
    as_scripts = page == README
    namespace: dict[str, object] = {"__name__": "__main__"}
    loop = asyncio.new_event_loop()
    workdir = Path(tempfile.mkdtemp(prefix=f"docs_{page}_"))
    tests: list[str] = []
    blocks = BLOCK.findall(page_file(page).read_text())
    home = os.getcwd()
    os.chdir(workdir)  # files the examples write (images) land here, not in the repository
    for number, source in enumerate(blocks):
        if "def test_" in source:
            tests.append(source)
            continue
        if "FastAPI(" in source:
            (workdir / "app.py").write_text(source)
        print(f"== {page}.md, block {number}", flush=True)
        try:
            if as_scripts:
                script = compile(source, f"{page}.md#{number}", "exec", dont_inherit=True)
                exec(script, {"__name__": "__main__"})
                continue
            # dont_inherit: a block runs as a reader's script would, without this file's
            # ``from __future__ import annotations`` (pydantic models in a block need that).
            code = compile(
                source,
                f"{page}.md#{number}",
                "exec",
                ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
                dont_inherit=True,
            )
            if code.co_flags & inspect.CO_COROUTINE:
                loop.run_until_complete(types.FunctionType(code, namespace)())
            else:
                exec(code, namespace)
        except BaseException:
            failures += 1
            traceback.print_exc()
    os.chdir(home)
    loop.close()
    for number, source in enumerate(tests):
        (workdir / f"test_docs_{number}.py").write_text(source)
    if tests:
        print(f"== {page}.md, {len(tests)} pytest file(s)", flush=True)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                *QUIET_ASYNCIO,
                str(workdir),
            ],
            cwd=workdir,
            check=False,
            timeout=300,
        )
        failures += done.returncode != 0
    return failures


def main(pages: list[str]) -> int:
    url = serve_emulator()
    settings = {
        "INFERENCE_URL": url,
        "INFERENCE_KEY": "any",
        "INFERENCE_MODEL_ID": "claude-4-5-sonnet",
    }
    # As Heroku sets them for resources attached --as EMBEDDING, DIFFUSION and RERANK.
    for prefix, model in RESOURCES.items():
        settings |= {f"{prefix}_URL": url, f"{prefix}_KEY": "any", f"{prefix}_MODEL_ID": model}
    failures = 0
    for page in pages or [README, *sorted(p.stem for p in DOCS.glob("*.md"))]:
        os.environ.update(settings)  # a page may unset them to show what happens then
        failures += run_page(page)
    print("docs examples:", "all ran" if not failures else f"{failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
