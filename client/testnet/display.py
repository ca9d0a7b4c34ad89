"""Where the testnet's progress goes: JSON lines on stdout (``--headless``) or one live status line on a terminal.

Either way every event is also appended as a JSON line to ``testnet.jsonl`` in the log directory, so a
terminal session leaves the same record a headless one prints. The status line is rewritten in place only on a
terminal; written to a file or a pipe, each new status is a line of its own (no cursor codes in the file).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from client.testnet.summary import Summary
from client.testnet.watch import RunSnapshot, json_line, status_line

__all__ = ["Display"]


class Display:
    def __init__(self, headless: bool, log_file: Path, stream: TextIO = sys.stdout) -> None:
        self.headless = headless
        self.stream = stream
        log_file.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_file.open("a")
        self._last: RunSnapshot | None = None
        self._status_shown = False
        self._in_place = stream.isatty()

    def event(self, name: str, message: str, **fields: Any) -> None:
        """A launcher event (ready, client killed or exited): a JSON line, or ``message`` on its own line."""
        line = json.dumps({"event": name, **fields}, sort_keys=True)
        self._record(line)
        self._print(line if self.headless else message)

    def snapshot(self, snap: RunSnapshot, losses: Mapping[str, float], names: Mapping[str, str]) -> None:
        """Show ``snap`` when the run changed since the last one shown (the timestamp alone is no change).

        ``losses`` (latest per client) and ``names`` (client-N) are keyed by wallet, for the live line.
        """
        if self._last is not None and dataclasses.replace(self._last, unix_timestamp=snap.unix_timestamp) == snap:
            return
        self._last = snap
        line = json_line(snap)
        self._record(line)
        if self.headless:
            self._print(line)
        elif self._in_place:
            self.stream.write("\r\x1b[2K" + status_line(snap, losses, names))
            self.stream.flush()
            self._status_shown = True
        else:
            self._print(status_line(snap, losses, names))

    def summary(self, summary: Summary) -> None:
        line = summary.json_line()
        self._record(line)
        self._print(line if self.headless else summary.text())

    def close(self) -> None:
        self._log.close()

    def _record(self, line: str) -> None:
        self._log.write(line + "\n")
        self._log.flush()

    def _print(self, text: str) -> None:
        if self._status_shown:  # end the live status line first
            self.stream.write("\n")
            self._status_shown = False
        self.stream.write(text + "\n")
        self.stream.flush()
