"""The event queue keeps time order (ties in push order) and the chain clock only moves forward."""

from __future__ import annotations

import pytest

from client.simulate.scheduler import ChainClock, EventQueue
from emulator import Bank
from emulator.constants import DEFAULT_SLOT_MS


def test_events_come_out_in_time_order_ties_in_push_order() -> None:
    queue: EventQueue[str] = EventQueue()
    for at, name in [(5, "late"), (1, "first"), (3, "a"), (3, "b"), (3, "c")]:
        queue.push(at, name)
    assert [queue.pop() for _ in range(len(queue))] == [(1, "first"), (3, "a"), (3, "b"), (3, "c"), (5, "late")]


def test_chain_clock_sets_seconds_and_slots_and_never_goes_back() -> None:
    bank = Bank()
    clock = ChainClock(bank, 1_000_000_000)
    first_slot = bank.slot
    clock.advance_to(1_000_000_000 + 2_500)
    assert bank.clock.unix_timestamp == 1_000_002
    assert bank.slot == first_slot + 2_500 // DEFAULT_SLOT_MS
    blockhash = bank.latest_blockhash()
    clock.advance_to(1_000_000_000 + 2_700)  # same slot: same block
    assert bank.latest_blockhash() == blockhash
    with pytest.raises(ValueError, match="cannot go back"):
        clock.advance_to(1_000_000_000)
