"""``Context``: what a resource needs to make calls, and nothing else.

A client holds one; its resources receive it. ``with_options()`` builds a new context (new
settings, the same driver and so the same connection pool) and a new client around it, so
every resource, including any added later, follows the options.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ._config import Settings
from ._transport import AsyncDriver, SyncDriver

__all__ = ["AsyncContext", "Context", "SyncContext"]

DriverT = TypeVar("DriverT", AsyncDriver, SyncDriver)


@dataclass(frozen=True, slots=True)
class Context(Generic[DriverT]):
    """The settings calls are built from, and the driver that sends them.

    ```python
    call = build_chat_call(context.settings, params, stream=False)
    outcome = await context.driver.run(context.settings, call)
    ```
    """

    settings: Settings
    driver: DriverT

    def replace(self, **changes: Any) -> Context[DriverT]:
        """The same driver, with some settings changed."""
        return Context(dataclasses.replace(self.settings, **changes), self.driver)


AsyncContext = Context[AsyncDriver]
SyncContext = Context[SyncDriver]
