"""Plain ``http://`` would send the key in clear text: refused unless the host is this
machine (127.0.0.0/8, ``::1``, ``localhost``) or the caller opts in, whether the URL comes
from ``base_url`` or ``INFERENCE_URL``, and whoever supplies the httpx client (the SDK cannot
tell where a caller's transport sends the key)."""

from __future__ import annotations

import httpx
import pytest

from heroku_inference import AsyncClient, Client, ConfigurationError

from .helpers import API_KEY

REMOTE = [
    "http://us.inference.heroku.com",
    "http://example.com:8080/v1",
    "http://10.0.0.7",
    "http://192.168.1.20:8787",
    "http://128.0.0.1",  # not in 127.0.0.0/8
    "http://localhost.example.com",
    "http://[2001:db8::1]",
    "HTTP://Example.COM",
]
LOOPBACK = [
    "http://localhost:8787",
    "http://LOCALHOST",
    "http://127.0.0.1:8787/v1",
    "http://127.9.8.7",
    "http://[::1]:8787",
]
CLIENTS = [Client, AsyncClient]


@pytest.mark.parametrize("client_class", CLIENTS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("url", REMOTE)
def test_plain_http_to_another_host_is_refused(client_class: type, url: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        client_class(api_key=API_KEY, base_url=url)
    message = str(raised.value)
    assert "base_url" in message
    assert "unencrypted" in message
    assert "allow_insecure_http=True" in message
    assert "HEROKU_INFERENCE_ALLOW_INSECURE_HTTP=1" in message
    assert API_KEY not in message


@pytest.mark.parametrize("client_class", CLIENTS, ids=lambda cls: cls.__name__)
def test_the_refusal_names_inference_url_and_holds_with_a_callers_http_client(
    client_class: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INFERENCE_URL", "http://inference.internal")
    monkeypatch.setenv("INFERENCE_KEY", API_KEY)
    http_class = httpx.AsyncClient if client_class is AsyncClient else httpx.Client
    http = http_class(transport=httpx.MockTransport(lambda request: httpx.Response(200)))
    with pytest.raises(ConfigurationError, match=r"INFERENCE_URL is http://inference\.internal"):
        client_class(http_client=http)


@pytest.mark.parametrize("url", LOOPBACK)
def test_plain_http_to_this_machine_is_allowed(url: str) -> None:
    with Client(api_key=API_KEY, base_url=url) as client:
        assert client.base_url.scheme == "http"


@pytest.mark.parametrize("url", REMOTE[:3])
def test_the_caller_can_opt_in(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with Client(api_key=API_KEY, base_url=url, allow_insecure_http=True) as client:
        assert client.base_url.scheme == "http"
    monkeypatch.setenv("HEROKU_INFERENCE_ALLOW_INSECURE_HTTP", "1")
    with Client(api_key=API_KEY, base_url=url) as client:
        assert client.base_url.scheme == "http"


@pytest.mark.parametrize("value", ["0", "", "no", "false", "maybe"])
def test_only_a_yes_opts_in(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEROKU_INFERENCE_ALLOW_INSECURE_HTTP", value)
    with pytest.raises(ConfigurationError):
        Client(api_key=API_KEY, base_url="http://example.com")


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "yes"])
def test_a_yes_opts_in(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEROKU_INFERENCE_ALLOW_INSECURE_HTTP", value)
    Client(api_key=API_KEY, base_url="http://example.com").close()


def test_https_and_the_emulator_need_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    Client(api_key=API_KEY, base_url="https://example.com").close()
    monkeypatch.setenv("INFERENCE_URL", "emulator")
    Client().close()
