"""One transport, two drivers.

``request_flow`` is the whole policy of one API call, written once and free of I/O: it builds
each attempt's request, decides on retries and their delays, and maps failures to errors. It is
a generator that yields commands (``Send``, ``Sleep``, ``Read``) and receives their results.
``AsyncDriver`` (httpx.AsyncClient + anyio) and ``SyncDriver`` (httpx.Client + time.sleep)
only carry the commands out: send, sleep, read.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import anyio
import httpx

from ._call_errors import CallErrors
from ._config import PROMPT_CACHING_HEADER, USER_AGENT, Settings
from ._error_bodies import request_id_of
from ._event_loop import LoopGuard
from ._logs import logger
from ._pool_repair import areclaim, reclaim
from ._retry import retry_delay, should_retry_error, should_retry_status
from ._telemetry import CallInfo, Observation, observe

__all__ = ["AsyncDriver", "Call", "Outcome", "SyncDriver", "request_flow"]


@dataclass(frozen=True, slots=True)
class Call:
    """One API call as the resources describe it, before any attempt is made.

    ``path`` follows the base URL (``/v1/embeddings``), or is a whole ``https://`` URL the
    API pointed to (an image's ``url``): the key and the default headers then go only to the
    base URL's own host, and logs leave out its query (which may hold a signature).
    """

    method: str
    path: str
    body: bytes | None
    timeout: httpx.Timeout
    max_retries: int
    stream: bool = False
    headers: Mapping[str, str] | None = None
    telemetry: CallInfo | None = None
    """What telemetry may record of the call (``None``: nothing)."""
    prompt_caching: bool | None = None
    """This call's prompt-caching choice; ``None``: the client's."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """A successful response (read, unless the call streams), and what builds the errors
    found in it (a stream's, a body that is not what was expected).

    ``observation`` is the call's telemetry, still open for a stream (which ends it).
    """

    response: httpx.Response
    errors: CallErrors
    observation: Observation | None = None

    @property
    def retries_taken(self) -> int:
        return self.errors.retries_taken

    @property
    def request_id(self) -> str | None:
        return self.errors.request_id


@dataclass(frozen=True, slots=True)
class Send:
    request: httpx.Request


@dataclass(frozen=True, slots=True)
class Sleep:
    seconds: float


@dataclass(frozen=True, slots=True)
class Read:
    response: httpx.Response


Command = Send | Sleep | Read
Flow = Generator[Command, Any, Outcome]
BuildRequest = Callable[..., httpx.Request]


MAX_REDIRECTS = 3
"""Same-origin 307/308 redirects followed in a row, at most."""


def request_flow(settings: Settings, call: Call, build_request: BuildRequest) -> Flow:
    """The policy of one call: attempt, retry with backoff, raise typed errors; and its
    telemetry, which a stream's outcome carries on to the stream's end."""
    observation = observe(call.telemetry, settings.base_url)
    if observation is None:
        return (yield from _attempts(settings, call, build_request, None))
    try:
        outcome = yield from _attempts(settings, call, build_request, observation)
    except BaseException as error:  # GeneratorExit too: the driver was cancelled
        observation.end(error)
        raise
    if call.stream:
        return dataclasses.replace(outcome, observation=observation)
    observation.response(outcome.response)
    return outcome


def _attempts(
    settings: Settings, call: Call, build_request: BuildRequest, observation: Observation | None
) -> Flow:
    """Attempts, retries and redirects.

    Redirects are followed only within the origin and only when they keep the method and
    body (307, 308): any other would send the prompt elsewhere, or turn it into a GET.
    """
    address, own_host = _target(settings, call)
    url = httpx.URL(address)
    redirects = 0
    # Merged case-insensitively, so that a caller's "user-agent" replaces ours instead of
    # going out as a second header; the key is set last and always wins.
    headers = httpx.Headers(
        {
            "User-Agent": USER_AGENT,
            "Accept": "text/event-stream" if call.stream else "application/json",
        }
    )
    if call.body is not None:
        headers["Content-Type"] = "application/json"
    if own_host:
        headers.update(settings.default_headers)
    caching = settings.prompt_caching if call.prompt_caching is None else call.prompt_caching
    if not caching:
        headers[PROMPT_CACHING_HEADER] = "false"
    headers.update(call.headers or {})
    if own_host:
        headers.update(settings.auth_headers())
    retries_taken = 0
    waited = 0.0
    while True:
        request = build_request(
            call.method, url, content=call.body, headers=headers, timeout=call.timeout
        )
        if call.body is not None:
            request.stream = RequestBody(call.body)
        errors = CallErrors(request, settings.api_key, retries_taken, waited)
        logger.debug("%s %s: attempt %d", call.method, _shown(call), retries_taken + 1)
        response: httpx.Response | None = None
        try:
            response = yield Send(request)
            assert response is not None
            if response.is_success and call.stream:
                _log_response(call, response, retries_taken)
                return Outcome(response, errors.answered(response))
            yield Read(response)
        except httpx.RequestError as exc:
            if retries_taken < call.max_retries and should_retry_error(exc):
                pause = _pause(call, retries_taken, f"failed ({type(exc).__name__})", None)
                if observation is not None:
                    observation.retry(retries_taken + 1, pause.seconds, type(exc).__name__)
                yield pause
                retries_taken += 1
                waited += pause.seconds
                continue
            raise errors.connection(exc) from exc
        _log_response(call, response, retries_taken)
        if response.is_success:
            return Outcome(response, errors.answered(response))
        if response.is_redirect:
            target = _followable(request.url, response)
            if target is None or redirects >= MAX_REDIRECTS:
                raise errors.redirected(response)
            redirects += 1
            url = target
            continue
        if retries_taken < call.max_retries and should_retry_status(response):
            pause = _pause(call, retries_taken, f"answered {response.status_code}", response)
            if observation is not None:
                observation.retry(retries_taken + 1, pause.seconds, str(response.status_code))
            yield pause
            retries_taken += 1
            waited += pause.seconds
            continue
        raise errors.status(response)


class RequestBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A request body sent in one piece, iterated without a generator.

    httpx iterates ``content=bytes`` with an async generator; a send cancelled while writing
    it abandons the generator half-way, which trio reports as a ``ResourceWarning``. Plain
    iterators leave nothing to finalize. (``Content-Length`` comes from ``build_request``.)
    """

    __slots__ = ("_content",)

    def __init__(self, content: bytes) -> None:
        self._content = content

    def __iter__(self) -> Iterator[bytes]:
        return iter((self._content,))

    def __aiter__(self) -> AsyncIterator[bytes]:
        return _Once(self._content)


class _Once:
    __slots__ = ("_content",)

    def __init__(self, content: bytes) -> None:
        self._content: bytes | None = content

    def __aiter__(self) -> _Once:
        return self

    async def __anext__(self) -> bytes:
        content, self._content = self._content, None
        if content is None:
            raise StopAsyncIteration
        return content


def _followable(url: httpx.URL, response: httpx.Response) -> httpx.URL | None:
    """Where a 307/308 to the same origin leads; ``None`` for any other redirect."""
    if response.status_code not in (307, 308):
        return None
    try:
        target = url.join(response.headers["location"])
    except (httpx.InvalidURL, KeyError):
        return None
    same = (target.scheme, target.host, target.port) == (url.scheme, url.host, url.port)
    return target if same else None


def _target(settings: Settings, call: Call) -> tuple[str, bool]:
    """The URL of ``call``, and whether it is on the base URL's host (which gets the key)."""
    if not call.path.startswith(("https://", "http://")):
        return f"{settings.base_url}{call.path}", True
    target = httpx.URL(call.path)
    base = settings.base_url
    return call.path, (target.scheme, target.host, target.port) == (
        base.scheme,
        base.host,
        base.port,
    )


def _shown(call: Call) -> str:
    """The path of ``call`` as logs show it: a whole URL without its query."""
    if not call.path.startswith(("https://", "http://")):
        return call.path
    return str(httpx.URL(call.path).copy_with(query=None, fragment=None))


def _pause(call: Call, retries_taken: int, why: str, response: httpx.Response | None) -> Sleep:
    """The wait before the next attempt, logged with its reason."""
    delay = retry_delay(retries_taken, response)
    logger.info(
        "%s %s %s; retrying in %.2f s (retry %d of %d)",
        call.method,
        _shown(call),
        why,
        delay,
        retries_taken + 1,
        call.max_retries,
    )
    return Sleep(delay)


def _log_response(call: Call, response: httpx.Response, retries_taken: int) -> None:
    if logger.isEnabledFor(20):
        logger.info(
            "%s %s -> %d (request id: %s, retries: %d)",
            call.method,
            _shown(call),
            response.status_code,
            request_id_of(response) or "none",
            retries_taken,
        )


class _Steps:
    """Steps a flow: hands it each command's result (or failure) and returns its next command."""

    __slots__ = ("_flow",)

    def __init__(self, flow: Flow) -> None:
        self._flow = flow

    def first(self) -> Command | Outcome:
        return self.send(None)

    def send(self, result: Any) -> Command | Outcome:
        try:
            return self._flow.send(result)
        except StopIteration as stop:
            outcome: Outcome = stop.value
            return outcome

    def throw(self, error: httpx.RequestError) -> Command | Outcome:
        try:
            return self._flow.throw(error)
        except StopIteration as stop:
            outcome: Outcome = stop.value
            return outcome

    def close(self) -> None:
        self._flow.close()


class AsyncDriver:
    """Carries out a flow's commands on an ``httpx.AsyncClient``, sleeping with anyio.

    The pool belongs to the event loop it is first used on; another loop gets an
    ``EventLoopError`` before anything is sent.
    """

    __slots__ = ("_loop", "http")

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self._loop = LoopGuard()

    async def run(self, settings: Settings, call: Call) -> Outcome:
        self._loop.check()
        steps = _Steps(request_flow(settings, call, self.http.build_request))
        try:
            command = steps.first()
            while not isinstance(command, Outcome):
                try:
                    if isinstance(command, Send):
                        result: Any = await self._send(command.request)
                    elif isinstance(command, Sleep):
                        result = None
                        await anyio.sleep(command.seconds)
                    else:
                        result = None
                        await _aread_or_close(command.response)
                except httpx.RequestError as exc:
                    command = steps.throw(exc)
                else:
                    command = steps.send(result)
            return command
        finally:
            steps.close()

    async def _send(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self.http.send(request, stream=True, follow_redirects=False)
        except BaseException:
            # A send cancelled (or failed) while waiting for a connection can leave one
            # half-open in httpcore's pool for good: give its slot back (_pool_repair.py).
            await areclaim(self.http)
            raise


class SyncDriver:
    """Carries out a flow's commands on an ``httpx.Client``, sleeping with ``time.sleep``."""

    __slots__ = ("http",)

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def run(self, settings: Settings, call: Call) -> Outcome:
        steps = _Steps(request_flow(settings, call, self.http.build_request))
        try:
            command = steps.first()
            while not isinstance(command, Outcome):
                try:
                    if isinstance(command, Send):
                        result: Any = self._send(command.request)
                    elif isinstance(command, Sleep):
                        result = None
                        time.sleep(command.seconds)
                    else:
                        result = None
                        _read_or_close(command.response)
                except httpx.RequestError as exc:
                    command = steps.throw(exc)
                else:
                    command = steps.send(result)
            return command
        finally:
            steps.close()

    def _send(self, request: httpx.Request) -> httpx.Response:
        try:
            return self.http.send(request, stream=True, follow_redirects=False)
        except BaseException:
            reclaim(self.http)
            raise


async def _aread_or_close(response: httpx.Response) -> None:
    try:
        await response.aread()
    except BaseException:
        with anyio.CancelScope(shield=True):
            await response.aclose()
        raise


def _read_or_close(response: httpx.Response) -> None:
    try:
        response.read()
    except BaseException:
        response.close()
        raise
