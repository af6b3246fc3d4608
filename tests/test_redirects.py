"""Redirects: never followed to another origin, where they would carry the prompt (httpx
drops the key on the way, not the body); a same-origin 307/308 is followed with the same
method, body and key. Against two real HTTP/1.1 servers on 127.0.0.1, on two ports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from heroku_inference import APIStatusError

from .flavors import MESSAGES, Flavor, both
from .helpers import API_KEY, MODEL, TLS, fixture_bytes
from .loopback import LoopbackServer, Reply, loopback_server
from .test_streaming import SSE_HEADERS, create_stream, entered, read_all

COMPLETION = Reply(
    200, {"content-type": "application/json"}, [fixture_bytes("chat_completion.json")]
)
STREAM = Reply(200, SSE_HEADERS, [fixture_bytes("chat_text.heroku.sse")])


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[LoopbackServer, LoopbackServer]]:
    with loopback_server() as first, loopback_server() as second:
        yield first, second


def fresh(server: LoopbackServer) -> LoopbackServer:
    server.script, server.default, server.requests = [], None, []
    return server


@pytest.fixture
def here(servers: tuple[LoopbackServer, LoopbackServer]) -> LoopbackServer:
    return fresh(servers[0])


@pytest.fixture
def elsewhere(servers: tuple[LoopbackServer, LoopbackServer]) -> LoopbackServer:
    return fresh(servers[1])


def redirect(status: int, location: str) -> Reply:
    return Reply(status, {"location": location, "content-length": "0"}, [])


def client_of(api: Flavor, server: LoopbackServer, **options: Any) -> Any:
    # Even when the caller's own client would follow redirects.
    http = api.http_class(follow_redirects=True, verify=TLS)
    return api.client(base_url=server.url, http_client=http, max_retries=0, **options)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("stream", [False, True], ids=["create", "stream"])
@both
async def test_a_redirect_to_another_origin_is_an_error_and_sends_nothing_there(
    api: Flavor, here: LoopbackServer, elsewhere: LoopbackServer, status: int, stream: bool
) -> None:
    target = f"{elsewhere.url}/v1/chat/completions"
    here.script = [redirect(status, target)]
    elsewhere.default = STREAM if stream else COMPLETION
    client = client_of(api, here)

    start = create_stream(api, client) if stream else api.create(client)
    with pytest.raises(APIStatusError) as raised:
        await start

    assert elsewhere.requests == []
    error = raised.value
    assert type(error) is APIStatusError
    assert error.status_code == status
    assert f"redirected to {target}" in str(error)
    assert "not followed" in str(error)
    assert len(here.requests) == 1
    await api.close_http(client._http)


@pytest.mark.parametrize("status", [307, 308])
@both
async def test_a_same_origin_307_or_308_is_followed_with_the_same_body_and_key(
    api: Flavor, here: LoopbackServer, status: int
) -> None:
    here.script = [redirect(status, "/moved/v1/chat/completions"), COMPLETION]
    client = client_of(api, here)

    completion = await api.create(client, max_tokens=5)

    assert completion.choices[0].message.content
    first, second = here.requests
    assert (first.path, second.path) == ("/v1/chat/completions", "/moved/v1/chat/completions")
    assert second.method == "POST"
    assert second.body == first.body
    assert json.loads(second.body) == {"model": MODEL, "messages": MESSAGES, "max_tokens": 5}
    assert second.headers["authorization"] == f"Bearer {API_KEY}"
    assert completion._retries_taken == 0
    await api.close_http(client._http)


@both
async def test_a_same_origin_redirect_is_followed_for_streams_too(
    api: Flavor, here: LoopbackServer
) -> None:
    here.script = [redirect(308, f"{here.url}/moved/v1/chat/completions"), STREAM]
    client = client_of(api, here)

    stream = await create_stream(api, client)
    async with entered(api, stream):
        chunks = await read_all(api, stream)

    assert chunks
    assert [r.path for r in here.requests] == ["/v1/chat/completions", "/moved/v1/chat/completions"]
    await api.close_http(client._http)


@pytest.mark.parametrize("status", [301, 302, 303])
@both
async def test_a_same_origin_redirect_that_would_turn_post_into_get_is_an_error(
    api: Flavor, here: LoopbackServer, status: int
) -> None:
    here.script = [redirect(status, "/elsewhere")]
    client = client_of(api, here)

    with pytest.raises(APIStatusError, match="not followed"):
        await api.create(client)

    assert len(here.requests) == 1
    await api.close_http(client._http)


@both
async def test_a_redirect_loop_ends(api: Flavor, here: LoopbackServer) -> None:
    here.default = redirect(307, "/v1/chat/completions")
    client = client_of(api, here)

    with pytest.raises(APIStatusError, match="not followed"):
        await api.create(client)

    assert len(here.requests) == 4  # the request and three redirects
    await api.close_http(client._http)
