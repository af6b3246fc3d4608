"""``GET /v1/mcp/servers``: the MCP servers registered with the add-on, and their tools."""

from __future__ import annotations

from typing import Any, Literal, TypeAlias

import pydantic

from .._models import BaseModel
from ._listing import Listing

__all__ = ["MCPServer", "MCPServerList", "MCPTool", "PrimitivesStatus", "ServerStatus"]

ServerStatus: TypeAlias = Literal["registered", "disconnected"] | str
PrimitivesStatus: TypeAlias = Literal["syncing", "synced", "error"] | str


class MCPTool(BaseModel):
    """A tool an MCP server offers. Agents name it by ``namespaced_name``
    (``{"type": "mcp", "name": tool.namespaced_name}``)."""

    name: str = ""
    namespaced_name: str = ""
    description: str | None = None
    input_schema: dict[str, Any] | None = None
    annotations: dict[str, Any] | None = None


class MCPServer(BaseModel):
    """An MCP server: the app process that runs it, its state, and its tools."""

    id: str = ""
    app_id: str | None = None
    process_type: str | None = None
    process_command: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    namespace: str | None = None
    server_status: ServerStatus | None = None
    primitives_status: PrimitivesStatus | None = None
    tools: list[MCPTool] = pydantic.Field(default_factory=list)


class MCPServerList(Listing[MCPServer]):
    """``client.mcp.servers.list()``: every registered server (the endpoint is unpaginated).

    ```python
    servers = await client.mcp.servers.list()
    tools = [{"type": "mcp", "name": t.namespaced_name} for s in servers for t in s.tools]
    ```
    """
