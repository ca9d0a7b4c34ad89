"""The bank's notion of time: slots and unix time that follow the wall clock or are driven by the caller.

Tests and the simulator warp; the validator and the testnet follow the wall clock with a slot
every ``slot_ms`` milliseconds. Either way programs only see the Clock sysvar.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from emulator.constants import DEFAULT_SLOT_MS, SLOTS_PER_EPOCH


@dataclass(slots=True)
class SlotTime:
    slot: int
    unix_timestamp: int

    @property
    def epoch(self) -> int:
        return self.slot // SLOTS_PER_EPOCH


class ManualClock:
    """Time moves only when the caller says so (warp_to_slot, set_unix_timestamp, advance)."""

    follows_wall_clock = False

    def __init__(self, slot: int = 0, unix_timestamp: int = 0) -> None:
        self._now = SlotTime(slot, unix_timestamp)

    def now(self) -> SlotTime:
        return self._now

    def set_slot(self, slot: int) -> None:
        self._now.slot = slot

    def set_unix_timestamp(self, unix_timestamp: int) -> None:
        self._now.unix_timestamp = unix_timestamp


class WallClock(ManualClock):
    """A slot every ``slot_ms`` ms and unix time from the host clock, plus any warp the caller adds."""

    follows_wall_clock = True

    def __init__(self, slot_ms: int = DEFAULT_SLOT_MS, start_slot: int = 0) -> None:
        super().__init__(start_slot, int(time.time()))
        self._slot_ms = slot_ms
        self._origin = time.monotonic()
        self._start_slot = start_slot
        self._time_offset = 0.0

    def now(self) -> SlotTime:
        elapsed = time.monotonic() - self._origin
        slot = self._start_slot + int(elapsed * 1000 / self._slot_ms)
        self._now.slot = max(self._now.slot, slot)
        self._now.unix_timestamp = max(self._now.unix_timestamp, int(time.time() + self._time_offset))
        return self._now

    def set_slot(self, slot: int) -> None:
        elapsed = time.monotonic() - self._origin
        self._start_slot = slot - int(elapsed * 1000 / self._slot_ms)
        self._now.slot = slot

    def set_unix_timestamp(self, unix_timestamp: int) -> None:
        self._time_offset = unix_timestamp - time.time()
        self._now.unix_timestamp = unix_timestamp
