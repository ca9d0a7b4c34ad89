"""What the launcher reads back from the clients' JSON-lines logs: their events, and the weights each ended with.

A client's ``exit`` line (written by ``train`` when it leaves the run) carries the last step it trained and the
sha256 of its parameters (:func:`client.participant.pipeline.parameter_hash`, the hash the in-process tests
compare). A restarted client appends to the same log, so the launcher reads the exit line only from the part
its latest process wrote: a killed process's exit is never taken for the one that replaced it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from client.participant.logs import EVENT_LOGGER

__all__ = ["EventTail", "FinalWeights", "read_events", "read_final_weights", "weights_identical"]

EXIT_EVENT = "exit"


@dataclass(frozen=True)
class FinalWeights:
    """``step``: the last step the process trained (None: none); ``parameter_hash``: None when it held no model."""

    step: int | None
    parameter_hash: str | None


def read_events(log_file: Path, event: str, offset: int = 0) -> list[dict[str, Any]]:
    """The client's ``event`` lines from byte ``offset`` on, in order; none when the file is missing.

    The client may be writing the file as it is read, so an incomplete final line is expected and skipped.
    """
    if not log_file.exists():
        return []
    with log_file.open("rb") as stream:
        stream.seek(offset)
        return _events_in(stream.read(), event)


class EventTail:
    """A growing log read a piece at a time: each call parses only the complete lines written since the last.

    The live view asks for the latest loss twice a second for the whole run; rereading whole logs each time
    would cost more the longer the run.
    """

    def __init__(self, log_file: Path, event: str) -> None:
        self.log_file = log_file
        self.event = event
        self._offset = 0

    def new_events(self) -> list[dict[str, Any]]:
        if not self.log_file.exists():
            return []
        with self.log_file.open("rb") as stream:
            stream.seek(self._offset)
            written = stream.read()
        complete = written[: written.rfind(b"\n") + 1]  # a line still being written is read once it is whole
        self._offset += len(complete)
        return _events_in(complete, self.event)


def _events_in(data: bytes, event: str) -> list[dict[str, Any]]:
    events = []
    for line in data.decode(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and record.get("target") == EVENT_LOGGER and record.get("event") == event:
            events.append(record)
    return events


def read_final_weights(log_file: Path, offset: int) -> FinalWeights | None:
    """The weights the process that started writing at ``offset`` left with; None if it logged no exit."""
    exits = read_events(log_file, EXIT_EVENT, offset)
    if not exits:
        return None
    last = exits[-1]
    return FinalWeights(last.get("step"), last.get("parameter_hash"))


def weights_identical(finals: Iterable[FinalWeights | None]) -> bool:
    """Do the clients that trained the last step any client trained all hold the same weights? False if none did.

    >>> weights_identical([FinalWeights(6, "ab"), FinalWeights(6, "ab"), FinalWeights(3, "cd"), None])
    True
    >>> weights_identical([FinalWeights(6, "ab"), FinalWeights(6, "cd")])
    False
    """
    reported = [final for final in finals if final is not None and final.step is not None]
    if not reported:
        return False
    last = max(final.step for final in reported if final.step is not None)
    hashes = {final.parameter_hash for final in reported if final.step == last}
    return len(hashes) == 1 and None not in hashes
