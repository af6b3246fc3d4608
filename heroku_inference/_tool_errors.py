"""The errors of tools, the tool runner and structured output.

HerokuInferenceError
├── ToolArgumentsError        arguments from the model that a tool cannot take (reported)
├── UnknownToolError          a call to a tool the runner cannot run (reported)
├── MaxRoundsExceeded         .messages .completion: the model still called tools
└── StructuredOutputError     .raw .errors .completion: parse() got no valid model
    ├── LengthFinishReasonError   the answer was cut off by max_tokens
    └── RefusalError              the model refused
"""

from __future__ import annotations

from typing import Any

from ._exceptions import HerokuInferenceError
from .types.chat import ChatCompletion

__all__ = [
    "LengthFinishReasonError",
    "MaxRoundsExceeded",
    "RefusalError",
    "StructuredOutputError",
    "ToolArgumentsError",
    "UnknownToolError",
]


class ToolArgumentsError(HerokuInferenceError, ValueError):
    """Arguments from the model that a tool cannot take; ``str()`` is what the model is told.

    The tool runner does not raise it: it reports it in ``tool_call.result`` (``error``) and
    sends it to the model, which can call the tool again with corrected arguments.
    """


class UnknownToolError(HerokuInferenceError, LookupError):
    """The model called a tool the runner has no function for (reported, not raised)."""


class MaxRoundsExceeded(HerokuInferenceError):
    """The model still called tools after ``max_rounds`` rounds.

    The tools of the last round have run, so ``messages`` (the history so far) ends with their
    results: pass it to ``run_tools()`` again to give the model more rounds.
    """

    def __init__(self, message: str, *, messages: list[Any], completion: ChatCompletion) -> None:
        super().__init__(message)
        self.messages = messages
        self.completion = completion


class StructuredOutputError(HerokuInferenceError):
    """``parse()`` could not get a valid ``response_format`` model from the model.

    ``raw`` is the last answer (the tool call's arguments, or the text when the model did not
    call the tool), ``errors`` the validation errors (pydantic's dicts), ``completion`` the
    last completion.
    """

    def __init__(
        self,
        message: str,
        *,
        raw: str | None,
        errors: list[dict[str, Any]],
        completion: ChatCompletion,
    ) -> None:
        super().__init__(message)
        self.raw = raw
        self.errors = errors
        self.completion = completion


class LengthFinishReasonError(StructuredOutputError):
    """The answer was cut off by ``max_tokens`` (``finish_reason="length"``)."""


class RefusalError(StructuredOutputError):
    """The model refused to answer (``message.refusal``, or ``finish_reason="content_filter"``)."""


for _name in __all__:
    globals()[_name].__module__ = "heroku_inference"
del _name
