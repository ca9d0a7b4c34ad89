"""What the launcher reads back from the clients' JSON-lines logs: their events, and the weights each ended with.

A client's ``exit`` line (written by ``train`` when it leaves the run) carries the last step it trained and the
sha256 of its parameters (:func:`client.participant.pipeline.parameter_hash`, the hash the in-process tests
compare), with its MatFormer tier and the hashes of its weights' narrower tier slices. A restarted client appends
to the same log, so the launcher reads the exit line only from the part its latest process wrote: a killed
process's exit is never taken for the one that replaced it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from client.participant.logs import EVENT_LOGGER

__all__ = [
    "EventTail",
    "FinalWeights",
    "read_events",
    "read_final_weights",
    "tier_slices_match",
    "weights_identical",
]

EXIT_EVENT = "exit"


@dataclass(frozen=True)
class FinalWeights:
    """``step``: the last step the process trained (None: none); ``parameter_hash``: None when it held no model;
    ``matformer_tier``: the tier it trained at; ``tier_hashes``: the hash of its weights' slice at each narrower
    tier (by tier, as a string: JSON's keys)."""

    step: int | None
    parameter_hash: str | None
    matformer_tier: int = 0
    tier_hashes: Mapping[str, str] = field(default_factory=dict)


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
    hashes = last.get("tier_hashes")
    return FinalWeights(
        last.get("step"),
        last.get("parameter_hash"),
        int(last.get("matformer_tier") or 0),
        hashes if isinstance(hashes, dict) else {},
    )


def _at_last_step(finals: Iterable[FinalWeights | None]) -> list[FinalWeights]:
    """The clients that trained the last step any client trained."""
    reported = [final for final in finals if final is not None and final.step is not None]
    last = max((final.step for final in reported if final.step is not None), default=None)
    return [final for final in reported if final.step == last]


def weights_identical(finals: Iterable[FinalWeights | None]) -> bool:
    """Do the clients that trained the last step any client trained all hold the same weights (each MatFormer tier's
    clients the same as each other: a tier holds a slice, see :func:`tier_slices_match`)? False if none did.

    >>> weights_identical([FinalWeights(6, "ab"), FinalWeights(6, "ab"), FinalWeights(3, "cd"), None])
    True
    >>> weights_identical([FinalWeights(6, "ab"), FinalWeights(6, "cd")])
    False
    >>> weights_identical([FinalWeights(6, "ab"), FinalWeights(6, "ab"), FinalWeights(6, "cd", matformer_tier=1)])
    True
    """
    last = _at_last_step(finals)
    by_tier: dict[int, set[str | None]] = {}
    for final in last:
        by_tier.setdefault(final.matformer_tier, set()).add(final.parameter_hash)
    return bool(last) and all(len(hashes) == 1 and None not in hashes for hashes in by_tier.values())


def tier_slices_match(finals: Iterable[FinalWeights | None]) -> bool | None:
    """Does every narrower-tier client that trained the last step hold exactly the slice of each tier-0 client's
    weights (its own hash equal to their hash at its tier)? None when the clients did not train at several tiers,
    or no tier-0 client was there to compare with.

    >>> full = FinalWeights(6, "f", 0, {"1": "h1", "2": "h2"})
    >>> tier_slices_match([full, full, FinalWeights(6, "h2", 2)]), tier_slices_match([full, FinalWeights(6, "x", 1)])
    (True, False)
    >>> tier_slices_match([full, full]), tier_slices_match([FinalWeights(6, "h2", 2)])
    (None, None)
    """
    last = _at_last_step(finals)
    full = [final for final in last if final.matformer_tier == 0]
    narrower = [final for final in last if final.matformer_tier != 0]
    if not full or not narrower:
        return None
    return all(
        sliced.parameter_hash is not None
        and all(whole.tier_hashes.get(str(sliced.matformer_tier)) == sliced.parameter_hash for whole in full)
        for sliced in narrower
    )
