"""A function's signature and docstring as a tool's JSON schema, and a validator of arguments.

The schema comes from pydantic, so what pydantic validates is exactly what the model is told:
each parameter becomes a field of an arguments model (aliased, so a parameter may be named
``json`` or ``schema`` without shadowing pydantic's own attributes), ``Annotated[...,
Field(...)]`` descriptions and constraints included. Docstring text (Google, NumPy, reST or
Epydoc, read by ``docstring-parser``) fills in the descriptions ``Field`` did not give; it
never replaces one.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pydantic
from pydantic.fields import FieldInfo
from pydantic.json_schema import GenerateJsonSchema

__all__ = ["ArgumentsSchema", "Description", "arguments_schema", "describe", "model_parameters"]


class _NoFieldTitles(GenerateJsonSchema):
    """Leaves out the titles pydantic derives from field names ("City" for ``city``): noise in
    a prompt, and tokens paid on every request."""

    def field_title_should_be_set(self, schema: Any) -> bool:  # noqa: ARG002
        return False


@dataclass(frozen=True, slots=True)
class Description:
    """A docstring, read: the tool's description and each parameter's."""

    text: str
    params: dict[str, str]


def describe(docstring: str | None) -> Description:
    """The description and the parameters' text of a docstring, in any of its usual styles.

    The summary, the body, and the ``Returns``, ``Raises`` and ``Examples`` sections make the
    description (none of them is dropped); the parameters' text goes to the parameters.
    """
    if not docstring or not docstring.strip():
        return Description("", {})
    import docstring_parser  # only for tools that have a docstring

    parsed = docstring_parser.parse(docstring)
    parts = [text for text in (parsed.short_description, parsed.long_description) if text]
    returns = parsed.returns
    if returns is not None and returns.description and not returns.is_generator:
        parts.append(f"Returns: {returns.description}")
    for raised in parsed.raises:
        if raised.description:
            name = f" {raised.type_name}" if raised.type_name else ""
            parts.append(f"Raises{name}: {raised.description}")
    for example in parsed.examples:
        text = example.description or example.snippet
        if text:
            parts.append(f"Example: {text}")
    params = {p.arg_name: p.description for p in parsed.params if p.description}
    return Description("\n\n".join(parts), params)


@dataclass(frozen=True, slots=True)
class ArgumentsSchema:
    """A function's parameters: their JSON schema, and how to validate and pass arguments."""

    parameters: dict[str, Any]
    model: type[pydantic.BaseModel]
    positional: tuple[str, ...]
    """Positional-only parameters, passed by position."""
    names: tuple[str, ...]
    """Every parameter, in order; field ``i`` of ``model`` is ``names[i]``."""

    def call_arguments(
        self, instance: pydantic.BaseModel
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """A validated arguments model as ``(args, kwargs)`` for the function."""
        values = [getattr(instance, f"p{i}") for i in range(len(self.names))]
        count = len(self.positional)
        return tuple(values[:count]), dict(zip(self.names[count:], values[count:], strict=True))


def arguments_schema(
    func: Callable[..., Any],
    tool_name: str,
    param_docs: dict[str, str],
    local_names: dict[str, Any] | None = None,
) -> ArgumentsSchema:
    """The arguments model and JSON schema of ``func``; a clear ``TypeError`` naming the
    parameter when pydantic cannot validate or describe its type.

    ``local_names`` are the names where the tool was declared, for hints that name a class
    defined in a function (postponed annotations are strings until resolved).
    """
    try:
        hints = typing.get_type_hints(func, localns=local_names, include_extras=True)
    except Exception as exc:
        raise TypeError(
            f"tool {tool_name!r}: the type hints of its parameters cannot be resolved ({exc}); "
            "define the types they name at module level"
        ) from exc
    fields: dict[str, Any] = {}
    names: list[str] = []
    positional: list[str] = []
    for index, (name, param) in enumerate(inspect.signature(func).parameters.items()):
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            star = "*" if param.kind is param.VAR_POSITIONAL else "**"
            raise TypeError(
                f"tool {tool_name!r}: parameter {star}{name} cannot be described to a model; "
                "tools take named parameters only"
            )
        if param.kind is param.POSITIONAL_ONLY:
            positional.append(name)
        names.append(name)
        if isinstance(param.default, FieldInfo):  # def f(x: int = Field(3, ge=1)), as validate_call
            field = FieldInfo.merge_field_infos(param.default, pydantic.Field(alias=name))
        else:
            default = ... if param.default is param.empty else param.default
            field = pydantic.Field(default, alias=name)
        fields[f"p{index}"] = (hints.get(name, Any), field)
    config = pydantic.ConfigDict(extra="forbid", arbitrary_types_allowed=False)
    try:
        model = pydantic.create_model(f"{tool_name}_arguments", __config__=config, **fields)
        parameters = _object_schema(model.model_json_schema(schema_generator=_NoFieldTitles))
    except pydantic.PydanticUserError as exc:
        raise TypeError(_which_parameter(tool_name, names, hints, exc)) from exc
    properties = parameters["properties"]
    for name, text in param_docs.items():
        prop = properties.get(name)
        if prop is None:
            raise ValueError(
                f"tool {tool_name!r}: its docstring describes a parameter {name!r} that the "
                f"function does not have (it has: {', '.join(names) or 'none'})"
            )
        prop.setdefault("description", text)
    return ArgumentsSchema(parameters, model, tuple(positional), tuple(names))


def model_parameters(model: type[pydantic.BaseModel]) -> tuple[dict[str, Any], str]:
    """A pydantic model's JSON schema as tool parameters, and its description (docstring)."""
    schema = _object_schema(model.model_json_schema(schema_generator=_NoFieldTitles))
    description = schema.pop("description", "")
    return schema, str(description)


def _object_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """An object schema as Heroku takes it: ``type`` and ``properties`` always there, no
    ``title`` (the tool has a name) and no ``$schema`` key (JD-prov: Heroku refuses it)."""
    schema.pop("title", None)
    schema.pop("$schema", None)
    schema.setdefault("type", "object")
    schema.setdefault("properties", {})
    return schema


def _which_parameter(
    tool_name: str, names: list[str], hints: dict[str, Any], error: Exception
) -> str:
    for name in names:
        try:
            pydantic.TypeAdapter(hints.get(name, Any)).json_schema()
        except pydantic.PydanticUserError as exc:
            return (
                f"tool {tool_name!r}: parameter {name!r} has a type pydantic cannot validate "
                f"or describe as JSON schema ({hints.get(name)!r}): {exc.message}"
            )
    return f"tool {tool_name!r}: its parameters cannot be described as JSON schema: {error}"
