"""The dimmed reasoning on a terminal, and NO_COLOR (https://no-color.org) turning it off."""

from __future__ import annotations

import io

import pytest

from heroku_inference import _cli
from heroku_inference.testing import Emulator


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def render_reasoning(monkeypatch: pytest.MonkeyPatch) -> str:
    """stderr, a terminal, after a reply with reasoning."""
    emu = Emulator()
    emu.reply(text="Because.", reasoning="The user asks why.")
    monkeypatch.setattr(_cli, "_client", lambda *, force_emulator: emu.client())
    err = Terminal()
    monkeypatch.setattr("sys.stderr", err)
    monkeypatch.setattr("sys.stdout", Terminal())
    assert _cli.main(["chat", "why?", "--reasoning"]) == 0
    return err.getvalue()


def test_reasoning_is_dimmed_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert "\x1b[2m[thinking] The user asks why." in render_reasoning(monkeypatch)


@pytest.mark.parametrize("value", ["1", "true", "0"])
def test_no_color_leaves_out_every_escape(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("NO_COLOR", value)  # any non-empty value, "0" included
    err = render_reasoning(monkeypatch)
    assert "[thinking] The user asks why." in err
    assert "\x1b" not in err


def test_an_empty_no_color_is_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "")
    assert "\x1b[2m" in render_reasoning(monkeypatch)
