"""The API's resources: ``client.chat.completions`` and, later, the other endpoints."""

from __future__ import annotations
