"""Production options on every endpoint, both clients: ``with_raw_response``, the typed
``x-ratelimit-*`` headers, and ``prompt_caching=False`` (``X-Heroku-Prompt-Caching: false``)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from heroku_inference import (
    AgentResult,
    ChatCompletion,
    ConfigurationError,
    CreateEmbeddingResponse,
    MCPServerList,
    ModelList,
    RateLimitError,
    RateLimits,
    RawResponse,
    RerankResponse,
)
from heroku_inference._rate_limits import parse_duration

from .flavors import MESSAGES, Flavor, both
from .helpers import fixture_bytes, json_response
from .test_streaming import read_all

LIMITS = {
    "x-ratelimit-limit-requests": "150",
    "x-ratelimit-limit-tokens": "800000",
    "x-ratelimit-remaining-requests": "149",
    "x-ratelimit-remaining-tokens": "799000",
    "x-ratelimit-reset-requests": "51s",
    "x-ratelimit-reset-tokens": "1m30s",
}
EXPECTED_LIMITS = RateLimits(
    limit_requests=150,
    limit_tokens=800_000,
    remaining_requests=149,
    remaining_tokens=799_000,
    reset_requests=51.0,
    reset_tokens=90.0,
)
BODIES: dict[str, tuple[str, bytes]] = {
    "/v1/chat/completions": ("application/json", fixture_bytes("chat_completion.json")),
    "/v1/embeddings": ("application/json", fixture_bytes("embeddings.json")),
    "/v1/images/generations": ("application/json", fixture_bytes("images.json")),
    "/v1/rerank": ("application/json", fixture_bytes("rerank.json")),
    "/v1/agents/heroku": ("text/event-stream", fixture_bytes("agents_mcp.heroku.sse")),
    "/available-models": ("application/json", fixture_bytes("available_models.json")),
    "/v1/mcp/servers": ("application/json", fixture_bytes("mcp_servers.json")),
}
SSE = fixture_bytes("chat_text.heroku.sse")


class Server:
    """Answers every endpoint with its fixture and rate-limit headers; records requests."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        content_type, body = BODIES[request.url.path]
        if request.url.path == "/v1/chat/completions" and json.loads(request.content).get("stream"):
            content_type, body = "text/event-stream", SSE
        headers = {"content-type": content_type, "x-request-id": "req_raw", **LIMITS}
        return httpx.Response(200, headers=headers, content=body)


Call = Callable[[Any], Any]
ENDPOINTS: list[tuple[str, Call, Call, type[Any]]] = [
    (
        "chat",
        lambda c: c.chat.completions.create(messages=MESSAGES),
        lambda c: c.chat.completions.with_raw_response.create(messages=MESSAGES),
        ChatCompletion,
    ),
    (
        "embeddings",
        lambda c: c.embeddings.create(input=["a"]),
        lambda c: c.embeddings.with_raw_response.create(input=["a"]),
        CreateEmbeddingResponse,
    ),
    (
        "images",
        lambda c: c.images.generate(prompt="a lighthouse"),
        lambda c: c.images.with_raw_response.generate(prompt="a lighthouse"),
        object,
    ),
    (
        "rerank",
        lambda c: c.rerank.create(query="q", documents=["d"]),
        lambda c: c.rerank.with_raw_response.create(query="q", documents=["d"]),
        RerankResponse,
    ),
    (
        "agents",
        lambda c: c.agents.create(messages=MESSAGES),
        lambda c: c.agents.with_raw_response.create(messages=MESSAGES),
        AgentResult,
    ),
    ("models", lambda c: c.models.list(), lambda c: c.models.with_raw_response.list(), ModelList),
    (
        "mcp",
        lambda c: c.mcp.servers.list(),
        lambda c: c.mcp.servers.with_raw_response.list(),
        MCPServerList,
    ),
]
EVERY_ENDPOINT = pytest.mark.parametrize(
    ("name", "plain", "raw", "kind"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS]
)


async def run(api: Flavor, call: Callable[[Any], Any], client: Any) -> Any:
    result = call(client)
    if api.is_async:
        assert isinstance(result, Awaitable)
        return await result
    return result


@EVERY_ENDPOINT
@both
async def test_with_raw_response_gives_status_headers_and_the_parsed_result(
    api: Flavor, name: str, plain: Call, raw: Call, kind: type[Any]
) -> None:
    server = Server()
    client = api.client(server)

    response = await run(api, raw, client)

    assert isinstance(response, RawResponse)
    assert response.status_code == 200
    assert response.headers["x-ratelimit-remaining-requests"] == "149"
    assert isinstance(response.http_response, httpx.Response)
    assert response.request_id == "req_raw"
    assert response.retries_taken == 0
    assert response.rate_limits == EXPECTED_LIMITS
    assert response.url.path == server.requests[-1].url.path
    parsed = response.parse()
    assert isinstance(parsed, kind)
    assert response.parse() is parsed
    assert type(parsed) is type(await run(api, plain, client))


@EVERY_ENDPOINT
@both
async def test_every_response_carries_its_rate_limits(
    api: Flavor, name: str, plain: Call, raw: Call, kind: type[Any]
) -> None:
    client = api.client(Server())
    result = await run(api, plain, client)
    assert result._rate_limits == EXPECTED_LIMITS
    assert result._rate_limits.headers["x-ratelimit-reset-tokens"] == "1m30s"


