"""Sessions: ``nox -s tests``, ``lint``, ``typecheck``, ``docs`` (run the examples), ``bench``;
the long reliability runs: ``fault_matrix`` (rewrite docs/reliability.md's table), ``hygiene``,
``memory`` and ``fuzz``."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.6")
    session.run("ruff", "check", "heroku_inference", "tests", "benchmarks", "docs", "noxfile.py")
    session.run(
        "ruff", "format", "--check", "heroku_inference", "tests", "benchmarks", "docs", "README.md"
    )


@nox.session
def typecheck(session: nox.Session) -> None:
    session.install("-e", ".[lint,emulator,otel,fastapi]")
    session.run("mypy", "heroku_inference")


@nox.session
def docs(session: nox.Session) -> None:
    """Run every example in README.md and docs/ against the emulator."""
    session.install("-e", ".[test]")
    session.run("python", "docs/check_examples.py", *session.posargs)


@nox.session
def site(session: nox.Session) -> None:
    """Build the docs site with mkdocs, failing on any warning."""
    session.install("-e", ".[docs,fastapi,emulator]")
    session.run("mkdocs", "build", "--strict", "-d", "site", env={"NO_MKDOCS_2_WARNING": "1"})


@nox.session
def bench(session: nox.Session) -> None:
    """Compare streaming against the openai SDK on the same bytes (installed only here)."""
    session.install("-e", ".", "openai>=3,<4", "httpx2")  # openai 3.x is built on httpx2
    session.run("python", "benchmarks/bench_streaming.py", *session.posargs)


@nox.session
def fault_matrix(session: nox.Session) -> None:
    """Run the fault matrix on both SDKs and rewrite the table in docs/reliability.md."""
    session.install("-e", ".[test]")
    session.env["UPDATE_FAULT_MATRIX"] = "1"
    session.run("python", "-m", "pytest", "-q", "tests/test_fault_matrix.py", *session.posargs)


@nox.session
def hygiene(session: nox.Session) -> None:
    """1,000 streams per scenario on a pool of two, and the leak check; prints the figures."""
    session.install("-e", ".[test]")
    session.env["HEROKU_INFERENCE_HYGIENE"] = "1000"
    session.run("python", "-m", "pytest", "-q", "-s", "tests/test_hygiene.py", *session.posargs)


@nox.session
def memory(session: nox.Session) -> None:
    """RSS and tracemalloc over 5,000 streamed completions, async then sync client."""
    session.install("-e", ".[emulator]")
    session.run("python", "benchmarks/bench_memory.py", "--client", "async", *session.posargs)
    session.run("python", "benchmarks/bench_memory.py", "--client", "sync", *session.posargs)


@nox.session
def fuzz(session: nox.Session) -> None:
    """The property tests of SSE decoding and the accumulator, 3,000 examples each."""
    session.install("-e", ".[test]")
    session.env["HYPOTHESIS_PROFILE"] = "long"
    session.run("python", "-m", "pytest", "-q", "tests/test_fuzz.py", *session.posargs)
