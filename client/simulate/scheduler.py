"""The event-driven clock: events in time order, and the bank's clock moved straight to the next one.

Simulated time is kept in unix milliseconds; the chain sees whole seconds (the Clock sysvar's ``unix_timestamp``)
and a slot every ``DEFAULT_SLOT_MS``. Nothing happens between events, so the clock jumps from one to the next and a
day of a run costs only the events it holds.
"""

from __future__ import annotations

import heapq
from typing import Generic, TypeVar

from emulator import Bank
from emulator.constants import DEFAULT_SLOT_MS

__all__ = ["EventQueue", "ChainClock"]

E = TypeVar("E")


class EventQueue(Generic[E]):
    """A min-heap of ``(time_ms, event)``; events at the same time come out in the order they were pushed."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, E]] = []
        self._pushed = 0

    def push(self, at_ms: int, event: E) -> None:
        heapq.heappush(self._heap, (at_ms, self._pushed, event))
        self._pushed += 1

    def pop(self) -> tuple[int, E]:
        """The earliest event; ``IndexError`` when empty."""
        at_ms, _, event = heapq.heappop(self._heap)
        return at_ms, event

    def __len__(self) -> int:
        return len(self._heap)


class ChainClock:
    """Moves a bank's clock forward to simulated instants (never back); a new slot is a new block."""

    def __init__(self, bank: Bank, start_ms: int) -> None:
        self._bank = bank
        self.start_ms = start_ms
        self.now_ms = start_ms
        self._first_slot = bank.slot
        bank.set_unix_timestamp(start_ms // 1000)

    @property
    def unix_timestamp(self) -> int:
        """What the Clock sysvar says now."""
        return self.now_ms // 1000

    def advance_to(self, at_ms: int) -> None:
        """Set the chain's time to ``at_ms``; a slot boundary crossed produces a block with a fresh blockhash."""
        if at_ms < self.now_ms:
            raise ValueError(f"the simulated clock cannot go back from {self.now_ms} to {at_ms}")
        if at_ms // 1000 != self.now_ms // 1000:
            self._bank.set_unix_timestamp(at_ms // 1000)
        slot = self._first_slot + (at_ms - self.start_ms) // DEFAULT_SLOT_MS
        if slot > self._bank.slot:
            self._bank.warp_to_slot(slot)
        self.now_ms = at_ms
