"""The server's log: one ``logging`` record per event, with structured fields (shown as lines or JSON lines)."""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["SERVER_LOGGER", "emit"]

SERVER_LOGGER = "psyche.centralized_server"
_log = logging.getLogger(SERVER_LOGGER)


def emit(event: str, message: str, *, level: int = logging.INFO, **fields: Any) -> None:
    """Log ``event``: the console shows ``message``, JSON lines carry ``event`` and every field."""
    _log.log(level, message, extra={"event": event, "fields": fields})
