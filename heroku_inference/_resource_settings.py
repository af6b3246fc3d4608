"""Settings of their own for the endpoints of resources attached under another name.

Heroku gives a model resource attached ``--as EMBEDDING`` the config vars ``EMBEDDING_URL``,
``EMBEDDING_KEY`` and ``EMBEDDING_MODEL_ID`` (``DIFFUSION_*`` for images, ``RERANK_*`` for
rerank). A client built from the environment, with neither ``api_key`` nor ``base_url`` given,
sends each family's calls with its variables when ``{PREFIX}_URL`` is set, its
``{PREFIX}_MODEL_ID`` then being the default model there; otherwise with ``INFERENCE_*``.

- ``embeddings`` (``POST /v1/embeddings``): ``EMBEDDING_URL``, ``_KEY``, ``_MODEL_ID``;
- ``images`` (``POST /v1/images/generations``): ``DIFFUSION_URL``, ``_KEY``, ``_MODEL_ID``;
- ``rerank`` (``POST /v1/rerank``): ``RERANK_URL``, ``_KEY``, ``_MODEL_ID``.

On the built-in emulator (``INFERENCE_URL=emulator``) every family stays on the emulator, with
``{PREFIX}_MODEL_ID`` or the emulator's model of that kind as its default model.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from ._config import Settings, is_emulator_url, resolve_settings, variable_names
from ._exceptions import ConfigurationError

__all__ = ["EMULATOR_FAMILY_MODELS", "FAMILY_PREFIXES", "from_env_hint", "resolve_families"]

FAMILY_PREFIXES: Mapping[str, str] = {
    "embeddings": "EMBEDDING",
    "images": "DIFFUSION",
    "rerank": "RERANK",
}
"""Each endpoint family and the prefix of the config vars Heroku sets for its resource."""

EMULATOR_FAMILY_MODELS: Mapping[str, str] = {
    "embeddings": "cohere-embed-multilingual",
    "images": "stable-image-ultra",
    "rerank": "cohere-rerank-3-5",
}
"""The default model of each family on the emulator, which knows them all."""


def resolve_families(
    main: Settings, environ: Mapping[str, str], *, allow_insecure_http: bool = False
) -> dict[str, Settings]:
    """The families whose resource variables are set, with the settings they give.

    Timeout, retries, headers and prompt caching are the client's (``main``). A family whose
    URL is set but whose key is not is a ``ConfigurationError`` naming the key's variable.
    """
    families: dict[str, Settings] = {}
    for family, prefix in FAMILY_PREFIXES.items():
        url_variable, _, model_variable = variable_names(prefix)
        if main.emulated:
            model = environ.get(model_variable) or EMULATOR_FAMILY_MODELS[family]
            used = (model_variable,) if environ.get(model_variable) else ()
            families[family] = dataclasses.replace(
                main, model=model, variables=(*main.variables, *used)
            )
            continue
        url = environ.get(url_variable)
        if not url:
            continue
        if is_emulator_url(url):
            raise ConfigurationError(
                f"{url_variable}=emulator works only with INFERENCE_URL=emulator, which puts "
                "every endpoint on the built-in emulator."
            )
        families[family] = resolve_settings(
            api_key=None,
            base_url=None,
            model=None,
            timeout=main.timeout,
            max_retries=main.max_retries,
            default_headers=main.default_headers,
            environ=environ,
            prefix=prefix,
            prompt_caching=main.prompt_caching,
            allow_insecure_http=allow_insecure_http,
        )
    return families


def from_env_hint(environ: Mapping[str, str], client: str = "Client") -> str:
    """For a missing ``INFERENCE_URL``: how to reach the resources whose variables are set."""
    prefixes = [p for p in FAMILY_PREFIXES.values() if environ.get(variable_names(p)[0])]
    if not prefixes:
        return ""
    calls = " or ".join(f"{client}.from_env({prefix!r})" for prefix in prefixes)
    return f" ({', '.join(f'{p}_URL' for p in prefixes)} is set: for that resource, use {calls}.)"
