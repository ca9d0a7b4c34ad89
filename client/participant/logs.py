"""The training client's log: one ``logging`` record per event, shown as console lines or JSON lines.

Event names are the reference's where its tests read them (spec client-training.md §7): ``loaded_model``,
``state_change``, ``client_loss`` (``trained_batches``, ``loss``), ``witness`` (the metadata: ``loss``,
``tokens_per_sec``), ``health_check``, ``untrained_batches``; plus ``round`` for the per-round progress line.
"""

from __future__ import annotations

import json
import logging
import math
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Any

__all__ = ["LogFormat", "configure_logging", "emit", "EVENT_LOGGER"]

EVENT_LOGGER = "psyche.train"
_log = logging.getLogger(EVENT_LOGGER)


class LogFormat(Enum):
    Console = "console"
    Json = "json"
    Off = "none"  # nothing on the console: the log goes only to --write-log (a launcher that keeps the file)


def emit(event: str, message: str, **fields: Any) -> None:
    """Log ``event`` with structured ``fields``; the console shows ``message``, JSON lines show everything."""
    _log.info(message, extra={"event": event, "fields": fields})


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value if isinstance(value, (int, float, str, bool, type(None), list, dict)) else str(value)


class JsonLinesFormatter(logging.Formatter):
    """``{"timestamp", "level", "target", "event", "message", ...fields}`` per line."""

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "target": record.name,
            "event": getattr(record, "event", None),
            "message": record.getMessage(),
        }
        for key, value in getattr(record, "fields", {}).items():
            body[key] = _jsonable(value)
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        return json.dumps(body)


def configure_logging(log_format: LogFormat, write_log: Path | None = None, level: int = logging.INFO) -> None:
    """Route the client's records to stderr in ``log_format``, and as JSON lines to ``write_log`` if given."""
    handlers: list[logging.Handler] = []
    if log_format is not LogFormat.Off:
        console: logging.Formatter = (
            JsonLinesFormatter()
            if log_format is LogFormat.Json
            else logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S")
        )
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(console)
        handlers.append(handler)
    if write_log is not None:
        file_handler = logging.FileHandler(write_log)
        file_handler.setFormatter(JsonLinesFormatter())
        handlers.append(file_handler)
    logging.basicConfig(level=level, handlers=handlers or [logging.NullHandler()], force=True)
    for chatty in ("aiohttp", "httpx", "httpcore", "websockets"):  # a line per request would drown the events
        logging.getLogger(chatty).setLevel(logging.WARNING)
