"""``chat`` with no model known tells the user the command's way to give one."""

from __future__ import annotations

import pytest

from heroku_inference import _cli


def test_no_model_names_the_model_option(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INFERENCE_URL", "https://us.inference.heroku.com")
    monkeypatch.setenv("INFERENCE_KEY", "inf-real")

    status = _cli.main(["chat", "hi"])

    out, err = capsys.readouterr()
    assert status == _cli.EXIT_USAGE
    assert out == ""
    [line] = err.strip().splitlines()
    assert "--model" in line
    assert "INFERENCE_MODEL_ID" in line
    assert "model=" not in line  # the library's advice, for Python callers
