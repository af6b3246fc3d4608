"""A HEROKU_INFERENCE_LOG value that is not a level is reported once, naming the valid ones,
instead of being ignored in silence."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from heroku_inference import Client, _logs
from heroku_inference._logs import setup_logging

VALID = ("debug", "info", "off")


@pytest.fixture(autouse=True)
def _nothing_reported_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_logs, "_reported", set(), raising=False)


def warnings_about_the_variable(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "heroku_inference" and "HEROKU_INFERENCE_LOG" in r.getMessage()
    ]


def test_an_unknown_value_is_reported_once_with_the_valid_values(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("HEROKU_INFERENCE_LOG", "verbose")

    setup_logging()
    setup_logging()  # every client construction calls it: still one report

    [message] = warnings_about_the_variable(caplog)
    assert "'verbose'" in message
    for value in VALID:
        assert value in message
    assert [r.levelno for r in caplog.records] == [logging.WARNING]


@pytest.mark.parametrize("value", ["", "off", "OFF", "debug", " Info "])
def test_valid_values_are_not_reported(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, value: str
) -> None:
    monkeypatch.setenv("HEROKU_INFERENCE_LOG", value)
    handlers, level = list(_logs.logger.handlers), _logs.logger.level
    try:
        setup_logging()
    finally:
        for handler in _logs.logger.handlers:
            if handler not in handlers:
                _logs.logger.removeHandler(handler)
        _logs.logger.setLevel(level)
    assert warnings_about_the_variable(caplog) == []


def test_without_logging_configured_one_line_goes_to_stderr() -> None:
    """Logging's last-resort handler prints it when the application configured nothing."""
    code = (
        "from heroku_inference import Client\n"
        "for _ in range(3):\n"
        "    Client(api_key='k', base_url='https://inference.test', model='m').close()\n"
    )
    env = {**os.environ, "HEROKU_INFERENCE_LOG": "verbose"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    [line] = done.stderr.splitlines()
    assert "HEROKU_INFERENCE_LOG='verbose'" in line
    assert "debug, info or off" in line


def test_building_clients_reports_it_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("HEROKU_INFERENCE_LOG", "verbose")
    for _ in range(3):
        Client(api_key="k", base_url="https://inference.test", model="m").close()
    assert len(warnings_about_the_variable(caplog)) == 1
