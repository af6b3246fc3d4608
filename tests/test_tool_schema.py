"""``@tool`` and ``Tool``: the schema a function or a model gives the model, and validation."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal

import pydantic
import pytest
from pydantic import BaseModel, Field

from heroku_inference import FunctionTool, Tool, ToolArgumentsError, tool


class Address(BaseModel):
    """Where someone lives."""

    street: str
    city: str = Field(description="The city, in English.")


def test_the_schema_comes_from_the_signature_and_a_google_docstring() -> None:
    @tool
    def get_weather(city: str, unit: Literal["c", "f"] = "c", days: int = 1) -> dict[str, Any]:
        """The current weather in a city.

        Forecasts come from the national service.

        Args:
            city: The city's name.
            unit: Celsius or Fahrenheit.
            days: How many days ahead.

        Returns:
            The weather, as a dict.
        """
        return {"city": city}

    assert get_weather.name == "get_weather"
    assert get_weather.description == (
        "The current weather in a city.\n\nForecasts come from the national service.\n\n"
        "Returns: The weather, as a dict."
    )
    assert get_weather.parameters == {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "city": {"type": "string", "description": "The city's name."},
            "unit": {
                "enum": ["c", "f"],
                "type": "string",
                "default": "c",
                "description": "Celsius or Fahrenheit.",
            },
            "days": {"type": "integer", "default": 1, "description": "How many days ahead."},
        },
        "required": ["city"],
    }
    assert get_weather.to_param() == {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": get_weather.description,
            "parameters": get_weather.parameters,
        },
    }
    assert "$schema" not in json.dumps(get_weather.to_param())
    assert get_weather("Paris") == {"city": "Paris"}  # still the plain function
    assert get_weather.__name__ == "get_weather"
    assert not get_weather.is_async


def test_a_numpy_docstring() -> None:
    @tool
    def convert(amount: float, currency: str) -> float:
        """Convert an amount to euros.

        Parameters
        ----------
        amount : float
            How much money.
        currency : str
            The ISO code of its currency.

        Raises
        ------
        KeyError
            When the currency is unknown.
        """
        return amount

    assert convert.description == (
        "Convert an amount to euros.\n\nRaises KeyError: When the currency is unknown."
    )
    properties = convert.parameters["properties"]
    assert properties["amount"]["description"] == "How much money."
    assert properties["currency"]["description"] == "The ISO code of its currency."


def test_a_rest_docstring() -> None:
    @tool
    def lookup(symbol: str, exchange: str = "NYSE") -> float:
        """Look up a stock's last price.

        :param symbol: The ticker, e.g. CRM.
        :param exchange: Where it trades.
        :returns: The price in dollars.
        """
        return 1.0

    assert lookup.description == "Look up a stock's last price.\n\nReturns: The price in dollars."
    properties = lookup.parameters["properties"]
    assert properties["symbol"]["description"] == "The ticker, e.g. CRM."
    assert properties["exchange"]["description"] == "Where it trades."


def test_annotated_field_descriptions_and_constraints_win_and_are_kept() -> None:
    @tool
    def book(
        guests: Annotated[int, Field(ge=1, le=12, description="People at the table.")],
        name: Annotated[str, Field(min_length=2, max_length=40)],
        when: date,
        note: Annotated[str | None, Field(description="Anything else.")] = None,
    ) -> str:
        """Book a table.

        Args:
            guests: Docstring text that Field's description beats.
            name: Whose name the booking is under.
        """
        return "ok"

    properties = book.parameters["properties"]
    assert properties["guests"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 12,
        "description": "People at the table.",
    }
    assert properties["name"] == {
        "type": "string",
        "minLength": 2,
        "maxLength": 40,
        "description": "Whose name the booking is under.",
    }
    assert properties["when"] == {"type": "string", "format": "date"}
    assert properties["note"]["description"] == "Anything else."
    assert book.parameters["required"] == ["guests", "name", "when"]


def test_a_field_as_the_default_value_counts_as_in_validate_call() -> None:
    @tool
    def page(number: int = Field(1, ge=1, description="The page, from 1.")) -> int:
        return number

    assert page.parameters["properties"]["number"] == {
        "type": "integer",
        "default": 1,
        "minimum": 1,
        "description": "The page, from 1.",
    }
    assert page.bind({})() == 1
    with pytest.raises(ToolArgumentsError, match="greater than or equal to 1"):
        page.bind({"number": 0})


def test_nested_models_and_parameters_named_like_pydantic_attributes() -> None:
    @tool(name="save-contact", description="Save a contact.")
    def save(json: str, schema: Address, copy: bool = False) -> None:
        """Ignored: description= wins."""

    assert save.name == "save-contact"
    assert save.description == "Save a contact."
    properties = save.parameters["properties"]
    assert set(properties) == {"json", "schema", "copy"}
    assert properties["schema"] == {"$ref": "#/$defs/Address"}
    address = save.parameters["$defs"]["Address"]
    assert address["properties"]["city"]["description"] == "The city, in English."
    call = save.bind('{"json": "{}", "schema": {"street": "1 Main St", "city": "Oslo"}}')
    assert call.keywords["schema"] == Address(street="1 Main St", city="Oslo")


def test_bind_validates_against_the_signature() -> None:
    @tool
    def add(a: int, b: Annotated[int, Field(ge=0)] = 0, /) -> int:
        return a + b

    assert add.bind('{"a": 2, "b": 3}')() == 5
    assert add.bind({"a": "4"})() == 4  # pydantic's lax mode, as validate_call
    with pytest.raises(ToolArgumentsError) as missing:
        add.bind("  ")  # no arguments is {}, which misses a
    assert "a: Field required" in str(missing.value)
    with pytest.raises(ToolArgumentsError) as bad:
        add.bind('{"a": "x", "b": -1, "c": 1}')
    message = str(bad.value)
    assert message.startswith("invalid arguments:")
    assert "- a: Input should be a valid integer" in message
    assert "- b: Input should be greater than or equal to 0" in message
    assert "- c: Extra inputs are not permitted" in message
    with pytest.raises(ToolArgumentsError, match="not valid JSON"):
        add.bind('{"a": 1')
    with pytest.raises(ToolArgumentsError, match="must be a JSON object, got list"):
        add.bind("[1, 2]")


def test_long_validation_errors_are_counted_not_listed() -> None:
    fields = {f"f{i}": (int, ...) for i in range(12)}
    Many = pydantic.create_model("Many", **fields)  # type: ignore[call-overload]

    @tool
    def many(m: Many) -> None:  # type: ignore[valid-type]
        pass

    with pytest.raises(ToolArgumentsError) as raised:
        many.bind({"m": {}})
    assert "- and 4 more" in str(raised.value)


@pytest.mark.parametrize("name", ["get weather", "", "x" * 65, "météo", "<lambda>"])
def test_a_name_the_api_refuses_is_an_error_at_decoration(name: str) -> None:
    with pytest.raises(ValueError, match="is not one the API takes"):
        tool(name=name)(lambda: None)


def test_a_lambda_needs_a_name() -> None:
    with pytest.raises(ValueError, match=r"e\.g\. @tool\(name='get_weather'\)"):
        tool(lambda city: city)
    assert tool(name="echo")(lambda city: city).parameters["properties"] == {"city": {}}


def test_a_type_pydantic_cannot_describe_names_the_parameter() -> None:
    class Opaque:
        pass

    def handle(city: str, thing: Opaque) -> None:
        pass

    with pytest.raises(TypeError, match=r"tool 'handle': parameter 'thing' has a type"):
        tool(handle)


def test_star_parameters_and_generators_are_refused() -> None:
    def variadic(*cities: str) -> None:
        pass

    def keywords(**options: str) -> None:
        pass

    def generate(city: str) -> Any:
        yield city

    with pytest.raises(TypeError, match=r"parameter \*cities"):
        tool(variadic)
    with pytest.raises(TypeError, match=r"parameter \*\*options"):
        tool(keywords)
    with pytest.raises(TypeError, match="generator"):
        tool(generate)


def test_a_docstring_describing_a_missing_parameter_is_an_error() -> None:
    def weather(city: str) -> None:
        """Weather.

        Args:
            town: A typo for city.
        """

    with pytest.raises(ValueError, match="describes a parameter 'town'"):
        tool(weather)


def test_unresolvable_hints_say_so() -> None:
    def weather(city: Missing) -> None:  # type: ignore[name-defined]  # noqa: F821
        pass

    with pytest.raises(TypeError, match="cannot be resolved"):
        tool(weather)


def test_hints_may_name_classes_defined_where_the_tool_is() -> None:
    class Local(BaseModel):
        size: int

    @tool
    def measure(item: Local) -> int:
        return item.size

    assert measure.bind({"item": {"size": 3}})() == 3
    assert measure.parameters["properties"]["item"] == {"$ref": "#/$defs/Local"}


def test_async_functions_are_tools_too() -> None:
    @tool
    async def fetch(url: str) -> str:
        """Fetch a page."""
        return url

    assert isinstance(fetch, FunctionTool)
    assert fetch.is_async
    assert fetch.parameters["required"] == ["url"]


def test_a_tool_from_a_pydantic_model() -> None:
    person = Tool.from_model(Address)
    assert person.name == "Address"
    assert person.description == "Where someone lives."
    assert person.parameters == {
        "type": "object",
        "properties": {
            "street": {"type": "string"},
            "city": {"type": "string", "description": "The city, in English."},
        },
        "required": ["street", "city"],
    }
    assert person.validate('{"street": "1 Main St", "city": "Oslo"}').city == "Oslo"
    with pytest.raises(pydantic.ValidationError):
        person.validate("{}")
    named = Tool.from_model(Address, name="where", description="An address.")
    assert named.to_param()["function"]["name"] == "where"
    with pytest.raises(TypeError, match="pydantic model class"):
        Tool.from_model(dict)  # type: ignore[type-var]


def test_plain_tools_have_a_schema_only() -> None:
    plain = Tool("lookup", "", {"type": "object", "properties": {}})
    assert plain.to_param() == {
        "type": "function",
        "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}},
    }
    assert repr(plain) == "Tool(name='lookup')"
