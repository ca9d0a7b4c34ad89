"""The event log's format: one ``logging`` record per event, shown as console lines or written as JSON lines.

A record carries ``event`` (the reference's name where its tests read it) and ``fields`` (structured values) as
extras; :class:`JsonLinesFormatter` writes ``{"timestamp", "level", "target", "event", "message", ...fields}``.
The training client (``client.participant.logs``) and the centralized server (``centralized_server.events``)
both log this way, so a testnet reads either log with one reader.
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

__all__ = ["JsonLinesFormatter", "LogFormat", "configure_logging"]


class LogFormat(Enum):
    Console = "console"
    Json = "json"
    Off = "none"  # nothing on the console: the log goes only to --write-log (a launcher that keeps the file)


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
    """Route every record to stderr in ``log_format``, and as JSON lines to ``write_log`` if given."""
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
