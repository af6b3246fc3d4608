"""``POST /v1/images/generations`` emulated: Heroku's checks, and deterministic images.

The same model, prompt, negative prompt, seed and format always give the same image: a PNG
of the requested size in one colour drawn from a hash of them, or a small (8x8) JPEG marked
with that hash. ``response_format: "url"`` answers with a URL on the emulator itself
(``/emulator/images/...``, fetched without a key, as a signed URL would be) instead of
``b64_json``.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import threading
import zlib
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from ._catalog import Catalog
from ._checks import bad, check_body, check_choice, check_model, is_int
from ._errors import ErrorReply

__all__ = ["IMAGE_FILES_PATH", "ImageStore", "images_answer", "validate_images"]

IMAGE_FILES_PATH = "/emulator/images/"
SUPPORTED_IMAGE_PARAMS = frozenset(
    {
        "model",
        "prompt",
        "aspect_ratio",
        "size",
        "negative_prompt",
        "output_format",
        "seed",
        "response_format",
        "allow_ignored_params",
    }
)
MAX_PROMPT = 10_000
MAX_SEED = 4_294_967_295
SIZES = {
    "1:1": "1024x1024",
    "16:9": "1344x768",
    "21:9": "1536x640",
    "2:3": "832x1216",
    "3:2": "1216x832",
    "4:5": "896x1088",
    "5:4": "1088x896",
    "9:16": "768x1344",
    "9:21": "640x1536",
}
_CHOICES = (
    ("aspect_ratio", tuple(SIZES)),
    ("size", tuple(SIZES.values())),
    ("output_format", ("png", "jpeg")),
    ("response_format", ("b64_json", "base64", "url")),
)
_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQE"
    "RXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2Nj"
    "Y2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAIAAgDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAA"
    "AAAAAAX/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAABAX/xAAUEQEAAAAAAAAAAAAA"
    "AAAAAAAA/9oADAMBAAIRAxEAPwCcAolv/9k="
)
"""An 8x8 baseline JPEG in one colour; each answer adds a comment segment with its hash."""
_STORED = 64


def validate_images(body: Any, catalog: Catalog) -> ErrorReply | None:
    """The error Heroku would answer for this body, or ``None``."""
    problem = check_body(body, SUPPORTED_IMAGE_PARAMS)
    if problem is not None:
        return problem
    for name in ("prompt", "negative_prompt"):
        if name == "prompt" and body.get("prompt") is None:
            return bad("'prompt' field is required")
        if name in body:
            value = body[name]
            if not isinstance(value, str):
                return bad(f"'{name}' must be a string")
            if len(value) > MAX_PROMPT:
                return bad(f"'{name}' must be at most {MAX_PROMPT} characters")
    if not body["prompt"].strip():
        return bad("'prompt' must not be empty")
    for name, choices in _CHOICES:
        problem = check_choice(body, name, choices)
        if problem is not None:
            return problem
    seed = body.get("seed")
    if seed is not None and not (is_int(seed) and 0 <= seed <= MAX_SEED):
        return bad(f"'seed' must be an integer from 0 to {MAX_SEED}")
    return check_model(body, catalog, "text-to-image")


class ImageStore:
    """The last images answered by URL, by name, for ``GET /emulator/images/<name>``."""

    def __init__(self) -> None:
        self._files: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, name: str, content: bytes, content_type: str) -> None:
        with self._lock:
            self._files[name] = (content, content_type)
            self._files.move_to_end(name)
            while len(self._files) > _STORED:
                self._files.popitem(last=False)

    def get(self, name: str) -> tuple[bytes, str] | None:
        with self._lock:
            return self._files.get(name)


def images_answer(
    body: Mapping[str, Any], created: int, origin: str, store: ImageStore
) -> dict[str, Any]:
    """The response to a valid body; ``origin`` (``https://host``) prefixes image URLs."""
    output = str(body.get("output_format", "png"))
    size = str(body.get("size") or SIZES[str(body.get("aspect_ratio", "1:1"))])
    key = "\x00".join(
        str(body.get(name, ""))
        for name in ("model", "prompt", "negative_prompt", "seed", "size", "aspect_ratio")
    )
    digest = hashlib.sha256(f"{key}\x00{output}".encode()).digest()
    if output == "jpeg":
        content, content_type = _jpeg(digest), "image/jpeg"
    else:
        width, height = (int(side) for side in size.split("x"))
        content, content_type = _png(width, height, digest[:3]), "image/png"
    image: dict[str, Any] = {"revised_prompt": body["prompt"]}
    if body.get("response_format") == "url":
        name = f"{digest.hex()[:24]}.{'jpg' if output == 'jpeg' else 'png'}"
        store.put(name, content, content_type)
        image["url"] = f"{origin}{IMAGE_FILES_PATH}{name}"
    else:
        image["b64_json"] = base64.b64encode(content).decode()
    return {"created": created, "data": [image]}


def _png(width: int, height: int, rgb: bytes) -> bytes:
    row = b"\x00" + rgb * width
    pixels = zlib.compress(row * height, 6)

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _jpeg(digest: bytes) -> bytes:
    comment = b"heroku-inference emulator " + digest.hex().encode()
    segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    return _JPEG[:2] + segment + _JPEG[2:]
