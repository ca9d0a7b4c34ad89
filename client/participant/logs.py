"""The training client's events, logged in the format of :mod:`formats.event_log` (console or JSON lines).

Event names are the reference's where its tests read them (spec client-training.md §7): ``loaded_model``,
``state_change``, ``client_loss`` (``trained_batches``, ``loss``), ``witness_elected``, ``witness`` (the
metadata: ``loss``, ``tokens_per_sec``), ``health_check``, ``untrained_batches``; plus ``round`` for the
per-round progress line.
"""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["EVENT_LOGGER", "emit"]

EVENT_LOGGER = "psyche.train"
_log = logging.getLogger(EVENT_LOGGER)


def emit(event: str, message: str, **fields: Any) -> None:
    """Log ``event`` with structured ``fields``; the console shows ``message``, JSON lines show everything."""
    _log.info(message, extra={"event": event, "fields": fields})
