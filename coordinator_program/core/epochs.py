"""Seeds and epoch bookkeeping of §1.5 that live outside the state machine proper.

The Solana program draws a round's ``random_seed`` from its clock: ``sha256(unix_timestamp i64 LE ‖ slot u64 LE)``
read as a u64 LE. Anyone can predict it; the reference accepts that. The cold-start bounds tell clients to re-warm
the learning rate during the first epoch after a pause.
"""

from __future__ import annotations

from functools import lru_cache

from coordinator_program.core.shuffle import sha256v

__all__ = ["EPOCH_EXTRA_ROUNDS", "clock_random_seed", "cold_start_warmup_bounds"]

# After the epoch timer expires the epoch runs this many more (data-less) rounds: last_step = step + 2.
EPOCH_EXTRA_ROUNDS = 2


@lru_cache(maxsize=256)
def clock_random_seed(unix_timestamp: int, slot: int) -> int:
    """The seed the Solana wrapper passes to ``tick``/``warmup_witness`` (remembered: every instruction of a slot ticks
    with the same clock).

    >>> clock_random_seed(0, 0) == int.from_bytes(sha256v(bytes(16))[:8], "little")
    True
    """
    digest = sha256v(unix_timestamp.to_bytes(8, "little", signed=True), slot.to_bytes(8, "little"))
    return int.from_bytes(digest[:8], "little")


def cold_start_warmup_bounds(
    cold_start_epoch: bool, start_step: int, cold_start_warmup_steps: int
) -> tuple[int, int] | None:
    """``get_cold_start_warmup_bounds``: ``(start_step, start_step + steps)`` in a cold-start epoch, else None.

    >>> cold_start_warmup_bounds(True, 40, 100)
    (40, 140)
    >>> cold_start_warmup_bounds(True, 40, 0) is None, cold_start_warmup_bounds(False, 1, 5) is None
    (True, True)
    """
    if not cold_start_epoch or cold_start_warmup_steps == 0:
        return None
    return start_step, start_step + cold_start_warmup_steps
