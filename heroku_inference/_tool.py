"""``@tool`` and ``Tool``: Python functions and pydantic models as tools a model can call.

```python
from typing import Annotated, Literal

from pydantic import Field

from heroku_inference import tool


@tool
def get_weather(city: str, unit: Literal["c", "f"] = "c") -> dict:
    \"\"\"The current weather in a city.

    Args:
        city: The city's name.
        unit: Celsius or Fahrenheit.
    \"\"\"
    return {"city": city, "temperature": 18, "unit": unit}


get_weather.to_param()  # {"type": "function", "function": {"name": "get_weather", ...}}
get_weather("Paris")  # still the plain function
```
"""

from __future__ import annotations

import functools
import inspect
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar, overload

import pydantic
from typing_extensions import ParamSpec

from ._tool_errors import ToolArgumentsError
from ._tool_schema import ArgumentsSchema, arguments_schema, describe, model_parameters

__all__ = ["FunctionTool", "ModelTool", "Tool", "tool"]

P = ParamSpec("P")
R = TypeVar("R")
M = TypeVar("M", bound=pydantic.BaseModel)

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_ERRORS_SHOWN = 8
"""Validation errors quoted back to the model, at most; the rest are counted."""


def check_name(name: object) -> str:
    """``name`` if the API takes it as a tool name, else a ``ValueError`` saying what does."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ValueError(
            f"tool name {name!r} is not one the API takes: use 1 to 64 letters, digits, '_' or "
            "'-' (e.g. @tool(name='get_weather'))"
        )
    return name


class Tool:
    """A tool as the model sees it: a name, a description and a JSON schema of its arguments.

    ``Tool.from_model(Person)`` makes one from a pydantic model (schema only: nothing to run);
    ``@tool`` makes a ``FunctionTool`` that also runs a function. Either goes in ``tools=``
    wherever a tool dict does.
    """

    name: str
    description: str
    parameters: dict[str, Any]

    def __init__(self, name: str, description: str, parameters: Mapping[str, Any]) -> None:
        self.name = check_name(name)
        self.description = description
        self.parameters = dict(parameters)

    @classmethod
    def from_model(
        cls, model: type[M], *, name: str | None = None, description: str | None = None
    ) -> ModelTool[M]:
        """A tool whose arguments are ``model``: its name is the model's (unless given), its
        description the model's docstring.

        ```python
        class Person(BaseModel):
            \"\"\"A person mentioned in the text.\"\"\"

            name: str
            age: int


        tools = [Tool.from_model(Person)]
        ```
        """
        if not (isinstance(model, type) and issubclass(model, pydantic.BaseModel)):
            raise TypeError(f"from_model() takes a pydantic model class, got {model!r}")
        parameters, doc = model_parameters(model)
        tool_name = name if name is not None else re.sub(r"[^a-zA-Z0-9_-]", "_", model.__name__)
        return ModelTool(
            model, tool_name[:64], doc if description is None else description, parameters
        )

    def to_param(self) -> dict[str, Any]:
        """The tool as the API takes it: ``{"type": "function", "function": {...}}``."""
        function: dict[str, Any] = {"name": self.name}
        if self.description:
            function["description"] = self.description
        function["parameters"] = self.parameters
        return {"type": "function", "function": function}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class ModelTool(Tool, Generic[M]):
    """A schema-only tool from a pydantic model (``Tool.from_model``)."""

    def __init__(
        self, model: type[M], name: str, description: str, parameters: Mapping[str, Any]
    ) -> None:
        super().__init__(name, description, parameters)
        self.model = model

    def validate(self, arguments: str) -> M:
        """The model's arguments (JSON text) as an instance; ``pydantic.ValidationError`` if
        they do not fit."""
        return self.model.model_validate_json(arguments or "{}")


class FunctionTool(Tool, Generic[P, R]):
    """A function the model can call (made by ``@tool``). Calling it calls the function.

    ``bind(arguments)`` validates the model's JSON arguments against the signature and returns
    the call to make; arguments that do not fit raise an error whose text tells the model
    what to correct.
    """

    def __init__(
        self,
        function: Callable[P, R],
        *,
        name: str | None = None,
        description: str | None = None,
        local_names: dict[str, Any] | None = None,
    ) -> None:
        if inspect.isasyncgenfunction(function) or inspect.isgeneratorfunction(function):
            raise TypeError(
                f"@tool cannot wrap the generator {function!r}: a tool returns one result"
            )
        tool_name = check_name(name if name is not None else getattr(function, "__name__", ""))
        docs = describe(inspect.getdoc(function))
        self._schema: ArgumentsSchema = arguments_schema(
            function, tool_name, docs.params, local_names
        )
        super().__init__(
            tool_name, docs.text if description is None else description, self._schema.parameters
        )
        self.function: Callable[P, R] = function
        self.is_async = inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(
            getattr(function, "__call__", None)  # noqa: B004 (an object with async __call__)
        )
        functools.update_wrapper(self, function)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.function(*args, **kwargs)

    def bind(self, arguments: str | Mapping[str, Any]) -> Callable[[], R]:
        """The call to make for the model's ``arguments`` (JSON text or a dict), validated.

        Raises ``ToolArgumentsError`` (a ``ValueError``) with a message for the model when the
        arguments are not a JSON object or do not fit the signature.
        """
        if isinstance(arguments, str):
            text = arguments.strip() or "{}"
            try:
                decoded = json.loads(text)
            except (ValueError, RecursionError) as exc:  # RecursionError: absurd nesting
                raise ToolArgumentsError(
                    f"the arguments are not valid JSON ({exc}); send a JSON object"
                ) from None
        else:
            decoded = arguments
        if not isinstance(decoded, Mapping):
            raise ToolArgumentsError(
                f"the arguments must be a JSON object, got {type(decoded).__name__}"
            )
        try:
            instance = self._schema.model.model_validate(decoded)
        except pydantic.ValidationError as exc:
            raise ToolArgumentsError(describe_errors(exc)) from exc
        args, kwargs = self._schema.call_arguments(instance)
        return functools.partial(self.function, *args, **kwargs)


def describe_errors(error: pydantic.ValidationError) -> str:
    """A validation error as a few lines a model can act on: where, and what is wrong."""
    errors = error.errors(include_url=False)
    lines = []
    for item in errors[:_ERRORS_SHOWN]:
        where = ".".join(str(part) for part in item["loc"]) or "arguments"
        lines.append(f"- {where}: {item['msg']}")
    if len(errors) > _ERRORS_SHOWN:
        lines.append(f"- and {len(errors) - _ERRORS_SHOWN} more")
    return "invalid arguments:\n" + "\n".join(lines)


@overload
def tool(function: Callable[P, R], /) -> FunctionTool[P, R]: ...
@overload
def tool(
    *, name: str | None = None, description: str | None = None
) -> Callable[[Callable[P, R]], FunctionTool[P, R]]: ...


def tool(
    function: Callable[P, R] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
) -> FunctionTool[P, R] | Callable[[Callable[P, R]], FunctionTool[P, R]]:
    """Make a function (``def`` or ``async def``) a tool; ``@tool`` or ``@tool(name=...)``.

    The schema comes from the signature's type hints (``Annotated[..., Field(...)]``
    descriptions and constraints included) and the docstring (Google, NumPy or reST style).
    A name the API would refuse, or a parameter type that cannot be described as JSON
    schema, is an error here, at decoration.

    ```python
    @tool
    async def get_stock_price(symbol: str) -> float:
        \"\"\"The last trade price of a stock.

        Args:
            symbol: The ticker, e.g. "CRM".
        \"\"\"
        return 310.5
    ```
    """
    if function is not None:
        return FunctionTool(
            function, name=name, description=description, local_names=_callers_names()
        )

    def decorate(function: Callable[P, R]) -> FunctionTool[P, R]:
        return FunctionTool(
            function, name=name, description=description, local_names=_callers_names()
        )

    return decorate


def _callers_names() -> dict[str, Any] | None:
    """The local names where ``@tool`` was applied (two frames up), as pydantic's
    ``validate_call`` captures them: a tool declared in a function may name classes defined
    there."""
    frame = inspect.currentframe()
    caller = frame.f_back.f_back if frame is not None and frame.f_back is not None else None
    try:
        return dict(caller.f_locals) if caller is not None else None
    finally:
        del frame, caller
