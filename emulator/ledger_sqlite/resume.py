"""The wall clock of a chain that resumes from its ledger: its slots and its time go on from the last block.

Shared by the validator and the CLI's embedded chain, which open the same ledgers.
"""

from __future__ import annotations

import time

from emulator import LedgerStore, WallClock

__all__ = ["resumed_clock"]


def resumed_clock(store: LedgerStore, slot_ms: int, clock_offset_s: int = 0) -> WallClock:
    """A wall clock one slot past the ledger's last block, never earlier in unix time than that block.

    ``clock_offset_s`` moves the chain's time ahead of the host's (a testing aid of the embedded chain).
    """
    last_blocks = store.recent_blocks(1)
    clock = WallClock(slot_ms, start_slot=last_blocks[-1].slot + 1 if last_blocks else 0)
    last_time = last_blocks[-1].unix_timestamp if last_blocks else 0
    clock.set_unix_timestamp(max(int(time.time()) + clock_offset_s, last_time))
    return clock
