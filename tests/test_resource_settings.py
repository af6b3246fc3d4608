"""Resource credentials: ``from_env(prefix)``, and a client from the environment sending
embeddings, images and rerank with ``EMBEDDING_*``, ``DIFFUSION_*`` and ``RERANK_*`` when they
are set, ``INFERENCE_*`` otherwise; explicit ``api_key``/``base_url`` turn that off."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest

from heroku_inference import AsyncClient, Client, ConfigurationError, InternalServerError

from .flavors import SYNC, Flavor, both
from .helpers import fixture_bytes, json_response

EMBEDDINGS = json.loads(fixture_bytes("embeddings.json"))
IMAGES = json.loads(fixture_bytes("images.json"))
RERANK = json.loads(fixture_bytes("rerank.json"))
COMPLETION = json.loads(fixture_bytes("chat_completion.json"))
AGENTS_SSE = fixture_bytes("agents_mcp.heroku.sse")
HI = [{"role": "user", "content": "Hi"}]

ENVIRONMENT = {
    "INFERENCE_URL": "https://chat.test",
    "INFERENCE_KEY": "inf-chat",
    "INFERENCE_MODEL_ID": "claude-4-5-sonnet",
    "EMBEDDING_URL": "https://embed.test/v1",
    "EMBEDDING_KEY": "inf-embed",
    "EMBEDDING_MODEL_ID": "cohere-embed-multilingual",
    "DIFFUSION_URL": "https://draw.test",
    "DIFFUSION_KEY": "inf-draw",
    "DIFFUSION_MODEL_ID": "stable-image-ultra",
    "RERANK_URL": "https://rank.test",
    "RERANK_KEY": "inf-rank",
    "RERANK_MODEL_ID": "cohere-rerank-3-5",
}


class Recorder:
    """A handler answering each endpoint with its fixture, recording the requests."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == "/v1/agents/heroku":
            return httpx.Response(
                200, headers={"content-type": "text/event-stream"}, content=AGENTS_SSE
            )
        body = {
            "/v1/embeddings": EMBEDDINGS,
            "/v1/images/generations": IMAGES,
            "/v1/rerank": RERANK,
            "/available-models": [],
        }.get(path, COMPLETION)
        return json_response(200, body)

    def last(self) -> tuple[str, str, Any]:
        """Host, key and model of the last request."""
        request = self.requests[-1]
        model = json.loads(request.content).get("model") if request.content else None
        return request.url.host, request.headers["authorization"].removeprefix("Bearer "), model


def env(monkeypatch: pytest.MonkeyPatch, **variables: str) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)


def client_on(api: Flavor, recorder: Recorder, **options: Any) -> Any:
    return api.client_class(transport=httpx.MockTransport(recorder), **options)


async def every_endpoint(api: Flavor, client: Any, recorder: Recorder) -> dict[str, Any]:
    seen = {}
    await api.call(client.chat.completions.create, messages=HI)
    seen["chat"] = recorder.last()
    await api.call(client.embeddings.create, input=["a"])
    seen["embeddings"] = recorder.last()
    await api.call(client.images.generate, prompt="a lighthouse")
    seen["images"] = recorder.last()
    await api.call(client.rerank.create, query="q", documents=["d"])
    seen["rerank"] = recorder.last()
    await api.call(client.agents.create, messages=HI)
    seen["agents"] = recorder.last()
    return seen


@both
async def test_each_family_uses_its_own_resource_variables(
    api: Flavor, monkeypatch: pytest.MonkeyPatch
) -> None:
    env(monkeypatch, **ENVIRONMENT)
    recorder = Recorder()
    client = client_on(api, recorder)
    assert await every_endpoint(api, client, recorder) == {
        "chat": ("chat.test", "inf-chat", "claude-4-5-sonnet"),
        "embeddings": ("embed.test", "inf-embed", "cohere-embed-multilingual"),
        "images": ("draw.test", "inf-draw", "stable-image-ultra"),
        "rerank": ("rank.test", "inf-rank", "cohere-rerank-3-5"),
        "agents": ("chat.test", "inf-chat", "claude-4-5-sonnet"),
    }
    assert recorder.requests[1].url.path == "/v1/embeddings"  # EMBEDDING_URL's /v1 normalized


@both
async def test_without_resource_variables_every_family_falls_back_to_inference(
    api: Flavor, monkeypatch: pytest.MonkeyPatch
) -> None:
    env(monkeypatch, INFERENCE_URL="https://chat.test", INFERENCE_KEY="inf-chat")
    env(monkeypatch, INFERENCE_MODEL_ID="cohere-embed-v4")
    recorder = Recorder()
    client = client_on(api, recorder)
    seen = await every_endpoint(api, client, recorder)
    assert set(seen.values()) == {("chat.test", "inf-chat", "cohere-embed-v4")}


