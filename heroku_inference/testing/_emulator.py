"""``Emulator``: a local Heroku Inference service to script, and clients wired to it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, get_args

import httpx

from .._config import EMULATOR_BASE_URL, EMULATOR_KEY, EMULATOR_MODEL, EMULATOR_URL
from ._agents import check_steps
from ._catalog import CHAT, Catalog, ModelKind
from ._engine import Engine
from ._errors import error_reply
from ._plan import Plan, RecordedRequest
from ._render import Framing
from ._script import (
    ENDPOINTS,
    Endpoint,
    FaultKind,
    Item,
    Script,
    ScriptedAgentRun,
    ScriptedError,
    ScriptedFault,
    ScriptedReply,
    check_fault,
    tool_call_specs,
)

if TYPE_CHECKING:
    from .._client import AsyncClient, Client
    from ._transport import EmulatorTransport

__all__ = ["DEFAULT_API_KEY", "DEFAULT_BASE_URL", "DEFAULT_MODEL", "Emulator"]

DEFAULT_MODEL = EMULATOR_MODEL
DEFAULT_API_KEY = EMULATOR_KEY
DEFAULT_BASE_URL = EMULATOR_BASE_URL
"""The base URL of in-process clients; nothing resolves it, the transport answers."""

_DEFAULT_AFTER = {
    "disconnect": 1,
    "disconnect_mid_event": 1,
    "truncate": 1,
    "malformed": 1,
    "nested": 1,
    "oversized": 1,
    "inband_error": 1,
    "slow": 0,
}
_DEFAULT_SIZE = {"oversized": 4 * 1024 * 1024, "nested": 5_000}


class Emulator:
    """A local stand-in for Heroku Managed Inference: no network, no tokens.

    Requests get Heroku's validation and error shapes; answers are scripted in order, and an
    unscripted request gets a deterministic default reply that echoes the last user message
    (or reports the tool results that end the history, or calls the tool a forced
    ``tool_choice`` names, with arguments that fit its schema). Every endpoint of the add-on
    is served: chat, embeddings (the same text gives the same vector), images (the same
    prompt and seed give the same image), rerank (by shared words), agents (``agent_run()``
    scripts a run), ``/available-models`` and MCP servers.

    ```python
    from heroku_inference.testing import Emulator

    emu = Emulator()                       # framing="openai" for ``data: ...`` streams
    emu.reply(text="Hi!", tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}])
    emu.error(429, retry_after=1)          # then a rate limit...
    emu.fault("disconnect", after=2)       # ...then a stream cut after two events

    with emu.client() as client:           # or: async with emu.async_client() as client
        completion = client.chat.completions.create(messages=[{"role": "user", "content": "Hi"}])
    assert emu.requests[-1].body["messages"][0]["content"] == "Hi"
    ```

    ``api_key``: when set, only this key is accepted (any non-empty Bearer token otherwise).
    ``model``: the model of the clients made here, and listed by ``/available-models``.
    ``models``: models to know besides Heroku's (``AVAILABLE_MODELS``) and ``model``: a list of
    chat model ids, or ``{model_id: kind}``; ``add_model()`` adds one later. A chat request
    naming an unknown model, or one that is not a chat (``"text-to-text"``) model, gets 400.
    ``keep_requests``: how many requests ``requests`` keeps, the latest (``None``: all, as a
    test wants; a long-running emulator, such as ``INFERENCE_URL=emulator`` or the
    ``heroku-inference emulator`` command, keeps the last 100).
    Serve it to other processes with ``create_app(emu)`` (ASGI) or ``heroku-inference emulator``.
    """

    def __init__(
        self,
        framing: Framing = "heroku",
        *,
        api_key: str | None = None,
        model: str = DEFAULT_MODEL,
        models: Iterable[str] | Mapping[str, ModelKind] = (),
        keep_requests: int | None = None,
    ) -> None:
        if framing not in get_args(Framing):
            raise ValueError(f"framing must be 'heroku' or 'openai', got {framing!r}")
        self._script = Script()
        self._catalog = Catalog(model, models)
        self._engine = Engine(
            framing=framing,
            api_key=api_key,
            model=model,
            script=self._script,
            catalog=self._catalog,
            keep_requests=_checked_keep(keep_requests),
        )

    @property
    def framing(self) -> Framing:
        return self._engine.framing

    @property
    def api_key(self) -> str | None:
        return self._engine.api_key

    @property
    def model(self) -> str:
        return self._engine.model

    @property
    def models(self) -> dict[str, ModelKind]:
        """Every model this emulator knows, by id, with its kind (a copy)."""
        return self._catalog.kinds()

    def add_model(self, model_id: str, kind: ModelKind = CHAT) -> None:
        """Know ``model_id`` from now on (e.g. a model Heroku added since this release)."""
        self._catalog.add(model_id, kind)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, in order (chat, model listing, rejected ones too)."""
        return self._engine.requests

    @property
    def mcp_servers(self) -> list[dict[str, Any]]:
        """What ``GET /v1/mcp/servers`` lists: change it in place (one Python server by
        default, whose tool is ``mcp-python/code_exec_python``)."""
        return self._engine.endpoints.mcp_servers

    @property
    def pending(self) -> list[Item]:
        """The scripted items not yet taken by a request."""
        return self._script.pending()

    def reply(
        self,
        text: str | None = None,
        *,
        reasoning: str | None = None,
        tool_calls: Iterable[Mapping[str, Any]] | None = None,
        usage: Mapping[str, Any] | None = None,
        finish_reason: str | None = None,
        times: int = 1,
    ) -> None:
        """Queue the model's answer to the next valid chat request.

        ``tool_calls``: ``[{"name": ..., "arguments": dict or JSON string, "id"?: ...}]``;
        ``usage`` defaults to estimated counts; ``finish_reason`` to ``"tool_calls"`` when
        there are tool calls, else ``"stop"``. ``times`` queues it that many times.
        """
        scripted = ScriptedReply(
            text=text,
            reasoning=reasoning,
            tool_calls=tool_call_specs(tool_calls),
            usage=dict(usage) if usage is not None else None,
            finish_reason=finish_reason,
        )
        self._script.push(scripted, times)

    def agent_run(
        self,
        *steps: Mapping[str, Any],
        error: str | None = None,
        times: int = 1,
    ) -> None:
        """Queue the events of the next valid agents request, one per step, in order.

        - ``{"role": "assistant", "content": ..., "tool_calls": [{"name", "arguments"}]}``: a
          ``chat.completion`` (usage estimated; call ids made up unless given as ``id``);
        - ``{"role": "tool", "name": ..., "content": str or JSON value}``: a
          ``tool.completion`` answering the last call of that tool;
        - ``{"role": "tool", "name": ..., "error": ...}``: a ``tool.error``;
        - ``{"object": ..., ...}``: an event sent as it is (with the run's ``id``).

        ``error`` ends the run with an ``agent.error`` carrying that message.

        ```python
        emu.agent_run(
            {"role": "assistant", "content": "Running it.",
             "tool_calls": [{"name": "code_exec_python", "arguments": {"code": "print(1)"}}]},
            {"role": "tool", "name": "code_exec_python", "content": "1"},
            {"role": "assistant", "content": "It printed 1."},
        )
        ```
        """
        if error is not None and not isinstance(error, str):
            raise TypeError(f"error must be the agent error's message, got {error!r}")
        self._script.push(ScriptedAgentRun(check_steps(steps), error), times)

    def error(
        self,
        status: int,
        body: Mapping[str, Any] | str | None = None,
        *,
        retry_after: float | str | None = None,
        headers: Mapping[str, str] | None = None,
        message: str | None = None,
        endpoint: Endpoint | None = None,
        times: int = 1,
    ) -> None:
        """Queue an error response for the next request to a model endpoint, valid or not:
        to ``endpoint`` (``"chat"``, ``"embeddings"``, ``"images"``, ``"rerank"``,
        ``"agents"``) when given, to whichever comes first otherwise.

        ``body``: a dict (sent as JSON), a form name (``"object"``, ``"string_encoded"``,
        ``"flat"``, ``"html"``, built for ``status`` with ``message``), any other string (sent
        as it is), or ``None`` for Heroku's usual body. ``retry_after`` sets ``Retry-After``;
        ``headers`` adds others (``x-ratelimit-reset-requests`` on a 429, say).
        """
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise ValueError(f"status must be an HTTP error status (400-599), got {status!r}")
        extra = dict(headers or {})
        if retry_after is not None:
            extra["Retry-After"] = _seconds(retry_after)
        reply = error_reply(status, body, message=message, headers=extra)
        self._script.push(ScriptedError(reply, _endpoint(endpoint)), times)

    def fault(
        self,
        kind: FaultKind,
        *,
        after: int | None = None,
        delay: float = 0.05,
        body: Mapping[str, Any] | None = None,
        text: str | None = None,
        size: int | None = None,
        endpoint: Endpoint | None = None,
        times: int = 1,
    ) -> None:
        """Queue a reply that goes wrong: the default reply, or one with ``text``, to the
        next valid request to ``endpoint`` (to any model endpoint when ``None``).

        - ``"disconnect"``: the connection drops after ``after`` events (default 1); with
          ``after=0``, right after the headers.
        - ``"disconnect_mid_event"``: the connection drops half-way through event ``after``
          (counted from 0; default 1).
        - ``"truncate"``: the body ends cleanly after ``after`` events (default 1), with no
          terminator, as when a proxy cuts a stream short.
        - ``"malformed"``: an event that is not valid JSON after ``after`` events (default 1).
        - ``"nested"``: an event of valid JSON nested ``size`` deep (default 5,000) after
          ``after`` events (default 1).
        - ``"oversized"``: after ``after`` events (default 1), one content delta of ``size``
          bytes (default 4 MiB); the stream is otherwise whole.
        - ``"inband_error"``: an error event after ``after`` events (default 1): ``event:error``
          in Heroku's framing, a ``data:`` payload holding ``error`` in OpenAI's; ``body``
          replaces ``{"error": {"code": 500, "message": "Failed to execute chat", ...}}``.
        - ``"slow"``: ``delay`` seconds between events, from event ``after`` (default 0).
        - ``"hang"``: nothing is sent, not even the status line, until the client gives up
          (its read timeout; in-process with no read timeout, that is never).
        - ``"not_streamed"``: a streamed request gets the whole JSON completion instead
          (``application/json``), as a proxy that ignores ``stream`` would send.

        A non-streamed request counts its body as one event: cut in half (also
        ``disconnect_mid_event``), truncated, replaced by the error body with status 200, by
        the nested JSON, or sent after ``delay``; ``oversized`` makes its content ``size``
        bytes long. An agents run counts its events.
        """
        after = _DEFAULT_AFTER.get(kind, 0) if after is None else after
        size = _DEFAULT_SIZE.get(kind, 1) if size is None else size
        check_fault(kind, after, delay, size)
        reply = ScriptedReply(text=text) if text is not None else None
        fault = ScriptedFault(
            kind,
            after,
            float(delay),
            dict(body) if body else None,
            reply,
            size=size,
            endpoint=_endpoint(endpoint),
        )
        self._script.push(fault, times)

    def reset(self) -> None:
        """Forget the scripted items not yet taken and the recorded requests."""
        self._script.clear()
        self._engine.requests.clear()

    def handle(
        self,
        method: str,
        path: str,
        headers: Sequence[tuple[str, str]] | Mapping[str, str] | httpx.Headers,
        content: bytes = b"",
    ) -> Plan:
        """The engine itself: what the emulator sends for one request, as a ``Plan``."""
        return self._engine.handle(method, path, headers, content)

    def transport(self) -> EmulatorTransport:
        """An httpx transport (sync and async) served by this emulator."""
        from ._transport import EmulatorTransport

        return EmulatorTransport(self)

    def async_client(self, **options: Any) -> AsyncClient:
        """An ``AsyncClient`` wired to this emulator in-process; it closes its own pool."""
        from .._client import AsyncClient

        if "http_client" not in options:
            options.setdefault("transport", self.transport())
        return AsyncClient(**self._client_defaults(options))

    def client(self, **options: Any) -> Client:
        """A ``Client`` wired to this emulator in-process; it closes its own pool."""
        from .._client import Client

        if "http_client" not in options:
            options.setdefault("transport", self.transport())
        return Client(**self._client_defaults(options))

    def _client_defaults(self, options: dict[str, Any]) -> dict[str, Any]:
        options.setdefault("api_key", self.api_key or DEFAULT_API_KEY)
        # "emulator" (DEFAULT_BASE_URL once resolved): embeddings, images and rerank then
        # default to a model of their kind, as on INFERENCE_URL=emulator.
        options.setdefault("base_url", EMULATOR_URL)
        options.setdefault("model", self.model)
        return options

    def __repr__(self) -> str:
        return (
            f"Emulator(framing={self.framing!r}, model={self.model!r}, "
            f"pending={len(self._script)}, requests={len(self.requests)})"
        )


def _endpoint(endpoint: str | None) -> Endpoint | None:
    if endpoint is not None and endpoint not in ENDPOINTS:
        raise ValueError(f"endpoint must be one of {', '.join(ENDPOINTS)}, got {endpoint!r}")
    return endpoint  # type: ignore[return-value]


def _seconds(value: float | str) -> str:
    if isinstance(value, str):
        return value
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _checked_keep(keep_requests: int | None) -> int | None:
    bad = isinstance(keep_requests, bool) or not isinstance(keep_requests, int | None)
    if bad or (keep_requests is not None and keep_requests < 0):
        raise ValueError(f"keep_requests must be None or an integer >= 0, got {keep_requests!r}")
    return keep_requests
