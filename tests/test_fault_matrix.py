"""The fault matrix over real loopback (``tests/fault_matrix.py``): for each fault, this SDK
gives the typed error or a successful retry, after the expected number of attempts, with no
connection left open: on the sync client and the async one under asyncio and trio.

The same rows run the official openai SDK against the same servers, and the table in
``docs/reliability.md`` must be what this run produced. After a deliberate change, rewrite it
with ``UPDATE_FAULT_MATRIX=1 python -m pytest tests/test_fault_matrix.py`` (or
``nox -s fault_matrix``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("uvicorn")

from .fault_matrix import (
    ROWS,
    Result,
    Row,
    Servers,
    dumps,
    fault_servers,
    replace_table,
    run_openai,
    run_ours,
    table,
)
from .flavors import Flavor, both

DOC = Path(__file__).resolve().parents[1] / "docs" / "reliability.md"


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    with fault_servers() as running:
        yield running


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.fault)
@both
async def test_each_fault_gives_a_typed_error_or_a_retry_and_leaves_nothing_open(
    api: Flavor, servers: Servers, row: Row, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = await run_ours(row, servers, is_async=api.is_async, monkeypatch=monkeypatch)

    assert (result.outcome, result.attempts) == (row.ours, row.attempts), result
    assert result.clean, "a connection was left in use or half-open"
    if row.ours == "OK":
        assert result.complete
    seen = servers.attempts_seen(row)
    if seen is not None:
        assert seen == row.attempts
    if row.told is not None:
        assert result.waits == (row.told,) * (row.attempts - 1)


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.anyio
async def test_the_documented_table_is_what_both_sdks_do(
    servers: Servers, monkeypatch: pytest.MonkeyPatch
) -> None:
    openai = pytest.importorskip("openai")
    results: list[tuple[Row, Result, Result]] = []
    for row in ROWS:
        ours = await run_ours(row, servers, is_async=True, monkeypatch=monkeypatch)
        theirs = await run_openai(row, servers)
        results.append((row, ours, theirs))

    rendered = table(results, f"{openai.__version__.split('.')[0]}.x")
    document = DOC.read_text()
    updated = replace_table(document, rendered)
    if os.environ.get("UPDATE_FAULT_MATRIX") == "1":
        DOC.write_text(updated)
    assert updated == document, (
        "docs/reliability.md's fault matrix is not what this run produced; if the change is "
        "deliberate, rerun with UPDATE_FAULT_MATRIX=1.\n" + rendered + "\n" + dumps(results)
    )