@both
async def test_a_resource_without_a_model_id_needs_a_model_per_call(
    api: Flavor, monkeypatch: pytest.MonkeyPatch
) -> None:
    env(monkeypatch, **ENVIRONMENT)
    monkeypatch.delenv("EMBEDDING_MODEL_ID")
    recorder = Recorder()
    client = client_on(api, recorder)
    with pytest.raises(ConfigurationError, match="EMBEDDING_MODEL_ID"):
        await api.call(client.embeddings.create, input=["a"])
    await api.call(client.embeddings.create, input=["a"], model="cohere-embed-v4")
    assert recorder.last() == ("embed.test", "inf-embed", "cohere-embed-v4")


@pytest.mark.parametrize(
    "explicit",
    [
        pytest.param({"api_key": "inf-mine"}, id="api_key"),
        pytest.param({"base_url": "https://mine.test"}, id="base_url"),
    ],
)
@both
async def test_explicit_arguments_turn_resource_variables_off(
    api: Flavor, monkeypatch: pytest.MonkeyPatch, explicit: dict[str, str]
) -> None:
    env(monkeypatch, **ENVIRONMENT)
    recorder = Recorder()
    client = client_on(api, recorder, **explicit)
    seen = await every_endpoint(api, client, recorder)
    host = "mine.test" if "base_url" in explicit else "chat.test"
    key = explicit.get("api_key", "inf-chat")
    assert set(seen.values()) == {(host, key, "claude-4-5-sonnet")}


@both
async def test_an_explicit_model_leaves_the_resources_their_own(
    api: Flavor, monkeypatch: pytest.MonkeyPatch
) -> None:
    env(monkeypatch, **ENVIRONMENT)
    recorder = Recorder()
    client = client_on(api, recorder, model="claude-opus-4-5")
    seen = await every_endpoint(api, client, recorder)
    assert seen["chat"][2] == "claude-opus-4-5"
    assert seen["embeddings"] == ("embed.test", "inf-embed", "cohere-embed-multilingual")


def test_a_resource_url_without_its_key_names_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    env(monkeypatch, INFERENCE_URL="https://chat.test", INFERENCE_KEY="inf-chat")
    env(monkeypatch, DIFFUSION_URL="https://draw.test")
    with pytest.raises(ConfigurationError, match="DIFFUSION_KEY is not set") as caught:
        Client()
    assert "heroku config:get -a $APP_NAME DIFFUSION_KEY" in str(caught.value)


def test_a_bad_resource_url_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    env(monkeypatch, INFERENCE_URL="https://chat.test", INFERENCE_KEY="inf-chat")
    env(monkeypatch, RERANK_URL="ftp://rank.test", RERANK_KEY="inf-rank")
    with pytest.raises(ConfigurationError, match="RERANK_URL must be an http"):
        AsyncClient()


@both
async def test_from_env_builds_a_client_from_any_prefix(
    api: Flavor, monkeypatch: pytest.MonkeyPatch
) -> None:
    env(monkeypatch, **ENVIRONMENT)
    recorder = Recorder()
    embedder = api.client_class.from_env("EMBEDDING", transport=httpx.MockTransport(recorder))
    assert isinstance(embedder, api.client_class)
    assert embedder.model == "cohere-embed-multilingual"
    assert str(embedder.base_url) == "https://embed.test"
    await api.call(embedder.embeddings.create, input=["a"])
    assert recorder.last() == ("embed.test", "inf-embed", "cohere-embed-multilingual")
    # Every endpoint of that client goes to that resource.
    await api.call(embedder.rerank.create, query="q", documents=["d"], model="m")
    assert recorder.last()[:2] == ("embed.test", "inf-embed")
    lower = api.client_class.from_env("diffusion", transport=httpx.MockTransport(recorder))
    assert lower.model == "stable-image-ultra"
    mine = api.client_class.from_env(
        "EMBEDDING", model="cohere-embed-v4", transport=httpx.MockTransport(recorder)
    )
    assert mine.model == "cohere-embed-v4"
    await api.close(embedder)
    await api.close(lower)
    await api.close(mine)


@pytest.mark.parametrize("missing", ["EMBEDDING_URL", "EMBEDDING_KEY"])
def test_from_env_names_the_missing_variable(monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    env(monkeypatch, **ENVIRONMENT)
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigurationError, match=f"{missing} is not set") as caught:
        AsyncClient.from_env("EMBEDDING")
    assert f"heroku config:get -a $APP_NAME {missing}" in str(caught.value)


@pytest.mark.parametrize("prefix", ["", "EMBEDDING URL", "1X", None])
def test_from_env_refuses_a_prefix_that_names_no_variables(prefix: Any) -> None:
    with pytest.raises(ConfigurationError, match="prefix must be"):
        Client.from_env(prefix)


def test_from_env_with_the_default_prefix_is_the_plain_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env(monkeypatch, **ENVIRONMENT)
    client = Client.from_env()
    assert str(client.base_url) == "https://chat.test"
    client.close()


