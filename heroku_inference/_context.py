"""``Context``: what a resource needs to make calls, and nothing else.

A client holds one; its resources receive it. ``with_options()`` builds a new context (new
settings, the same driver and so the same connection pool) and a new client around it, so
every resource, including any added later, follows the options.

A context may hold settings of its own for an endpoint family (``"embeddings"``, ``"images"``,
``"rerank"``): a client built from the environment sends embeddings with ``EMBEDDING_URL`` /
``EMBEDDING_KEY`` when they are set (see ``_resource_settings``). ``settings_for(family)``
gives the settings a call of that family uses.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ._config import Settings
from ._logs import logger
from ._transport import AsyncDriver, SyncDriver

__all__ = ["AsyncContext", "Context", "SyncContext"]

DriverT = TypeVar("DriverT", AsyncDriver, SyncDriver)

_PER_FAMILY = frozenset({"model"})
"""Settings ``replace()`` leaves alone in a family's own settings: its model is its own."""


@dataclass(frozen=True, slots=True)
class Context(Generic[DriverT]):
    """The settings calls are built from, and the driver that sends them.

    ```python
    settings = context.settings_for("embeddings")
    outcome = await context.driver.run(settings, build_embeddings_call(settings, params))
    ```
    """

    settings: Settings
    driver: DriverT
    families: Mapping[str, Settings] = field(default_factory=dict)
    """Settings of their own for some endpoint families, e.g. ``{"embeddings": ...}``."""

    def settings_for(self, family: str) -> Settings:
        """The settings of a call of ``family``: its own when it has some, the client's
        otherwise. Says which at debug level."""
        settings = self.families.get(family, self.settings)
        if logger.isEnabledFor(logging.DEBUG):
            used = ", ".join(settings.variables) or "no environment variable"
            own = "its own settings" if family in self.families else "the client's settings"
            logger.debug("%s: %s (%s)", family, own, used)
        return settings

    def replace(self, **changes: Any) -> Context[DriverT]:
        """The same driver, with some settings changed (in each family's settings too, but
        for the model, which each family keeps)."""
        shared = {key: value for key, value in changes.items() if key not in _PER_FAMILY}
        families = {
            family: dataclasses.replace(settings, **shared) if shared else settings
            for family, settings in self.families.items()
        }
        return Context(dataclasses.replace(self.settings, **changes), self.driver, families)


AsyncContext = Context[AsyncDriver]
SyncContext = Context[SyncDriver]
