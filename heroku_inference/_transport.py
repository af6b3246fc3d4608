"""One transport, two drivers.

``request_flow`` is the whole policy of one API call, written once and free of I/O: it builds
each attempt's request, decides on retries and their delays, and maps failures to errors. It is
a generator that yields commands (``Send``, ``Sleep``, ``Read``) and receives their results.
``AsyncDriver`` (httpx.AsyncClient + anyio) and ``SyncDriver`` (httpx.Client + time.sleep)
only carry the commands out: send, sleep, read.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any

import anyio
import httpx

from ._config import USER_AGENT, Settings
from ._exceptions import APIError, connection_error, make_status_error, request_id_of
from ._logs import logger
from ._retry import retry_delay, should_retry_error, should_retry_status

__all__ = ["AsyncDriver", "Call", "Outcome", "SyncDriver", "request_flow"]


@dataclass(frozen=True, slots=True)
class Call:
    """One API call as the resources describe it, before any attempt is made."""

    method: str
    path: str
    body: bytes | None
    timeout: httpx.Timeout
    max_retries: int
    stream: bool = False
    headers: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """A successful response (read, unless the call streams) and the retries it took."""

    response: httpx.Response
    retries_taken: int


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


def request_flow(settings: Settings, call: Call, build_request: BuildRequest) -> Flow:
    """The policy of one call: attempt, retry with backoff, raise typed errors."""
    url = f"{settings.base_url}{call.path}"
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
    headers.update(settings.default_headers)
    headers.update(call.headers or {})
    headers.update(settings.auth_headers())
    retries_taken = 0
    while True:
        request = build_request(
            call.method, url, content=call.body, headers=headers, timeout=call.timeout
        )
        logger.debug("%s %s: attempt %d", call.method, call.path, retries_taken + 1)
        response: httpx.Response | None = None
        try:
            response = yield Send(request)
            assert response is not None
            if response.is_success and call.stream:
                _log_response(call, response, retries_taken)
                return Outcome(response, retries_taken)
            yield Read(response)
        except httpx.RequestError as exc:
            if retries_taken < call.max_retries and should_retry_error(exc):
                yield _pause(call, retries_taken, f"failed ({type(exc).__name__})", None)
                retries_taken += 1
                continue
            raise _with_retries(connection_error(exc, request), retries_taken) from exc
        _log_response(call, response, retries_taken)
        if response.is_success:
            return Outcome(response, retries_taken)
        if retries_taken < call.max_retries and should_retry_status(response):
            yield _pause(call, retries_taken, f"answered {response.status_code}", response)
            retries_taken += 1
            continue
        error = _without_key(make_status_error(response), settings.api_key)
        raise _with_retries(error, retries_taken)


def _pause(call: Call, retries_taken: int, why: str, response: httpx.Response | None) -> Sleep:
    """The wait before the next attempt, logged with its reason."""
    delay = retry_delay(retries_taken, response)
    logger.info(
        "%s %s %s; retrying in %.2f s (retry %d of %d)",
        call.method,
        call.path,
        why,
        delay,
        retries_taken + 1,
        call.max_retries,
    )
    return Sleep(delay)


def _with_retries(error: APIError, retries_taken: int) -> APIError:
    error.retries_taken = retries_taken
    return error


def _without_key(error: APIError, key: str) -> APIError:
    """Blank out the key should the server echo it in an error's message or body."""
    if key and key in error.message:
        error.message = error.message.replace(key, "<redacted>")
        error.args = (error.message,)
    if isinstance(error.body, str) and key in error.body:
        error.body = error.body.replace(key, "<redacted>")
    elif key and error.body is not None and key in json.dumps(error.body):
        error.body = json.loads(json.dumps(error.body).replace(key, "<redacted>"))
    return error


def _log_response(call: Call, response: httpx.Response, retries_taken: int) -> None:
    if logger.isEnabledFor(20):
        logger.info(
            "%s %s -> %d (request id: %s, retries: %d)",
            call.method,
            call.path,
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
    """Carries out a flow's commands on an ``httpx.AsyncClient``, sleeping with anyio."""

    __slots__ = ("http",)

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def run(self, settings: Settings, call: Call) -> Outcome:
        steps = _Steps(request_flow(settings, call, self.http.build_request))
        try:
            command = steps.first()
            while not isinstance(command, Outcome):
                try:
                    if isinstance(command, Send):
                        result: Any = await self.http.send(command.request, stream=True)
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
                        result: Any = self.http.send(command.request, stream=True)
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
