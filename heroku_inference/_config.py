"""Settings from arguments and the environment: URL, key, model, timeouts, retries."""

from __future__ import annotations

import ipaddress
import math
import os
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

from ._exceptions import ConfigurationError
from ._version import __version__

__all__ = ["DEFAULT_MAX_RETRIES", "DEFAULT_TIMEOUT"]  # public; the rest is for the package

DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=5.0)
"""5 s to connect; 10 minutes for everything else (long generations are slow to start)."""
DEFAULT_MAX_RETRIES = 2
DEFAULT_CONNECTION_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=100)

DEFAULT_PREFIX = "INFERENCE"
URL_VARIABLE = "INFERENCE_URL"
KEY_VARIABLE = "INFERENCE_KEY"
MODEL_VARIABLE = "INFERENCE_MODEL_ID"
PROMPT_CACHING_HEADER = "X-Heroku-Prompt-Caching"

INSECURE_HTTP_VARIABLE = "HEROKU_INFERENCE_ALLOW_INSECURE_HTTP"
"""Set to ``1`` to allow plain ``http://`` to a host other than this machine."""

EMULATOR_URL = "emulator"
"""The ``INFERENCE_URL`` (or ``base_url``) that opts into the built-in emulator, in-process."""
EMULATOR_BASE_URL = "https://heroku-inference.emulator"
"""Where an emulated client's requests go; nothing resolves it, the in-process transport
answers."""
EMULATOR_KEY = "inf-emulator-key"
EMULATOR_MODEL = "claude-4-5-sonnet"

USER_AGENT = (
    f"heroku-inference-python/{__version__} "
    f"(python {platform.python_version()}; httpx {httpx.__version__})"
)


class _Secret(str):
    """A str that never shows itself in a repr."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'<redacted>'"


@dataclass(frozen=True)
class Settings:
    """Everything a client needs to build requests; resolved once, at construction."""

    base_url: httpx.URL
    api_key: str = field(repr=False)
    model: str | None
    timeout: httpx.Timeout
    max_retries: int
    default_headers: Mapping[str, str] = field(default_factory=dict)
    emulated: bool = False
    """Requests go to the built-in emulator (``INFERENCE_URL=emulator``)."""
    prompt_caching: bool = True
    """``False`` sends ``X-Heroku-Prompt-Caching: false`` with every request."""
    variables: tuple[str, ...] = ()
    """The environment variables these settings came from (for debug logs)."""

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


def normalize_base_url(url: str, variable: str = URL_VARIABLE) -> httpx.URL:
    """``https://host``, ``https://host/``, ``https://host/v1``, ``.../v1/`` (and a whole endpoint
    URL such as ``.../v1/chat/completions``) all mean the same.

    The result has no trailing slash and no ``/v1``; endpoints append ``/v1/...``.
    """
    text = url.strip()
    try:
        parsed = httpx.URL(text)
    except httpx.InvalidURL as exc:
        raise ConfigurationError(f"{variable} is not a valid URL: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigurationError(
            f"{variable} must be an http(s) URL such as https://us.inference.heroku.com, "
            f"got {text!r}"
        )
    path = parsed.path.rstrip("/")
    if path.endswith("/v1"):
        path = path[: -len("/v1")]
    elif "/v1/" in path:  # a whole endpoint URL, e.g. .../v1/chat/completions
        path = path[: path.rindex("/v1/")]
    return parsed.copy_with(path=path or "", query=None, fragment=None)


def resolve_settings(
    *,
    api_key: str | None,
    base_url: str | httpx.URL | None,
    model: str | None,
    timeout: float | httpx.Timeout | None,
    max_retries: int,
    default_headers: Mapping[str, str] | None,
    environ: Mapping[str, str] | None = None,
    prefix: str = DEFAULT_PREFIX,
    prompt_caching: bool = True,
    allow_insecure_http: bool = False,
) -> Settings:
    """Arguments win over the environment (``{prefix}_URL``, ``_KEY``, ``_MODEL_ID``); a
    missing URL or key is a ``ConfigurationError`` naming the variable, and so is plain
    ``http://`` to another machine unless it is allowed."""
    env = os.environ if environ is None else environ
    url_variable, key_variable, model_variable = variable_names(prefix)
    used = tuple(
        name
        for name, given in (
            (url_variable, base_url),
            (key_variable, api_key),
            (model_variable, model),
        )
        if given is None and env.get(name)
    )
    url = base_url if base_url is not None else env.get(url_variable)
    if not url:
        raise ConfigurationError(
            _missing(url_variable, "base_url")
            + f" To develop without Heroku, set {url_variable}={EMULATOR_URL} "
            "to use the built-in emulator."
        )
    key = api_key if api_key is not None else env.get(key_variable)
    model = model if model is not None else (env.get(model_variable) or None)
    if not isinstance(prompt_caching, bool):
        raise ConfigurationError(f"prompt_caching must be True or False, got {prompt_caching!r}")
    if is_emulator_url(url):
        return Settings(
            base_url=httpx.URL(EMULATOR_BASE_URL),
            api_key=_Secret(key.strip() if key and key.strip() else EMULATOR_KEY),
            model=model or EMULATOR_MODEL,
            timeout=as_timeout(timeout),
            max_retries=checked_max_retries(max_retries),
            default_headers=checked_headers(default_headers, "default_headers"),
            emulated=True,
            prompt_caching=prompt_caching,
            variables=used,
        )
    if not key or not key.strip():
        raise ConfigurationError(_missing(key_variable, "api_key"))
    key = key.strip()
    if not key.isprintable() or not key.isascii():
        # Say what is wrong without echoing the key.
        raise ConfigurationError(
            f"{key_variable} contains characters that cannot go in an HTTP header "
            "(a stray newline or quote from copying?)."
        )
    base = normalize_base_url(str(url), url_variable)
    allowed = allow_insecure_http or _yes(env.get(INSECURE_HTTP_VARIABLE))
    if not allowed:
        check_encrypted(base, "base_url" if base_url is not None else url_variable)
    return Settings(
        base_url=base,
        api_key=_Secret(key),
        model=model,
        timeout=as_timeout(timeout),
        max_retries=checked_max_retries(max_retries),
        default_headers=checked_headers(default_headers, "default_headers"),
        prompt_caching=prompt_caching,
        variables=used,
    )