@both
async def test_with_options_reaches_every_family(
    api: Flavor, monkeypatch: pytest.MonkeyPatch
) -> None:
    env(monkeypatch, **ENVIRONMENT)
    recorder = Recorder()
    client = client_on(api, recorder).with_options(
        default_headers={"X-Team": "search"}, prompt_caching=False, model="claude-opus-4-5"
    )
    await api.call(client.embeddings.create, input=["a"])
    request = recorder.requests[-1]
    assert request.headers["x-team"] == "search"
    assert request.headers["x-heroku-prompt-caching"] == "false"
    assert recorder.last() == ("embed.test", "inf-embed", "cohere-embed-multilingual")
    await api.call(client.chat.completions.create, messages=HI)
    assert recorder.last() == ("chat.test", "inf-chat", "claude-opus-4-5")


def test_the_emulator_serves_every_family_with_a_model_of_its_kind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env(monkeypatch, INFERENCE_URL="emulator", EMBEDDING_MODEL_ID="cohere-embed-v4")
    env(monkeypatch, EMBEDDING_URL="https://ignored.test", EMBEDDING_KEY="inf-x")
    with Client() as client:
        assert client.embeddings.create(input="a").model == "cohere-embed-v4"
        assert client.images.generate(prompt="a lighthouse").data[0].b64_json
        assert client.rerank.create(query="q", documents=["q"]).results[0].index == 0


def test_a_resource_on_the_emulator_alone_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    env(monkeypatch, INFERENCE_URL="https://chat.test", INFERENCE_KEY="inf-chat")
    env(monkeypatch, EMBEDDING_URL="emulator", EMBEDDING_KEY="x")
    with pytest.raises(ConfigurationError, match="EMBEDDING_URL=emulator works only with"):
        Client()


def test_each_call_logs_the_variables_it_used_at_debug_level(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    env(monkeypatch, **ENVIRONMENT)
    recorder = Recorder()
    client = client_on(SYNC, recorder)
    with caplog.at_level(logging.DEBUG, logger="heroku_inference"):
        client.embeddings.create(input=["a"])
        client.images.generate(prompt="a lighthouse", model="stable-image-ultra")
    lines = [
        r.getMessage()
        for r in caplog.records
        if r.getMessage().startswith(("embeddings", "images"))
    ]
    assert lines == [
        "embeddings: its own settings (EMBEDDING_URL, EMBEDDING_KEY, EMBEDDING_MODEL_ID)",
        "images: its own settings (DIFFUSION_URL, DIFFUSION_KEY, DIFFUSION_MODEL_ID)",
    ]
    assert not any("inf-embed" in r.getMessage() for r in caplog.records)
    fallback = Client(
        api_key="inf-x", base_url="https://chat.test", transport=httpx.MockTransport(recorder)
    )
    with caplog.at_level(logging.DEBUG, logger="heroku_inference"):
        caplog.clear()
        fallback.rerank.create(query="q", documents=["d"], model="m")
    assert "rerank: the client's settings (INFERENCE_MODEL_ID)" in caplog.messages


@both
async def test_emulator_clients_default_each_family_to_a_model_of_its_kind(api: Flavor) -> None:
    from heroku_inference.testing import Emulator

    emu = Emulator()
    client = emu.async_client() if api.is_async else emu.client()
    assert client.model == "claude-4-5-sonnet"
    assert (await api.call(client.embeddings.create, input="a")).model == (
        "cohere-embed-multilingual"
    )
    await api.call(client.images.generate, prompt="a lighthouse")
    await api.call(client.rerank.create, query="q", documents=["q"])
    assert [r.body["model"] for r in emu.requests] == [
        "cohere-embed-multilingual",
        "stable-image-ultra",
        "cohere-rerank-3-5",
    ]
    await api.close(client)


@both
async def test_with_options_timeout_and_retries_reach_the_families(
    api: Flavor, monkeypatch: pytest.MonkeyPatch
) -> None:
    env(monkeypatch, **ENVIRONMENT)
    calls: list[httpx.Request] = []

    def failing(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return json_response(503, {"error": {"message": "busy"}})

    client = api.client_class(transport=httpx.MockTransport(failing)).with_options(
        max_retries=0, timeout=3.5
    )
    with pytest.raises(InternalServerError, match="busy"):
        await api.call(client.embeddings.create, input=["a"])
    assert len(calls) == 1  # not retried
    assert calls[0].url.host == "embed.test"
    assert calls[0].extensions["timeout"]["read"] == 3.5


def test_without_inference_url_the_error_points_at_the_resources_that_are_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env(monkeypatch, EMBEDDING_URL="https://embed.test", EMBEDDING_KEY="inf-embed")
    with pytest.raises(ConfigurationError, match="INFERENCE_URL is not set") as caught:
        Client()
    assert "EMBEDDING_URL is set: for that resource, use Client.from_env('EMBEDDING')" in str(
        caught.value
    )
    monkeypatch.delenv("EMBEDDING_URL")
    env(monkeypatch, RERANK_URL="https://rank.test")
    with pytest.raises(ConfigurationError, match=r"use AsyncClient.from_env\('RERANK'\)"):
        AsyncClient()
    monkeypatch.delenv("RERANK_URL")
    with pytest.raises(ConfigurationError) as plain:
        Client()
    assert "from_env" not in str(plain.value)
