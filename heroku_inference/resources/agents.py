"""``client.agents``: runs of Heroku's server-side tool loop (``POST /v1/agents/heroku``).

The endpoint always streams whole objects (``AgentEvent``); ``stream()`` hands them out as
they come, ``create()`` collects them into an ``AgentResult``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from typing_extensions import Unpack

from .._agent_stream import (
    AgentEventDecoder,
    AgentStream,
    AgentStreamManager,
    AsyncAgentStream,
    AsyncAgentStreamManager,
)
from .._call_params import check_keywords
from .._config import MODEL_VARIABLE, Settings
from .._context import AsyncContext, SyncContext
from .._message_rules import DEFAULT_PLACEHOLDER, apply_tool_turn_rules
from .._raw_response import RawResponse
from .._streaming import AsyncStream, Stream
from .._telemetry import CallInfo
from .._transport import Call
from ..types.agents import AgentCreateParams, AgentResult
from ._chat_call import message_params
from ._requests import build_call, choose_model, known_keys, request_body, require

__all__ = [
    "Agents",
    "AgentsWithRawResponse",
    "AsyncAgents",
    "AsyncAgentsWithRawResponse",
    "build_agent_call",
]

PATH = "/v1/agents/heroku"
TOOL_TYPES = ("heroku_tool", "mcp")
_KNOWN = known_keys(AgentCreateParams)
_REFUSED = {
    "stream": "the agents endpoint always streams; use stream() or create().",
    "max_tokens": "the agents endpoint limits each model call of the loop with "
    "max_tokens_per_inference_request.",
}


def build_agent_call(
    settings: Settings, params: Mapping[str, Any], *, method_name: str = "stream"
) -> Call:
    """Check the keyword arguments and build the (always streamed) ``Call``; nothing is
    sent. Tools must be ``heroku_tool`` or ``mcp`` objects with a ``name``."""
    check_keywords(params, _KNOWN, method_name, refused=_REFUSED)
    require(params, ("messages",), method_name)
    model = choose_model(settings, params, MODEL_VARIABLE)
    messages = apply_tool_turn_rules(
        message_params(params["messages"]), placeholder=DEFAULT_PLACEHOLDER, method_name=method_name
    )
    fields: dict[str, Any] = {"model": model, "messages": messages}
    if "tools" in params:
        fields["tools"] = _tools(params["tools"], method_name)
    body = request_body(params, **fields)
    return build_call(
        settings,
        params,
        method="POST",
        path=PATH,
        body=body,
        method_name=method_name,
        stream=True,
        telemetry=CallInfo("invoke_agent", model, content=fields["messages"]),
    )


def _tools(tools: object, method_name: str) -> list[Any]:
    if isinstance(tools, str | bytes | Mapping) or not isinstance(tools, Iterable):
        raise TypeError(f"{method_name}(): tools must be a list of tool objects")
    checked = list(tools)
    for position, tool in enumerate(checked):
        if not isinstance(tool, Mapping):
            raise TypeError(
                f"{method_name}(): tools[{position}] must be a dict such as "
                f"{{'type': 'heroku_tool', 'name': 'code_exec_python'}}, got {type(tool).__name__}"
            )
        if tool.get("type") not in TOOL_TYPES:
            raise TypeError(
                f"{method_name}(): tools[{position}].type must be 'heroku_tool' or 'mcp', "
                f"got {tool.get('type')!r}"
            )
        if not isinstance(tool.get("name"), str) or not tool["name"]:
            raise TypeError(f"{method_name}(): tools[{position}].name must be a tool's name")
    return checked


class AsyncAgents:
    """``POST /v1/agents/heroku`` on an ``AsyncClient``."""

    __slots__ = ("_context",)

    def __init__(self, context: AsyncContext) -> None:
        self._context = context

    def stream(self, **params: Unpack[AgentCreateParams]) -> AsyncAgentStreamManager:
        """Run the agent and read its events as they come; use with ``async with``.
        Nothing is sent before entering.

        ```python
        tools = [{"type": "heroku_tool", "name": "code_exec_python"}]
        async with client.agents.stream(messages=messages, tools=tools) as run:
            async for event in run:
                print(event.object)
            result = await run.get_final_result()
        ```
        """
        settings = self._context.settings
        call = build_agent_call(settings, params)
        driver = self._context.driver

        async def open_stream() -> AsyncAgentStream:
            outcome = await driver.run(settings, call)
            return AsyncAgentStream(AsyncStream(outcome, AgentEventDecoder(outcome.errors)))

        return AsyncAgentStreamManager(open_stream)

    async def create(self, **params: Unpack[AgentCreateParams]) -> AgentResult:
        """Run the agent to its end and return the collected ``AgentResult``.

        ```python
        result = await client.agents.create(messages=messages, tools=tools)
        print(result.text, result.usage.total_tokens)
        ```
        """
        raw = await self._create(params)
        return raw.parse()

    @property
    def with_raw_response(self) -> AsyncAgentsWithRawResponse:
        """``create()`` returning the HTTP response with ``parse()``."""
        return AsyncAgentsWithRawResponse(self)

    async def _create(self, params: Any) -> RawResponse[AgentResult]:
        settings = self._context.settings
        call = build_agent_call(settings, params, method_name="create")
        outcome = await self._context.driver.run(settings, call)
        run = AsyncAgentStream(AsyncStream(outcome, AgentEventDecoder(outcome.errors)))
        try:
            result = await run.get_final_result()
        finally:
            await run.aclose()
        return RawResponse(outcome, lambda: result)


class Agents:
    """``POST /v1/agents/heroku`` on a ``Client``."""

    __slots__ = ("_context",)

    def __init__(self, context: SyncContext) -> None:
        self._context = context

    def stream(self, **params: Unpack[AgentCreateParams]) -> AgentStreamManager:
        """Run the agent and read its events as they come; use with ``with``. Nothing is
        sent before entering.

        ```python
        with client.agents.stream(messages=messages, tools=tools) as run:
            for text in run.text_stream:
                print(text)
        ```
        """
        settings = self._context.settings
        call = build_agent_call(settings, params)
        driver = self._context.driver

        def open_stream() -> AgentStream:
            outcome = driver.run(settings, call)
            return AgentStream(Stream(outcome, AgentEventDecoder(outcome.errors)))

        return AgentStreamManager(open_stream)

    def create(self, **params: Unpack[AgentCreateParams]) -> AgentResult:
        """Run the agent to its end and return the collected ``AgentResult``."""
        return self._create(params).parse()

    @property
    def with_raw_response(self) -> AgentsWithRawResponse:
        """``create()`` returning the HTTP response with ``parse()``."""
        return AgentsWithRawResponse(self)

    def _create(self, params: Any) -> RawResponse[AgentResult]:
        settings = self._context.settings
        call = build_agent_call(settings, params, method_name="create")
        outcome = self._context.driver.run(settings, call)
        run = AgentStream(Stream(outcome, AgentEventDecoder(outcome.errors)))
        try:
            result = run.get_final_result()
        finally:
            run.close()
        return RawResponse(outcome, lambda: result)


class AsyncAgentsWithRawResponse:
    """``client.agents.with_raw_response`` on an ``AsyncClient``."""

    __slots__ = ("_agents",)

    def __init__(self, agents: AsyncAgents) -> None:
        self._agents = agents

    async def create(self, **params: Unpack[AgentCreateParams]) -> RawResponse[AgentResult]:
        """Run the agent to its end; ``parse()`` gives the ``AgentResult``."""
        return await self._agents._create(params)


class AgentsWithRawResponse:
    """``client.agents.with_raw_response`` on a ``Client``."""

    __slots__ = ("_agents",)

    def __init__(self, agents: Agents) -> None:
        self._agents = agents

    def create(self, **params: Unpack[AgentCreateParams]) -> RawResponse[AgentResult]:
        """Run the agent to its end; ``parse()`` gives the ``AgentResult``."""
        return self._agents._create(params)
