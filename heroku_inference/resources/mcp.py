"""``client.mcp.servers.list()``: the MCP servers registered with the add-on
(``GET /v1/mcp/servers``), whose tools agents can call."""

from __future__ import annotations

import functools
from functools import cached_property
from typing import Any

from typing_extensions import Unpack

from .._context import AsyncContext, SyncContext
from .._raw_response import RawResponse
from .._responses import parse_response
from .._transport import Outcome
from ..types.chat_params import RequestOptions
from ..types.mcp import MCPServerList
from .models import build_list_call

__all__ = [
    "MCP",
    "AsyncMCP",
    "AsyncServers",
    "AsyncServersWithRawResponse",
    "Servers",
    "ServersWithRawResponse",
]

PATH = "/v1/mcp/servers"


def parse_servers(outcome: Outcome) -> MCPServerList:
    return parse_response(outcome, MCPServerList, "a list of MCP servers", marker="data")


class AsyncServers:
    """``GET /v1/mcp/servers`` on an ``AsyncClient``."""

    __slots__ = ("_context",)

    def __init__(self, context: AsyncContext) -> None:
        self._context = context

    async def list(self, **options: Unpack[RequestOptions]) -> MCPServerList:
        """Every registered MCP server, with its status and tools.

        ```python
        servers = await client.mcp.servers.list()
        tools = [{"type": "mcp", "name": t.namespaced_name} for s in servers for t in s.tools]
        ```
        """
        raw = await self._list(options)
        return raw.parse()

    @property
    def with_raw_response(self) -> AsyncServersWithRawResponse:
        """The same methods, returning the HTTP response with ``parse()``."""
        return AsyncServersWithRawResponse(self)

    async def _list(self, options: Any) -> RawResponse[MCPServerList]:
        settings = self._context.settings
        outcome = await self._context.driver.run(settings, build_list_call(settings, options, PATH))
        return RawResponse(outcome, functools.partial(parse_servers, outcome))


class Servers:
    """``GET /v1/mcp/servers`` on a ``Client``."""

    __slots__ = ("_context",)

    def __init__(self, context: SyncContext) -> None:
        self._context = context

    def list(self, **options: Unpack[RequestOptions]) -> MCPServerList:
        """Every registered MCP server, with its status and tools."""
        return self._list(options).parse()

    @property
    def with_raw_response(self) -> ServersWithRawResponse:
        """The same methods, returning the HTTP response with ``parse()``."""
        return ServersWithRawResponse(self)

    def _list(self, options: Any) -> RawResponse[MCPServerList]:
        settings = self._context.settings
        outcome = self._context.driver.run(settings, build_list_call(settings, options, PATH))
        return RawResponse(outcome, functools.partial(parse_servers, outcome))


class AsyncServersWithRawResponse:
    __slots__ = ("_servers",)

    def __init__(self, servers: AsyncServers) -> None:
        self._servers = servers

    async def list(self, **options: Unpack[RequestOptions]) -> RawResponse[MCPServerList]:
        return await self._servers._list(options)


class ServersWithRawResponse:
    __slots__ = ("_servers",)

    def __init__(self, servers: Servers) -> None:
        self._servers = servers

    def list(self, **options: Unpack[RequestOptions]) -> RawResponse[MCPServerList]:
        return self._servers._list(options)


class AsyncMCP:
    """``client.mcp`` on an ``AsyncClient``."""

    __slots__ = ("__dict__", "_context")

    def __init__(self, context: AsyncContext) -> None:
        self._context = context

    @cached_property
    def servers(self) -> AsyncServers:
        return AsyncServers(self._context)


class MCP:
    """``client.mcp`` on a ``Client``."""

    __slots__ = ("__dict__", "_context")

    def __init__(self, context: SyncContext) -> None:
        self._context = context

    @cached_property
    def servers(self) -> Servers:
        return Servers(self._context)