def check_encrypted(url: httpx.URL, source: str) -> None:
    """Refuse plain ``http://`` to any host but this machine: the key would cross the network
    in clear text. The caller's own ``http_client`` changes nothing: its transport may send
    the request anywhere."""
    if url.scheme == "https" or is_loopback(url.host):
        return
    raise ConfigurationError(
        f"{source} is {url}: plain http:// would send your key and prompts unencrypted to "
        f"{url.host}. Use https://. For a server you trust on a private network (a proxy, "
        "the emulator in another container), pass allow_insecure_http=True or set "
        f"{INSECURE_HTTP_VARIABLE}=1. Plain http:// to this machine (localhost, 127.0.0.1, "
        "::1) needs neither."
    )


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine: ``localhost``, 127.0.0.0/8 or ``::1``."""
    host = host.lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _yes(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes")


def variable_names(prefix: str) -> tuple[str, str, str]:
    """``{prefix}_URL``, ``{prefix}_KEY`` and ``{prefix}_MODEL_ID``."""
    return f"{prefix}_URL", f"{prefix}_KEY", f"{prefix}_MODEL_ID"


def is_emulator_url(url: str | httpx.URL) -> bool:
    """Whether ``url`` opts into the built-in emulator: ``emulator`` (or ``emulator://``)."""
    return str(url).strip().lower().rstrip("/:") == EMULATOR_URL


def checked_max_retries(max_retries: int) -> int:
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ConfigurationError(f"max_retries must be an integer >= 0, got {max_retries!r}")
    return max_retries


def checked_headers(headers: Mapping[str, str] | None, argument: str) -> dict[str, str]:
    """Header names and values as HTTP can carry them, or a ``ConfigurationError`` saying
    which one cannot go on the wire (before any request is sent)."""
    checked: dict[str, str] = {}
    for name, value in (headers or {}).items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise ConfigurationError(f"{argument} names and values must be strings: {name!r}")
        if not (name.isascii() and value.isascii() and value.isprintable() and name.strip()):
            raise ConfigurationError(
                f"{argument}[{name!r}] cannot be sent: header names and values must be "
                "printable ASCII (no newlines or non-ASCII characters)"
            )
        checked[name] = value
    return checked


def as_timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    """A float (seconds for every phase), an ``httpx.Timeout``, or ``None`` (no timeout).

    Seconds are positive and finite; an ``httpx.Timeout`` is checked phase by phase.
    """
    if isinstance(timeout, httpx.Timeout):
        for phase in ("connect", "read", "write", "pool"):
            _check_seconds(getattr(timeout, phase), f"timeout.{phase}")
        return timeout
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int | float)):
        raise ConfigurationError(
            f"timeout must be seconds (a number), an httpx.Timeout or None, got {timeout!r}"
        )
    _check_seconds(timeout, "timeout")
    return httpx.Timeout(timeout)


def _check_seconds(value: float | None, name: str) -> None:
    if value is not None and not (isinstance(value, int | float) and 0 < value < math.inf):
        raise ConfigurationError(
            f"{name} must be a positive number of seconds (or None for no limit), got {value!r}"
        )


def _missing(variable: str, argument: str) -> str:
    return (
        f"{variable} is not set. Pass {argument}=... or set it from your Heroku app: "
        f"export {variable}=$(heroku config:get -a $APP_NAME {variable})"
    )
