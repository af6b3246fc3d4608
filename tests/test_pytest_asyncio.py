"""The bundled fixtures in a user's suite run by pytest-asyncio, in strict and in auto mode."""

from __future__ import annotations

import pytest

pytest.importorskip("pytest_asyncio")

pytest_plugins = ["pytester"]

PLUGIN = "heroku_inference.testing.pytest_plugin"
INNER = (
    *("-p", "no:heroku_inference", "-p", PLUGIN),  # by name, whether or not it is installed
    *("-p", "no:anyio", "-p", "no:cacheprovider"),  # pytest-asyncio alone runs the tests
    *("-o", "asyncio_default_fixture_loop_scope=function"),
    *("-W", "error"),  # an unclosed client or a never-awaited coroutine fails the run
)

STRICT_MODE_TESTS = """
import pytest
import pytest_asyncio

MESSAGES = [{"role": "user", "content": "Hi"}]


@pytest_asyncio.fixture
async def client(heroku_async_client):
    async with heroku_async_client as client:
        yield client


@pytest.mark.asyncio
async def test_create(heroku_async_client, heroku_emulator):
    heroku_emulator.reply(text="Hello from pytest-asyncio")
    completion = await heroku_async_client.chat.completions.create(messages=MESSAGES)
    assert completion.choices[0].message.content == "Hello from pytest-asyncio"


@pytest.mark.asyncio
async def test_stream_in_a_user_fixture(client, heroku_emulator):
    heroku_emulator.reply(text="one two three")
    async with client.chat.completions.stream(messages=MESSAGES) as stream:
        assert [text async for text in stream.text_stream] == ["one ", "two ", "three"]
    assert heroku_emulator.requests[-1].body["stream"] is True


@pytest.mark.asyncio
@pytest.mark.heroku_emulator(models=["my-model"])
async def test_marker(heroku_async_client):
    completion = await heroku_async_client.chat.completions.create(
        model="my-model", messages=MESSAGES
    )
    assert completion.model == "my-model"
"""

AUTO_MODE_TESTS = """
import pytest

from heroku_inference import RateLimitError

MESSAGES = [{"role": "user", "content": "Hi"}]


@pytest.fixture
async def client(heroku_async_client):
    async with heroku_async_client.with_options(max_retries=0) as client:
        yield client


async def test_create(heroku_async_client, heroku_emulator):
    heroku_emulator.reply(text="no marker needed")
    completion = await heroku_async_client.chat.completions.create(messages=MESSAGES)
    assert completion.choices[0].message.content == "no marker needed"


async def test_error(client, heroku_emulator):
    heroku_emulator.error(429)
    with pytest.raises(RateLimitError):
        await client.chat.completions.create(messages=MESSAGES)


async def test_stream(heroku_async_client, heroku_emulator):
    heroku_emulator.reply(text="streamed")
    async with heroku_async_client.chat.completions.stream(messages=MESSAGES) as stream:
        final = await stream.get_final_completion()
    assert final.choices[0].message.content == "streamed"
"""


def test_strict_mode(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=STRICT_MODE_TESTS)
    result = pytester.runpytest(*INNER, "-o", "asyncio_mode=strict")
    result.assert_outcomes(passed=3)


def test_auto_mode(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=AUTO_MODE_TESTS)
    result = pytester.runpytest(*INNER, "-o", "asyncio_mode=auto")
    result.assert_outcomes(passed=3)
