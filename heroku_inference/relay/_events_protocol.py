"""``protocol="events"``: this SDK's own small format, easy to read from plain JavaScript.

Each server-sent event has a name and one line of JSON::

    event: text         data: {"delta": "Hel"}
    event: reasoning    data: {"delta": "The user asks..."}
    event: tool_call    data: {"id": "call_1", "name": "get_weather", "arguments": {...}}
    event: tool_result  data: {"id": "call_1", "name": "get_weather", "output": ...,
                               "is_error": false}
    event: finish       data: {"finish_reason": "stop", "usage": {...}}
    event: error        data: {"message": "...", "type": "StreamError"}
    event: done         data: {}

``done`` comes last, and only after a whole reply; a failed one ends with ``error``.

```javascript
const source = new EventSource("/chat?q=hi");   // or fetch() and read the body
source.addEventListener("text", (e) => output.append(JSON.parse(e.data).delta));
source.addEventListener("done", () => source.close());
```
"""

from __future__ import annotations

from ._frames import Frame, json_text
from ._parts import Failure, Finish, Part, ReasoningDelta, TextDelta, ToolInputDone, ToolOutput

__all__ = ["EventsProtocol"]


class EventsProtocol:
    """Parts to this SDK's events. Stateless: block boundaries are not sent."""

    def __init__(self, message_id: str) -> None:
        self.message_id = message_id

    def open(self) -> list[Frame]:
        return []

    def encode(self, part: Part) -> list[Frame]:
        if isinstance(part, TextDelta):
            return [Frame("text", json_text({"delta": part.delta}))]
        if isinstance(part, ReasoningDelta):
            return [Frame("reasoning", json_text({"delta": part.delta}))]
        if isinstance(part, ToolInputDone):
            data = {"id": part.id, "name": part.name, "arguments": part.input}
            return [Frame("tool_call", json_text(data))]
        if isinstance(part, ToolOutput):
            data = {
                "id": part.id,
                "name": part.name,
                "output": part.output,
                "is_error": part.is_error,
            }
            return [Frame("tool_result", json_text(data))]
        if isinstance(part, Finish):
            data = {"finish_reason": part.finish_reason, "usage": part.usage}
            return [Frame("finish", json_text(data)), Frame("done", "{}")]
        if isinstance(part, Failure):
            return [Frame("error", json_text({"message": part.message, "type": part.type}))]
        return []
