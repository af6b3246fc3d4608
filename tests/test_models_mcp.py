"""``models.list()`` (``GET /available-models``) and ``mcp.servers.list()``
(``GET /v1/mcp/servers``): typed, unknown fields kept, every plausible wrapping read."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from heroku_inference import AuthenticationError, MCPServerList, ModelList
from heroku_inference.testing import AVAILABLE_MODELS, Emulator

from .flavors import Flavor, both
from .helpers import API_KEY, fixture_bytes, json_response, replies

MODELS = json.loads(fixture_bytes("available_models.json"))
SERVERS = json.loads(fixture_bytes("mcp_servers.json"))


@both
async def test_models_list_gets_available_models(api: Flavor) -> None:
    handler, seen = replies(json_response(200, MODELS))
    client = api.client(handler)

    models = await api.call(client.models.list)

    [request] = seen
    assert (request.method, request.url.path, request.content) == ("GET", "/available-models", b"")
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert isinstance(models, ModelList)
    assert len(models) == 4
    assert [m.model_id for m in models] == [m["model_id"] for m in MODELS]
    assert models[2].type == ["text-to-image"]
    assert models[2].regions == ["us"]
    assert [m.model_id for m in models.of_type("text-to-embedding")] == [
        "cohere-embed-multilingual"
    ]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"data": MODELS}, id="data"),
        pytest.param({"models": MODELS}, id="models"),
        pytest.param([{**MODELS[0], "type": "text-to-text", "link": "https://x"}], id="one-type"),
    ],
)
@both
async def test_other_plausible_listing_shapes(api: Flavor, body: Any) -> None:
    handler, _ = replies(json_response(200, body))
    client = api.client(handler)
    models = await api.call(client.models.list)
    assert models[0].model_id == "claude-4-5-sonnet"
    assert models[0].type == ["text-to-text"]


def test_unknown_fields_are_kept() -> None:
    listing = ModelList.model_validate([{**MODELS[0], "link": "https://devcenter"}])
    assert listing[0].model_extra == {"link": "https://devcenter"}


@both
async def test_list_takes_request_options_only(api: Flavor) -> None:
    handler, seen = replies(json_response(200, MODELS))
    client = api.client(handler)
    await api.call(client.models.list, extra_headers={"X-Trace": "t"}, timeout=5)
    assert seen[0].headers["x-trace"] == "t"
    with pytest.raises(TypeError, match="list\\(\\) sends no body"):
        await api.call(client.models.list, extra_body={"a": 1})
    with pytest.raises(TypeError, match="unexpected keyword argument 'type'"):
        await api.call(client.models.list, type="text-to-text")


@both
async def test_mcp_servers_list(api: Flavor) -> None:
    handler, seen = replies(json_response(200, SERVERS))
    client = api.client(handler)

    servers = await api.call(client.mcp.servers.list)

    assert (seen[0].method, seen[0].url.path) == ("GET", "/v1/mcp/servers")
    assert isinstance(servers, MCPServerList)
    [server] = servers
    assert (server.namespace, server.server_status, server.primitives_status) == (
        "mcp-python",
        "registered",
        "synced",
    )
    [tool] = server.tools
    assert tool.namespaced_name == "mcp-python/code_exec_python"
    assert tool.input_schema["required"] == ["code"]
    assert tool.annotations == {"readOnlyHint": False}


@both
async def test_listing_errors_are_typed(api: Flavor) -> None:
    handler, _ = replies(httpx.Response(401, content=fixture_bytes("errors/401_flat.json")))
    client = api.client(handler)
    with pytest.raises(AuthenticationError):
        await api.call(client.mcp.servers.list)


@both
async def test_the_emulator_lists_its_catalog_and_its_mcp_servers(api: Flavor) -> None:
    emu = Emulator(models={"my-embedder": "text-to-embedding"})
    client = emu.async_client() if api.is_async else emu.client()
    models = await api.call(client.models.list)
    ids = {m.model_id for m in models}
    assert {model_id for model_id, _ in AVAILABLE_MODELS} <= ids
    assert [m.model_id for m in models.of_type("text-to-embedding")][-1] == "my-embedder"
    servers = await api.call(client.mcp.servers.list)
    assert servers[0].tools[0].namespaced_name == "mcp-python/code_exec_python"
    emu.mcp_servers.clear()
    assert len(await api.call(client.mcp.servers.list)) == 0
    await api.close(client)


def test_the_emulators_mcp_listing_needs_the_key() -> None:
    plan = Emulator(api_key="inf-right").handle("GET", "/v1/mcp/servers", {})
    assert plan.status == 401