@both
async def test_streams_carry_their_rate_limits(api: Flavor) -> None:
    client = api.client(Server())
    stream = await api.call(client.chat.completions.create, messages=MESSAGES, stream=True)
    assert stream.rate_limits == EXPECTED_LIMITS
    await read_all(api, stream)
    raw = await api.call(
        client.chat.completions.with_raw_response.create, messages=MESSAGES, stream=True
    )
    assert raw.rate_limits == EXPECTED_LIMITS
    chunks = await read_all(api, raw.parse())
    assert chunks[0].choices[0].delta.role == "assistant"


@both
async def test_a_rate_limit_error_says_when_to_come_back(api: Flavor) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        headers = {**LIMITS, "x-ratelimit-remaining-requests": "0"}
        return httpx.Response(
            429, headers=headers, content=fixture_bytes("errors/429_rate_limit.json")
        )

    client = api.client(handler, max_retries=0)
    with pytest.raises(RateLimitError) as caught:
        await api.call(client.embeddings.create, input=["a"], model="m")
    limits = caught.value.rate_limits
    assert limits is not None
    assert (limits.remaining_requests, limits.reset_requests) == (0, 51.0)


@both
async def test_no_rate_limit_headers_mean_none(api: Flavor) -> None:
    client = api.client(lambda request: json_response(200, json.loads(BODIES["/v1/rerank"][1])))
    ranked = await api.call(client.rerank.create, query="q", documents=["d"])
    assert ranked._rate_limits is None


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("51s", 51.0),
        ("1m30s", 90.0),
        ("250ms", 0.25),
        ("6m0s", 360.0),
        ("1h2m3.5s", 3723.5),
        ("0.5s", 0.5),
        ("12", 12.0),
        ("1.5", 1.5),
        (" 2s ", 2.0),
        ("3us", 3e-6),
        ("", None),
        ("soon", None),
        ("1x", None),
        ("s", None),
        ("5s5", None),
        ("-5s", None),
        (None, None),
    ],
)
def test_durations(text: str | None, seconds: float | None) -> None:
    parsed = parse_duration(text)
    assert parsed == (pytest.approx(seconds) if seconds is not None else None)


def test_unreadable_rate_limit_values_are_none_and_kept() -> None:
    limits = RateLimits.from_headers(
        {
            "X-RateLimit-Limit-Requests": "lots",
            "x-ratelimit-reset-requests": "later",
            "x-ratelimit-new": "1",
        }
    )
    assert limits is not None
    assert (limits.limit_requests, limits.reset_requests) == (None, None)
    assert limits.headers == {
        "x-ratelimit-limit-requests": "lots",
        "x-ratelimit-reset-requests": "later",
        "x-ratelimit-new": "1",
    }
    assert RateLimits.from_headers({"content-type": "text/plain"}) is None


# -- prompt caching ---------------------------------------------------------------------------

HEADER = "x-heroku-prompt-caching"


@EVERY_ENDPOINT
@both
async def test_prompt_caching_false_on_the_client_goes_with_every_request(
    api: Flavor, name: str, plain: Call, raw: Call, kind: type[Any]
) -> None:
    server = Server()
    default = api.client(server)
    await run(api, plain, default)
    assert HEADER not in server.requests[-1].headers
    client = api.client(server, prompt_caching=False)
    await run(api, plain, client)
    assert server.requests[-1].headers[HEADER] == "false"


@both
async def test_prompt_caching_per_call_and_with_options(api: Flavor) -> None:
    server = Server()
    client = api.client(server)

    await api.call(client.chat.completions.create, messages=MESSAGES, prompt_caching=False)
    assert server.requests[-1].headers[HEADER] == "false"
    assert "prompt_caching" not in json.loads(server.requests[-1].content)
    await api.call(client.embeddings.create, input=["a"], prompt_caching=False)
    assert server.requests[-1].headers[HEADER] == "false"
    await api.call(client.agents.create, messages=MESSAGES, prompt_caching=False)
    assert server.requests[-1].headers[HEADER] == "false"

    off = client.with_options(prompt_caching=False)
    await api.call(off.chat.completions.create, messages=MESSAGES)
    assert server.requests[-1].headers[HEADER] == "false"
    # A call may turn it back on: caching is Heroku's default, so nothing is sent.
    await api.call(off.chat.completions.create, messages=MESSAGES, prompt_caching=True)
    assert HEADER not in server.requests[-1].headers
    await api.call(off.with_options(prompt_caching=True).rerank.create, query="q", documents=["d"])
    assert HEADER not in server.requests[-1].headers


@both
async def test_prompt_caching_takes_booleans_only(api: Flavor) -> None:
    server = Server()
    with pytest.raises(ConfigurationError, match="prompt_caching must be True or False"):
        api.client(server, prompt_caching="no")
    client = api.client(server)
    with pytest.raises(ConfigurationError, match="prompt_caching must be True or False"):
        client.with_options(prompt_caching=0)
    with pytest.raises(TypeError, match="prompt_caching must be True or False"):
        await api.call(client.chat.completions.create, messages=MESSAGES, prompt_caching="false")
    assert server.requests == []
