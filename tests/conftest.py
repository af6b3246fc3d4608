from __future__ import annotations

import pytest


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Every ``@pytest.mark.anyio`` test runs on asyncio and on trio."""
    return str(request.param)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's real Heroku settings."""
    for prefix in ("INFERENCE", "EMBEDDING", "DIFFUSION", "RERANK"):
        for suffix in ("URL", "KEY", "MODEL_ID"):
            monkeypatch.delenv(f"{prefix}_{suffix}", raising=False)
    monkeypatch.delenv("HEROKU_INFERENCE_LOG", raising=False)
