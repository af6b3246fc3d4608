"""``chat.completions.parse()`` on both clients, with the emulator playing the model."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field

from heroku_inference import (
    LengthFinishReasonError,
    ParsedChatCompletion,
    RefusalError,
    StructuredOutputError,
)
from heroku_inference.testing import Emulator

from .flavors import Flavor, both

ASK = [{"role": "user", "content": "Alice is 31 and lives in Oslo."}]
THINKING = {"enabled": True, "budget_tokens": 1024, "include_reasoning": True}


class Address(BaseModel):
    city: str
    country: Literal["NO", "FR", "US"]


class Person(BaseModel):
    """A person mentioned in the text."""

    name: Annotated[str, Field(min_length=2)]
    age: Annotated[int, Field(ge=18, le=120)]
    address: Address
    tags: Annotated[list[str], Field(min_length=2)]


def client_of(api: Flavor, emu: Emulator) -> Any:
    return emu.async_client() if api.is_async else emu.client()


async def parse(api: Flavor, emu: Emulator, **params: Any) -> ParsedChatCompletion[Any]:
    params.setdefault("messages", ASK)
    params.setdefault("response_format", Person)
    client = client_of(api, emu)
    try:
        if api.is_async:
            completion: ParsedChatCompletion[Any] = await client.chat.completions.parse(**params)
        else:
            completion = client.chat.completions.parse(**params)
        return completion
    finally:
        await api.close(client)


def person_call(**arguments: Any) -> list[dict[str, Any]]:
    return [{"name": "Person", "arguments": arguments}]


ALICE = {
    "name": "Alice",
    "age": 31,
    "address": {"city": "Oslo", "country": "NO"},
    "tags": ["a", "b"],
}


@both
async def test_the_model_answers_through_a_forced_tool_call(api: Flavor) -> None:
    emu = Emulator()
    emu.reply(tool_calls=person_call(**ALICE))

    completion = await parse(api, emu)

    person = completion.choices[0].message.parsed
    assert isinstance(person, Person)
    assert person == Person.model_validate(ALICE)
    assert isinstance(completion, ParsedChatCompletion)
    assert completion._request_id == "req_emulator_000001"
    body = emu.requests[0].body
    assert body["tool_choice"] == {"type": "function", "function": {"name": "Person"}}
    assert [t["function"]["name"] for t in body["tools"]] == ["Person"]
    assert body["tools"][0]["function"]["description"] == "A person mentioned in the text."
    assert "response_format" not in body


@both
async def test_the_emulator_answers_a_forced_tool_with_arguments_that_fit(api: Flavor) -> None:
    # Unscripted: the emulator makes arguments from the schema (refs, bounds, lengths, enums).
    completion = await parse(api, Emulator())
    person = completion.choices[0].message.parsed
    assert person == Person(
        name="example",
        age=18,
        address=Address(city="example", country="NO"),
        tags=["example", "example"],
    )


@both
async def test_one_re_ask_with_the_validation_errors_succeeds(api: Flavor) -> None:
    emu = Emulator()
    emu.reply(tool_calls=person_call(**{**ALICE, "age": 7}))
    emu.reply(tool_calls=person_call(**ALICE))

    completion = await parse(api, emu)

    assert completion.choices[0].message.parsed == Person.model_validate(ALICE)
    assert len(emu.requests) == 2
    retry = emu.requests[1].body["messages"]
    assert [m["role"] for m in retry] == ["user", "assistant", "tool"]
    assert retry[2]["content"] == (
        "Error: invalid arguments:\n- age: Input should be greater than or equal to 18\n"
        "Call Person again, corrected."
    )
    assert retry[2]["tool_call_id"] == retry[1]["tool_calls"][0]["id"]


@both
async def test_a_final_failure_carries_the_raw_answer_errors_and_completion(api: Flavor) -> None:
    emu = Emulator()
    emu.reply(tool_calls=person_call(**{**ALICE, "age": 7}))
    emu.reply(tool_calls=person_call(**{**ALICE, "name": "A"}))

    with pytest.raises(StructuredOutputError) as raised:
        await parse(api, emu)

    error = raised.value
    assert type(error) is StructuredOutputError
    assert json.loads(str(error.raw))["name"] == "A"
    assert [e["loc"] for e in error.errors] == [("name",)]
    assert error.completion.choices[0].message.tool_calls
    assert "no retries left" in str(error)
    assert len(emu.requests) == 2


@both
async def test_the_same_errors_twice_stop_early(api: Flavor) -> None:
    emu = Emulator()
    emu.reply(tool_calls=person_call(**{**ALICE, "age": 7}), times=2)
    with pytest.raises(StructuredOutputError, match="the same errors twice"):
        await parse(api, emu, output_retries=5)
    assert len(emu.requests) == 2


@both
async def test_no_retries_means_one_request(api: Flavor) -> None:
    emu = Emulator()
    emu.reply(tool_calls=person_call(age="old"))
    with pytest.raises(StructuredOutputError):
        await parse(api, emu, output_retries=0)
    assert len(emu.requests) == 1


@both
async def test_with_thinking_the_tool_is_offered_and_text_is_re_asked(api: Flavor) -> None:
    emu = Emulator()
    emu.reply(text="Alice, 31, Oslo.")
    emu.reply(tool_calls=person_call(**ALICE))

    completion = await parse(api, emu, extended_thinking=THINKING, max_tokens=4096)

    assert completion.choices[0].message.parsed == Person.model_validate(ALICE)
    first, second = (request.body for request in emu.requests)
    assert first["tool_choice"] == "auto"  # Claude refuses a forced choice while thinking
    assert first["extended_thinking"] == THINKING
    assert second["messages"][1:] == [
        {"role": "assistant", "content": "Alice, 31, Oslo."},
        {
            "role": "user",
            "content": "Give your answer by calling the tool Person: a plain-text answer "
            "cannot be used.",
        },
    ]


@both
async def test_with_thinking_a_re_ask_after_invalid_arguments_is_sent_without_it(
    api: Flavor,
) -> None:
    # The re-ask continues a tool loop, which Claude (and the emulator) refuses with thinking.
    emu = Emulator()
    emu.reply(tool_calls=person_call(**{**ALICE, "age": "old"}))
    emu.reply(tool_calls=person_call(**ALICE))

    completion = await parse(api, emu, extended_thinking=THINKING, max_tokens=4096)

    assert completion.choices[0].message.parsed == Person.model_validate(ALICE)
    first, second = (request.body for request in emu.requests)
    assert first["extended_thinking"] == THINKING
    assert first["tool_choice"] == "auto"
    assert "extended_thinking" not in second
    assert second["max_tokens"] == 4096
    assert second["tool_choice"] == {"type": "function", "function": {"name": "Person"}}


@both
async def test_text_twice_is_a_structured_output_error(api: Flavor) -> None:
    emu = Emulator()
    with pytest.raises(StructuredOutputError) as raised:
        await parse(api, emu, extended_thinking=THINKING, output_retries=3)
    # The emulator echoes the same text each time: the same error twice ends it.
    assert raised.value.errors[0]["type"] == "missing_tool_call"
    assert raised.value.raw == raised.value.completion.choices[0].message.content
    assert len(emu.requests) == 2


@both
async def test_a_reply_cut_off_by_max_tokens_is_not_a_validation_error(api: Flavor) -> None:
    emu = Emulator()
    emu.reply(tool_calls=[{"name": "Person", "arguments": '{"name": "Al'}], finish_reason="length")
    with pytest.raises(LengthFinishReasonError, match="raise max_tokens") as raised:
        await parse(api, emu)
    assert raised.value.raw == '{"name": "Al'
    assert len(emu.requests) == 1


@both
async def test_a_refusal_is_not_a_validation_error(api: Flavor) -> None:
    emu = Emulator()
    emu.reply(text="I can't help with that.", finish_reason="content_filter")
    with pytest.raises(RefusalError, match="refused"):
        await parse(api, emu)
    assert len(emu.requests) == 1


@both
async def test_long_validation_errors_are_cut(api: Flavor) -> None:
    class Wide(BaseModel):
        values: list[Annotated[str, Field(max_length=1)]]

    emu = Emulator()
    emu.reply(tool_calls=[{"name": "Wide", "arguments": {"values": ["long" * 200] * 30}}])
    emu.reply(tool_calls=[{"name": "Wide", "arguments": {"values": ["x"]}}])
    completion = await parse(api, emu, response_format=Wide)
    assert completion.choices[0].message.parsed == Wide(values=["x"])
    feedback = emu.requests[1].body["messages"][2]["content"]
    assert len(feedback) <= 2000
    assert "- and 22 more" in feedback


@both
async def test_what_parse_chooses_itself_is_refused(api: Flavor) -> None:
    emu = Emulator()
    for field, value in (("tools", []), ("tool_choice", "auto"), ("stream", True)):
        with pytest.raises(TypeError, match=f"unexpected keyword argument '{field}'"):
            await parse(api, emu, **{field: value})
    with pytest.raises(TypeError, match="pydantic model class"):
        await parse(api, emu, response_format=dict)
    with pytest.raises(ValueError, match="output_retries"):
        await parse(api, emu, output_retries=-1)
    assert emu.requests == []
