"""Bad keyword arguments and values fail before anything is sent, saying what to do."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import pytest

from .flavors import Flavor, both
from .helpers import replies


@pytest.mark.parametrize(
    ("params", "where", "kind"),
    [
        ({"temperature": decimal.Decimal("0.5")}, "temperature", "Decimal"),
        ({"metadata": {"k": datetime.datetime(2026, 1, 1)}}, "metadata.k", "datetime"),
        ({"user": b"raw"}, "user", "bytes"),
        ({"stop": {"a", "b"}}, "stop", "set"),
        ({"extra_body": {"vendor": {"x": [1, object()]}}}, "vendor.x[1]", "object"),
        (
            {"messages": [{"role": "user", "content": decimal.Decimal(1)}]},
            "messages[0].content",
            "Decimal",
        ),
    ],
    ids=["decimal", "datetime-in-dict", "bytes", "set", "object-deep", "in-a-message"],
)
@both
async def test_a_value_json_cannot_carry_is_a_type_error_naming_its_field(
    api: Flavor, params: dict[str, Any], where: str, kind: str
) -> None:
    handler, seen = replies()
    client = api.client(handler)
    with pytest.raises(TypeError) as raised:
        await api.create(client, **params)
    assert f"create(): {where} is a {kind}" in str(raised.value)
    assert seen == []


@both
async def test_a_non_string_key_is_a_type_error(api: Flavor) -> None:
    handler, seen = replies()
    client = api.client(handler)
    with pytest.raises(TypeError, match=r"metadata has a key that is not a string: 1"):
        await api.create(client, metadata={1: "x"})
    assert seen == []


@both
async def test_nan_anywhere_is_a_value_error_naming_its_field(api: Flavor) -> None:
    handler, seen = replies()
    client = api.client(handler)
    with pytest.raises(ValueError, match=r"create\(\): vendor\.x must be a finite number"):
        await api.create(client, extra_body={"vendor": {"x": float("nan")}})
    assert seen == []


@both
async def test_a_misspelt_keyword_suggests_the_known_name_first(api: Flavor) -> None:
    handler, seen = replies()
    client = api.client(handler)
    with pytest.raises(TypeError) as raised:
        await api.create(client, temprature=0.5)
    message = str(raised.value)
    assert "did you mean 'temperature'?" in message
    assert message.index("did you mean") < message.index("extra_body={'temprature': ...}")
    assert seen == []


@both
async def test_stream_with_stream_true_says_it_always_streams(api: Flavor) -> None:
    handler, seen = replies()
    client = api.client(handler)
    with pytest.raises(TypeError) as raised:
        client.chat.completions.stream(messages=[{"role": "user", "content": "hi"}], stream=True)
    assert "stream() always streams" in str(raised.value)
    assert "extra_body" not in str(raised.value)
    assert seen == []
