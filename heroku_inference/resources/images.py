"""``client.images.generate()``: images from a prompt (``POST /v1/images/generations``).

Calls use the settings of the ``images`` family: ``DIFFUSION_URL`` / ``DIFFUSION_KEY`` /
``DIFFUSION_MODEL_ID`` when the client was built from an environment that has them, the
client's own otherwise. An image that comes as a ``url`` is fetched through the same client
(its pool, timeout and retries); the key goes only to the API's own host.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from typing_extensions import Unpack

from .._call_params import check_keywords
from .._config import Settings
from .._context import AsyncContext, SyncContext
from .._exceptions import ParameterError
from .._raw_response import RawResponse
from .._responses import parse_response
from .._telemetry import CallInfo
from .._transport import Call, Outcome
from ..types.images import (
    ASPECT_RATIOS,
    IMAGE_SIZES,
    MAX_SEED,
    OUTPUT_FORMATS,
    AsyncImagesResponse,
    ImageGenerateParams,
    ImagesResponse,
)
from ._requests import (
    build_call,
    check_choice,
    check_integer,
    check_length,
    choose_model,
    known_keys,
    request_body,
    require,
)

__all__ = [
    "AsyncImages",
    "AsyncImagesWithRawResponse",
    "Images",
    "ImagesWithRawResponse",
    "build_images_call",
]

FAMILY = "images"
PATH = "/v1/images/generations"
MAX_PROMPT_CHARACTERS = 10_000
MODEL_VARIABLE = "DIFFUSION_MODEL_ID"
_KNOWN = known_keys(ImageGenerateParams)


def build_images_call(
    settings: Settings, params: Mapping[str, Any], *, method_name: str = "generate"
) -> Call:
    """Check the keyword arguments against Heroku's documented limits and build the ``Call``:
    prompts of at most 10,000 characters, the listed aspect ratios, sizes and formats, and a
    seed from 0 to 4294967295. Nothing is sent."""
    check_keywords(params, _KNOWN, method_name)
    require(params, ("prompt",), method_name)
    prompt = check_length(params["prompt"], MAX_PROMPT_CHARACTERS, "prompt", method_name)
    if not prompt.strip():
        raise ParameterError(f"{method_name}(): prompt is empty", param="prompt")
    if "negative_prompt" in params:
        check_length(
            params["negative_prompt"], MAX_PROMPT_CHARACTERS, "negative_prompt", method_name
        )
    check_choice(params, "aspect_ratio", ASPECT_RATIOS, method_name)
    check_choice(params, "size", IMAGE_SIZES, method_name)
    check_choice(params, "output_format", OUTPUT_FORMATS, method_name)
    check_integer(params, "seed", 0, MAX_SEED, method_name)
    model = choose_model(settings, params, MODEL_VARIABLE)
    body = request_body(params, model=model, prompt=prompt)
    return build_call(
        settings,
        params,
        method="POST",
        path=PATH,
        body=body,
        method_name=method_name,
        telemetry=CallInfo("generate_content", model, content=prompt),
    )


def _fetch_call(settings: Settings, url: str) -> Call:
    """The ``GET`` of an image's ``url``: retried like any call; the key goes with it only
    when the URL is on the API's own host."""
    return Call(
        method="GET",
        path=url,
        body=None,
        timeout=settings.timeout,
        max_retries=settings.max_retries,
        headers={"Accept": "image/*, */*"},
    )


def _parse(outcome: Outcome, model: type[Any]) -> Any:
    return parse_response(outcome, model, "an images response", marker="data")


class AsyncImages:
    """``POST /v1/images/generations`` on an ``AsyncClient``."""

    __slots__ = ("_context",)

    def __init__(self, context: AsyncContext) -> None:
        self._context = context

    async def generate(self, **params: Unpack[ImageGenerateParams]) -> AsyncImagesResponse:
        """Generate an image; ``await response.data[0].save(path)`` writes it.

        ```python
        response = await client.images.generate(
            prompt="a purple lighthouse at dusk", aspect_ratio="16:9", seed=7,
        )
        await response.data[0].save("lighthouse.png")
        ```
        """
        raw = await self._generate(params)
        return raw.parse()

    @property
    def with_raw_response(self) -> AsyncImagesWithRawResponse:
        """The same methods, returning the HTTP response with ``parse()``."""
        return AsyncImagesWithRawResponse(self)

    async def _generate(self, params: Any) -> RawResponse[AsyncImagesResponse]:
        settings = self._context.settings_for(FAMILY)
        call = build_images_call(settings, params)
        driver = self._context.driver
        outcome = await driver.run(settings, call)

        async def fetch(url: str) -> bytes:
            return (await driver.run(settings, _fetch_call(settings, url))).response.content

        def parse() -> AsyncImagesResponse:
            response: AsyncImagesResponse = _parse(outcome, AsyncImagesResponse)
            return response.attach(fetch)

        return RawResponse(outcome, parse)


class Images:
    """``POST /v1/images/generations`` on a ``Client``."""

    __slots__ = ("_context",)

    def __init__(self, context: SyncContext) -> None:
        self._context = context

    def generate(self, **params: Unpack[ImageGenerateParams]) -> ImagesResponse:
        """Generate an image; ``response.data[0].save(path)`` writes it.

        ```python
        response = client.images.generate(prompt="a purple lighthouse at dusk")
        response.data[0].save("lighthouse.png")
        ```
        """
        return self._generate(params).parse()

    @property
    def with_raw_response(self) -> ImagesWithRawResponse:
        """The same methods, returning the HTTP response with ``parse()``."""
        return ImagesWithRawResponse(self)

    def _generate(self, params: Any) -> RawResponse[ImagesResponse]:
        settings = self._context.settings_for(FAMILY)
        call = build_images_call(settings, params)
        driver = self._context.driver
        outcome = driver.run(settings, call)

        def fetch(url: str) -> bytes:
            return driver.run(settings, _fetch_call(settings, url)).response.content

        def parse() -> ImagesResponse:
            response: ImagesResponse = _parse(outcome, ImagesResponse)
            return response.attach(fetch)

        return RawResponse(outcome, parse)


class AsyncImagesWithRawResponse:
    """``client.images.with_raw_response`` on an ``AsyncClient``."""

    __slots__ = ("_images",)

    def __init__(self, images: AsyncImages) -> None:
        self._images = images

    async def generate(
        self, **params: Unpack[ImageGenerateParams]
    ) -> RawResponse[AsyncImagesResponse]:
        return await self._images._generate(params)


class ImagesWithRawResponse:
    """``client.images.with_raw_response`` on a ``Client``."""

    __slots__ = ("_images",)

    def __init__(self, images: Images) -> None:
        self._images = images

    def generate(self, **params: Unpack[ImageGenerateParams]) -> RawResponse[ImagesResponse]:
        return self._images._generate(params)
