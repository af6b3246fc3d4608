"""``images.generate()``: the request, the documented limits checked before sending, and each
image's ``content()`` / ``save()`` from base64, a data URL, or a URL fetched through the same
client (with the key only on the API's own host)."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from heroku_inference import (
    AsyncImage,
    AsyncImagesResponse,
    BadRequestError,
    Image,
    ImagesResponse,
    NotFoundError,
    ParameterError,
    PermissionDeniedError,
)
from heroku_inference.testing import Emulator

from .flavors import Flavor, both
from .helpers import API_KEY, fixture_bytes, json_response, replies

IMAGES = json.loads(fixture_bytes("images.json"))
PNG = base64.b64decode(IMAGES["data"][0]["b64_json"])
IMAGE_MODEL = "stable-image-ultra"


def ok(body: Any = IMAGES) -> httpx.Response:
    return json_response(200, body, {"x-request-id": "req_img"})


def image_client(api: Flavor, handler: Any, **options: Any) -> Any:
    options.setdefault("model", IMAGE_MODEL)
    return api.client(handler, **options)


@both
async def test_generate_sends_what_was_set_and_decodes_the_image(
    api: Flavor, tmp_path: Path
) -> None:
    handler, seen = replies(ok())
    client = image_client(api, handler)

    response = await api.call(
        client.images.generate,
        prompt="a purple lighthouse at dusk",
        aspect_ratio="16:9",
        negative_prompt="fog",
        output_format="png",
        seed=4294967295,
    )

    [request] = seen
    assert (request.method, request.url.path) == ("POST", "/v1/images/generations")
    assert json.loads(request.content) == {
        "model": IMAGE_MODEL,
        "prompt": "a purple lighthouse at dusk",
        "aspect_ratio": "16:9",
        "negative_prompt": "fog",
        "output_format": "png",
        "seed": 4294967295,
    }
    expected_type = AsyncImagesResponse if api.is_async else ImagesResponse
    assert isinstance(response, expected_type)
    image = response.data[0]
    assert isinstance(image, AsyncImage if api.is_async else Image)
    assert image.revised_prompt == "a purple lighthouse at dusk"
    assert await api.call(image.content) == PNG
    saved = await api.call(image.save, tmp_path / "out.png")
    assert saved == tmp_path / "out.png"
    assert saved.read_bytes() == PNG
    assert response._request_id == "req_img"


@pytest.mark.parametrize(
    ("params", "param", "message"),
    [
        ({"prompt": "x" * 10_001}, "prompt", "prompt is 10001 characters"),
        ({"prompt": "ok", "negative_prompt": "x" * 10_001}, "negative_prompt", "at most 10000"),
        ({"prompt": "  "}, "prompt", "prompt is empty"),
        ({"prompt": "ok", "aspect_ratio": "4:3"}, "aspect_ratio", "'16:9'"),
        ({"prompt": "ok", "size": "512x512"}, "size", "'1024x1024'"),
        ({"prompt": "ok", "output_format": "webp"}, "output_format", "'jpeg'"),
        ({"prompt": "ok", "seed": -1}, "seed", "from 0 to 4294967295"),
        ({"prompt": "ok", "seed": 4294967296}, "seed", "from 0 to 4294967295"),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 20 else None,
)
@both
async def test_documented_limits_are_checked_before_sending(
    api: Flavor, params: dict[str, Any], param: str, message: str
) -> None:
    handler, seen = replies()
    client = image_client(api, handler)
    with pytest.raises(ParameterError, match=re.escape(message)) as caught:
        await api.call(client.images.generate, **params)
    assert caught.value.param == param
    assert seen == []


@both
async def test_the_largest_prompt_and_every_documented_value_go_out(api: Flavor) -> None:
    handler, seen = replies(ok(), ok())
    client = image_client(api, handler)
    await api.call(client.images.generate, prompt="x" * 10_000, seed=0, size="640x1536")
    await api.call(client.images.generate, prompt="ok", aspect_ratio="9:21", output_format="jpeg")
    assert len(seen) == 2


@both
async def test_wrong_types_are_type_errors_before_sending(api: Flavor) -> None:
    handler, seen = replies()
    client = image_client(api, handler)
    with pytest.raises(TypeError, match="seed must be an integer"):
        await api.call(client.images.generate, prompt="ok", seed=1.5)
    with pytest.raises(TypeError, match="prompt must be a string"):
        await api.call(client.images.generate, prompt=None)
    with pytest.raises(TypeError, match="did you mean 'aspect_ratio'"):
        await api.call(client.images.generate, prompt="ok", aspect_ration="1:1")
    assert seen == []


@both
async def test_error_bodies_become_typed_errors(api: Flavor) -> None:
    handler, _ = replies(
        httpx.Response(403, content=fixture_bytes("errors/403_waf.html")),
        httpx.Response(400, content=fixture_bytes("errors/400_object.json")),
    )
    client = image_client(api, handler, max_retries=0)
    with pytest.raises(PermissionDeniedError, match="HTML error page"):
        await api.call(client.images.generate, prompt="ok")
    with pytest.raises(BadRequestError):
        await api.call(client.images.generate, prompt="ok")


@pytest.mark.parametrize(
    "item",
    [
        pytest.param({"base64": IMAGES["data"][0]["b64_json"]}, id="base64-field"),
        pytest.param(
            {"url": "data:image/png;base64," + IMAGES["data"][0]["b64_json"]}, id="data-url"
        ),
    ],
)
@both
async def test_other_plausible_image_shapes(api: Flavor, item: dict[str, Any]) -> None:
    handler, seen = replies(ok({"created": 1, "data": [item]}))
    client = image_client(api, handler)
    response = await api.call(client.images.generate, prompt="ok")
    assert await api.call(response.data[0].content) == PNG
    assert len(seen) == 1


@both
async def test_a_url_on_another_host_is_fetched_without_the_key(api: Flavor) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "images.example":
            return httpx.Response(200, content=PNG, headers={"content-type": "image/png"})
        return ok({"created": 1, "data": [{"url": "https://images.example/a.png?sig=s3cret"}]})

    client = image_client(api, handler, default_headers={"X-Team": "t"})
    response = await api.call(client.images.generate, prompt="ok", response_format="url")
    image = response.data[0]
    assert await api.call(image.content) == PNG
    assert await api.call(image.content) == PNG  # fetched once
    api_request, fetch = seen
    assert api_request.headers["authorization"] == f"Bearer {API_KEY}"
    assert fetch.url == "https://images.example/a.png?sig=s3cret"
    assert "authorization" not in fetch.headers
    assert "x-team" not in fetch.headers
    assert fetch.headers["accept"].startswith("image/")


@both
async def test_a_url_fetch_is_retried_and_its_errors_are_typed(api: Flavor) -> None:
    handler, seen = replies(
        ok({"created": 1, "data": [{"url": "https://images.example/a.png"}]}),
        httpx.Response(503, text="busy", headers={"retry-after-ms": "0"}),
        httpx.Response(200, content=PNG),
        ok({"created": 1, "data": [{"url": "https://images.example/gone.png"}]}),
        httpx.Response(404, text="NoSuchKey"),
    )
    client = image_client(api, handler, max_retries=1)
    response = await api.call(client.images.generate, prompt="ok")
    assert await api.call(response.data[0].content) == PNG
    assert len(seen) == 3
    response = await api.call(client.images.generate, prompt="ok")
    with pytest.raises(NotFoundError, match="NoSuchKey"):
        await api.call(response.data[0].content)


def test_an_image_built_by_hand_has_no_client_to_fetch_with() -> None:
    image = Image(url="https://images.example/a.png")
    with pytest.raises(ValueError, match="no client to fetch it"):
        image.content()
    with pytest.raises(ValueError, match="neither b64_json nor url"):
        Image().content()
    assert Image(b64_json=IMAGES["data"][0]["b64_json"]).content() == PNG


@both
async def test_the_emulator_draws_the_same_image_for_the_same_request(
    api: Flavor, tmp_path: Path
) -> None:
    emu = Emulator()
    client = emu.async_client() if api.is_async else emu.client()
    params = {"prompt": "a purple lighthouse", "model": IMAGE_MODEL, "seed": 7}
    first = await api.call(client.images.generate, **params)
    again = await api.call(client.images.generate, **params)
    other = await api.call(client.images.generate, **{**params, "seed": 8})
    png = await api.call(first.data[0].content)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert png[16:24] == (1024).to_bytes(4, "big") * 2  # IHDR: width, height
    assert png == await api.call(again.data[0].content)
    assert png != await api.call(other.data[0].content)
    wide = await api.call(client.images.generate, **params, aspect_ratio="16:9")
    wide_png = await api.call(wide.data[0].content)
    assert wide_png[16:24] == (1344).to_bytes(4, "big") + (768).to_bytes(4, "big")
    jpeg = await api.call(client.images.generate, **params, output_format="jpeg")
    assert (await api.call(jpeg.data[0].content)).startswith(b"\xff\xd8\xff")
    by_url = await api.call(client.images.generate, **params, response_format="url")
    assert by_url.data[0].b64_json is None
    assert by_url.data[0].url.startswith("https://heroku-inference.emulator/emulator/images/")
    saved = await api.call(by_url.data[0].save, tmp_path / "by-url.png")
    assert saved.read_bytes() == png
    await api.close(client)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"prompt": "x" * 10_001}, "'prompt' must be at most 10000 characters"),
        ({"prompt": "ok", "aspect_ratio": "4:3"}, "'aspect_ratio' must be one of"),
        ({"prompt": "ok", "seed": -1}, "'seed' must be an integer from 0 to 4294967295"),
        ({"prompt": "ok", "model": "cohere-embed-v4"}, "does not support image generation"),
        ({"model": IMAGE_MODEL}, "'prompt' field is required"),
    ],
)
def test_the_emulator_checks_what_heroku_checks(body: dict[str, Any], message: str) -> None:
    payload = {"model": IMAGE_MODEL, **body}
    plan = Emulator().handle(
        "POST",
        "/v1/images/generations",
        {"authorization": "Bearer k"},
        json.dumps(payload).encode(),
    )
    assert plan.status == 400
    assert message in json.loads(plan.body)["error"]["message"]


def test_an_image_the_emulator_never_made_is_404() -> None:
    plan = Emulator().handle("GET", "/emulator/images/nothing.png", {})
    assert plan.status == 404
