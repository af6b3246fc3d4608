"""The ``tools`` of a request as the API takes them. Kept apart from ``_tool`` (schemas,
docstrings, validation), so that a plain chat request does not import the tool machinery."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["tool_params"]


def tool_params(tools: object, method_name: str) -> list[Any]:
    """``tools`` as the API takes them: ``Tool`` objects through ``to_param()``, dicts as they
    are (less a ``$schema`` key in their parameters, which Heroku refuses)."""
    if isinstance(tools, str | bytes | Mapping) or not isinstance(tools, Iterable):
        raise TypeError(
            f"{method_name}(): tools must be a list of tools (@tool functions, Tool objects or "
            f"tool dicts), got {type(tools).__name__}"
        )
    converted: list[Any] = []
    for position, item in enumerate(tools):
        to_param = getattr(item, "to_param", None)
        if not isinstance(item, Mapping) and callable(to_param):  # a Tool
            converted.append(to_param())
        elif isinstance(item, Mapping):
            converted.append(_without_schema_key(item))
        else:
            hint = " (decorate it with @tool)" if callable(item) else ""
            raise TypeError(
                f"{method_name}(): tools[{position}] must be a Tool or a tool dict, "
                f"got {type(item).__name__}{hint}"
            )
    return converted


def _without_schema_key(tool_dict: Mapping[str, Any]) -> Mapping[str, Any]:
    function = tool_dict.get("function")
    if not isinstance(function, Mapping):
        return tool_dict
    parameters = function.get("parameters")
    if not isinstance(parameters, Mapping) or "$schema" not in parameters:
        return tool_dict
    cleaned = {key: value for key, value in parameters.items() if key != "$schema"}
    return {**tool_dict, "function": {**function, "parameters": cleaned}}
