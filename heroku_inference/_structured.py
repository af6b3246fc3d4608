"""``chat.completions.parse()``: a validated pydantic model from the model, on a server that
ignores ``response_format``.

Heroku accepts ``response_format`` only as an ignored parameter, so the model's schema goes in
as one tool, and ``tool_choice`` forces the model to call it; its arguments are the answer.
When they do not validate, the model is asked again (``output_retries`` times, default 1) with
the validation errors in the tool result, shortened; the same errors twice end it early, as
another try would cost as much and fail the same way. Then ``StructuredOutputError``.

With thinking on, Claude refuses a forced tool choice, so the tool is offered with ``"auto"``
and a plain-text answer is met with a request to answer through the tool instead.

A reply cut off by ``max_tokens`` raises ``LengthFinishReasonError`` and a refusal
``RefusalError`` (both ``StructuredOutputError``s): asking again would not help.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar

import pydantic

from ._call_params import check_keywords
from ._context import AsyncContext, SyncContext
from ._responses import parse_response
from ._thinking_checks import needs_thinking_off, thinking_requested, without_thinking
from ._tool import ModelTool, Tool, describe_errors
from ._tool_defaults import DEFAULT_OUTPUT_RETRIES
from ._tool_errors import LengthFinishReasonError, RefusalError, StructuredOutputError
from .resources._chat_call import build_chat_call, replayable_message
from .types.chat import ChatCompletion
from .types.chat_params import ChatCompletionRequestParams
from .types.chat_parsed import ParsedChatCompletion

__all__ = ["DEFAULT_OUTPUT_RETRIES", "StructuredOutput", "parse_async", "parse_sync"]

M = TypeVar("M", bound=pydantic.BaseModel)

METHOD = "parse"
_KIND = "a chat completion"
MAX_FEEDBACK_CHARS = 2000
"""Validation errors sent back to the model are cut to this length: every re-ask resends the
whole history, so a long error is paid for again on each one."""

_KNOWN = (
    ChatCompletionRequestParams.__required_keys__ | ChatCompletionRequestParams.__optional_keys__
)
_REFUSED = {
    "tools": "parse() gives the model one tool, its answer; to let it call your tools first, "
    "use run_tools(), then parse() the conversation.",
    "tool_choice": "parse() chooses the tool itself.",
    "parallel_tool_calls": "parse() asks for one tool call.",
    "stream": "parse() does not stream; use stream() and validate the final arguments.",
}


class StructuredOutput(Generic[M]):
    """The rounds of one ``parse()`` call, without I/O: what to send, what came back."""

    def __init__(
        self,
        response_format: type[M],
        params: Mapping[str, Any],
        *,
        output_retries: int,
        model: str | None,
    ) -> None:
        check_keywords(params, _KNOWN, METHOD, refused=_REFUSED)
        if not (
            isinstance(response_format, type) and issubclass(response_format, pydantic.BaseModel)
        ):
            raise TypeError(
                f"{METHOD}(): response_format must be a pydantic model class, got "
                f"{response_format!r}"
            )
        if (
            isinstance(output_retries, bool)
            or not isinstance(output_retries, int)
            or (output_retries < 0)
        ):
            raise ValueError(
                f"{METHOD}(): output_retries must be an integer >= 0, got {output_retries!r}"
            )
        if "messages" not in params:
            raise TypeError(f"{METHOD}() missing required keyword argument: 'messages'")
        messages = params["messages"]
        if isinstance(messages, str | bytes | Mapping) or not isinstance(messages, Iterable):
            raise TypeError(f"{METHOD}(): messages must be a list of messages")
        self.model = response_format
        self.tool: ModelTool[M] = _answer_tool(response_format)
        if not self.tool.description:
            self.tool.description = f"Give your answer as {self.tool.name}."
        self.completion_type: type[ParsedChatCompletion[M]] = ParsedChatCompletion[response_format]  # type: ignore[valid-type]
        self.history: list[Any] = list(messages)
        self.params = {k: v for k, v in params.items() if k != "messages"}
        self.forced = not thinking_requested(params, model)
        self.retries_left = output_retries
        self._last_errors: list[tuple[Any, ...]] | None = None

    def request_params(self) -> dict[str, Any]:
        """The keyword arguments of the next request.

        A re-ask after invalid arguments continues a tool loop, which Claude refuses with
        thinking on (the thinking block cannot be sent back), so it goes without thinking, as
        the tool runner's later rounds do; and with thinking off, the tool can be forced.
        """
        thinking_off = needs_thinking_off(self.history)
        forced = self.forced or thinking_off
        choice: Any = (
            {"type": "function", "function": {"name": self.tool.name}} if forced else "auto"
        )
        params = {
            **self.params,
            "messages": self.history,
            "tools": [self.tool],
            "tool_choice": choice,
        }
        return without_thinking(params) if thinking_off else params

    def take(self, completion: ParsedChatCompletion[M]) -> ParsedChatCompletion[M] | None:
        """``completion`` with ``parsed`` set, or ``None`` to ask again; raises
        ``StructuredOutputError`` when there is no asking again."""
        if not completion.choices:
            raise StructuredOutputError(
                "The completion has no choices", raw=None, errors=[], completion=completion
            )
        choice = completion.choices[0]
        message = choice.message
        if choice.finish_reason == "length":
            raise LengthFinishReasonError(
                "The answer was cut off by max_tokens (finish_reason='length') before "
                f"{self.tool.name} was complete; raise max_tokens.",
                raw=_arguments(message) or message.content,
                errors=[],
                completion=completion,
            )
        if message.refusal or choice.finish_reason == "content_filter":
            raise RefusalError(
                f"The model refused to answer: {message.refusal or 'content filtered'}",
                raw=message.refusal,
                errors=[],
                completion=completion,
            )
        calls = [c for c in message.tool_calls or () if c.function.name == self.tool.name]
        feedback: list[dict[str, Any]] = []
        if not calls:
            raw = message.content
            errors = [_no_call_error(self.tool.name, raw)]
            note = (
                f"Give your answer by calling the tool {self.tool.name}: a plain-text answer "
                "cannot be used."
            )
            feedback.append({"role": "user", "content": note})
        else:
            raw = calls[0].function.arguments
            try:
                message.parsed = self.tool.validate(raw)
            except pydantic.ValidationError as exc:
                errors = [dict(error) for error in exc.errors(include_url=False)]
                text = f"Error: {describe_errors(exc)}\nCall {self.tool.name} again, corrected."
            else:
                return completion
            feedback.append({"role": "tool", "tool_call_id": calls[0].id, "content": _cut(text)})
        self._give_up_if_done(raw, errors, completion)
        self._ask_again(message, feedback)
        return None

    def _give_up_if_done(
        self, raw: str | None, errors: list[dict[str, Any]], completion: ChatCompletion
    ) -> None:
        # The same mistakes (where and what, whatever the input) after being told of them:
        # another try would cost as much and most likely fail the same way.
        kinds = [(e.get("type"), tuple(e.get("loc", ())), e.get("msg")) for e in errors]
        repeated = kinds == self._last_errors
        if self.retries_left > 0 and not repeated:
            self.retries_left -= 1
            self._last_errors = kinds
            return
        why = "the same errors twice" if repeated else "no retries left"
        summary = "; ".join(str(error.get("msg")) for error in errors[:3])
        raise StructuredOutputError(
            f"Could not get a valid {self.model.__name__} from the model ({why}): {summary}",
            raw=raw,
            errors=errors,
            completion=completion,
        )

    def _ask_again(self, message: Any, feedback: list[dict[str, Any]]) -> None:
        answered = {item.get("tool_call_id") for item in feedback}
        for call in message.tool_calls or ():
            if call.id not in answered:  # every call needs a result before the next turn
                feedback.append(
                    {"role": "tool", "tool_call_id": call.id, "content": "Error: not used."}
                )
        self.history += [replayable_message(message), *feedback]


def _arguments(message: Any) -> str | None:
    calls = message.tool_calls or ()
    return calls[0].function.arguments if calls else None


def _no_call_error(name: str, text: str | None) -> dict[str, Any]:
    return {
        "type": "missing_tool_call",
        "loc": (),
        "msg": f"The model answered in text instead of calling {name}",
        "input": text,
    }


def _cut(text: str) -> str:
    if len(text) <= MAX_FEEDBACK_CHARS:
        return text
    return text[: MAX_FEEDBACK_CHARS - 20] + "\n... (errors cut)"


@functools.lru_cache(maxsize=64)
def _answer_tool(response_format: type[M]) -> ModelTool[M]:
    """The tool whose schema is ``response_format``'s, built once per model class (making the
    schema is most of what ``parse()`` costs besides the request)."""
    return Tool.from_model(response_format)


async def parse_async(
    context: AsyncContext, response_format: type[M], output_retries: int, params: Mapping[str, Any]
) -> ParsedChatCompletion[M]:
    """``AsyncCompletions.parse()``: ask until the answer validates or there are no retries."""
    settings = context.settings
    state = StructuredOutput(
        response_format,
        params,
        output_retries=output_retries,
        model=params.get("model") or settings.model,
    )
    while True:
        call = build_chat_call(settings, state.request_params(), stream=False, method_name=METHOD)
        outcome = await context.driver.run(settings, call)
        parsed = state.take(parse_response(outcome, state.completion_type, _KIND, marker="choices"))
        if parsed is not None:
            return parsed


def parse_sync(
    context: SyncContext, response_format: type[M], output_retries: int, params: Mapping[str, Any]
) -> ParsedChatCompletion[M]:
    """``Completions.parse()``: ask until the answer validates or there are no retries."""
    settings = context.settings
    state = StructuredOutput(
        response_format,
        params,
        output_retries=output_retries,
        model=params.get("model") or settings.model,
    )
    while True:
        call = build_chat_call(settings, state.request_params(), stream=False, method_name=METHOD)
        outcome = context.driver.run(settings, call)
        parsed = state.take(parse_response(outcome, state.completion_type, _KIND, marker="choices"))
        if parsed is not None:
            return parsed
