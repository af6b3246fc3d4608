"""``POST /v1/images/generations``: what a caller sends and the typed response.

Each generated image arrives as base64 (``b64_json``; some servers say ``base64``) or as a
``url``. ``Image.content()`` gives its bytes either way (fetching the URL through the client
that made the request) and ``save(path)`` writes them; on an ``AsyncClient`` both are awaited
(``AsyncImage``).
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, Literal, TypeAlias, get_args

import anyio
import pydantic
from typing_extensions import Required

from .._models import BaseModel, ResponseModel
from .chat_params import RequestOptions

__all__ = [
    "ASPECT_RATIOS",
    "IMAGE_SIZES",
    "MAX_SEED",
    "OUTPUT_FORMATS",
    "AspectRatio",
    "AsyncImage",
    "AsyncImagesResponse",
    "Image",
    "ImageGenerateParams",
    "ImageSize",
    "ImagesResponse",
    "OutputFormat",
]

AspectRatio: TypeAlias = Literal["16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21"]
ImageSize: TypeAlias = Literal[
    "1024x1024",
    "1344x768",
    "1536x640",
    "832x1216",
    "1216x832",
    "896x1088",
    "1088x896",
    "768x1344",
    "640x1536",
]
OutputFormat: TypeAlias = Literal["png", "jpeg"]
ASPECT_RATIOS: tuple[str, ...] = get_args(AspectRatio)
IMAGE_SIZES: tuple[str, ...] = get_args(ImageSize)
OUTPUT_FORMATS: tuple[str, ...] = get_args(OutputFormat)
MAX_SEED = 4_294_967_295
"""Seeds run from 0 (a random seed) to 2**32 - 1."""


class ImageGenerateParams(RequestOptions, total=False):
    """The keyword arguments of ``images.generate()``."""

    prompt: Required[str]
    """What to draw, at most 10,000 characters."""
    model: str | None
    """The model ID; ``None`` or absent: ``DIFFUSION_MODEL_ID`` (or the client's model)."""
    aspect_ratio: AspectRatio
    size: ImageSize
    negative_prompt: str
    """What to keep out of the image, at most 10,000 characters."""
    output_format: OutputFormat
    seed: int
    """0 (random) to 4294967295; the same seed and prompt give the same image."""
    response_format: str
    """Not documented by Heroku: ``"b64_json"`` or ``"url"``, as other servers take it."""


Fetch: TypeAlias = Callable[[str], bytes]
AsyncFetch: TypeAlias = Callable[[str], Awaitable[bytes]]


class _ImageData(BaseModel):
    """The fields every generated image has, as the server sends them."""

    b64_json: str | None = None
    url: str | None = None
    revised_prompt: str | None = None

    @pydantic.model_validator(mode="before")
    @classmethod
    def _base64_alias(cls, value: Any) -> Any:
        # Heroku's CLI types call the field ``base64``.
        if isinstance(value, Mapping) and not value.get("b64_json") and value.get("base64"):
            return {**value, "b64_json": value["base64"]}
        return value

    def _inline(self) -> bytes | None:
        """The bytes carried in the response itself (base64, or a ``data:`` URL), if any."""
        if self.b64_json:
            return _b64(self.b64_json)
        url = self.url or ""
        if url.startswith("data:"):
            header, _, payload = url.partition(",")
            if ";base64" not in header:
                raise ValueError("a data: URL image that is not base64")
            return _b64(payload)
        return None

    def _unavailable(self) -> ValueError:
        if self.url:
            return ValueError(
                "this image has only a url, and no client to fetch it with (it was not "
                "returned by a client's images.generate())"
            )
        return ValueError("this image has neither b64_json nor url")


class Image(_ImageData):
    """A generated image: ``content()`` gives its bytes, ``save(path)`` writes them."""

    _fetch: Fetch | None = pydantic.PrivateAttr(default=None)
    _bytes: bytes | None = pydantic.PrivateAttr(default=None)

    def content(self) -> bytes:
        """The image's bytes: decoded from ``b64_json``, or fetched from ``url`` once."""
        if self._bytes is None:
            inline = self._inline()
            if inline is None:
                if not self.url or self._fetch is None:
                    raise self._unavailable()
                inline = self._fetch(self.url)
            self._bytes = inline
        return self._bytes

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the image to ``path``; returns it as a ``Path``."""
        target = Path(path)
        target.write_bytes(self.content())
        return target


class AsyncImage(_ImageData):
    """A generated image: ``await content()`` gives its bytes, ``await save(path)`` writes
    them (in a worker thread, so the event loop goes on)."""

    _fetch: AsyncFetch | None = pydantic.PrivateAttr(default=None)
    _bytes: bytes | None = pydantic.PrivateAttr(default=None)

    async def content(self) -> bytes:
        """The image's bytes: decoded from ``b64_json``, or fetched from ``url`` once."""
        if self._bytes is None:
            inline = self._inline()
            if inline is None:
                if not self.url or self._fetch is None:
                    raise self._unavailable()
                inline = await self._fetch(self.url)
            self._bytes = inline
        return self._bytes

    async def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the image to ``path``; returns it as a ``Path``."""
        content = await self.content()
        target = Path(path)
        await anyio.Path(target).write_bytes(content)
        return target


class ImagesResponse(ResponseModel):
    """The images of ``Client.images.generate()``.

    ```python
    response = client.images.generate(prompt="a purple lighthouse", aspect_ratio="16:9")
    response.data[0].save("lighthouse.png")
    ```
    """

    created: int = 0
    data: list[Image] = pydantic.Field(default_factory=list)

    def attach(self, fetch: Fetch) -> ImagesResponse:
        """Let images that come as a URL fetch it with ``fetch``; returns self."""
        for image in self.data:
            image._fetch = fetch
        return self


class AsyncImagesResponse(ResponseModel):
    """The images of ``AsyncClient.images.generate()``.

    ```python
    response = await client.images.generate(prompt="a purple lighthouse")
    await response.data[0].save("lighthouse.png")
    ```
    """

    created: int = 0
    data: list[AsyncImage] = pydantic.Field(default_factory=list)

    def attach(self, fetch: AsyncFetch) -> AsyncImagesResponse:
        """Let images that come as a URL fetch it with ``fetch``; returns self."""
        for image in self.data:
            image._fetch = fetch
        return self


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"the image is not valid base64: {exc}") from None
