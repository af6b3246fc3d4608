"""``ParsedChatCompletion``: a chat completion whose message carries a validated model
(``chat.completions.parse()``)."""

from __future__ import annotations

from typing import Generic, TypeVar

import pydantic

from .chat import ChatCompletion, ChatCompletionMessage, Choice

__all__ = ["ParsedChatCompletion", "ParsedChatCompletionMessage", "ParsedChoice"]

ContentT = TypeVar("ContentT")


class ParsedChatCompletionMessage(ChatCompletionMessage, Generic[ContentT]):
    """The reply, with ``parsed``: the ``response_format`` model, validated."""

    parsed: ContentT | None = None


class ParsedChoice(Choice, Generic[ContentT]):
    message: ParsedChatCompletionMessage[ContentT] = pydantic.Field(
        default_factory=ParsedChatCompletionMessage
    )


class ParsedChatCompletion(ChatCompletion, Generic[ContentT]):
    """A ``ChatCompletion`` whose ``choices[0].message.parsed`` is the validated model."""

    choices: list[ParsedChoice[ContentT]] = pydantic.Field(  # type: ignore[assignment]
        default_factory=list
    )
