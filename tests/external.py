"""Tools outside Python that some tests drive (Node.js with the AI SDK, Chromium).

On a machine without them those tests are skipped, saying why; under ``CI=true`` a missing
tool is a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parent / "js"
CHROMIUM = "/usr/bin/chromium"


def require(available: bool, reason: str) -> None:
    """Skip (or, under CI, fail) when ``available`` is false."""
    if available:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: a missing tool is a failure)")
    pytest.skip(reason)


def node() -> str:
    """The ``node`` executable, with the AI SDK installed in tests/js."""
    found = shutil.which("node")
    require(found is not None, "Node.js is not installed")
    assert found is not None
    require(
        (JS / "node_modules" / "ai").is_dir(),
        "the AI SDK is not installed: npm ci --prefix tests/js",
    )
    return found
