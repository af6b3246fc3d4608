"""Every Python example in README.md and docs/ runs, against the emulator, as
``docs/check_examples.py`` runs it (``nox -s docs``): one subprocess per page."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CHECKER = DOCS / "check_examples.py"
PAGES = ["README", *sorted(page.stem for page in DOCS.glob("*.md"))]
IMPORTS_FASTAPI = re.compile(r"^\s*(from|import) fastapi\b", re.M)


def page_file(page: str) -> Path:
    return ROOT / "README.md" if page == "README" else DOCS / f"{page}.md"


def test_every_page_is_checked() -> None:
    assert "README" in PAGES
    assert {"streaming", "testing", "fastapi"} <= set(PAGES)


@pytest.mark.parametrize("page", PAGES)
def test_the_examples_of_a_page_run(page: str) -> None:
    if IMPORTS_FASTAPI.search(page_file(page).read_text()) and (
        importlib.util.find_spec("fastapi") is None
    ):
        pytest.skip(f"{page}.md's examples import fastapi, which is not installed ('.[test]')")
    done = subprocess.run(
        [sys.executable, str(CHECKER), page],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    assert "docs examples: all ran" in done.stdout
