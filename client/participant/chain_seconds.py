"""When the chain's clock will reach a given unix second, in this machine's seconds.

The Clock sysvar gives whole seconds only, and a state times out when that whole second reaches its deadline
(spec coordinator.md §1.3). Polled every half second, a client notices a due tick up to half a second late; with a
1-second witness phase that is a large share of the round. Every clock read bounds the offset between the chain's
time and ours: at the moment of the read the chain's time was in ``[unix_timestamp, unix_timestamp + 1)``, and our
time in ``[before, after]`` of the call. Intersecting those bounds over reads narrows the offset to the width of
the narrowest read, so the client can sleep until just after the deadline instead of polling past it.

A chain whose clock jumps (a warped test clock) or runs at another rate leaves no consistent offset: the bounds
are then restarted from the latest read, and the estimate is never more than a hint for when to poll next.
"""

from __future__ import annotations

import math

__all__ = ["ChainSecondsEstimate"]


class ChainSecondsEstimate:
    """Bounds on (chain unix time - local time), from the clock reads seen so far.

    >>> estimate = ChainSecondsEstimate()
    >>> estimate.observe(100, before=50.2, after=50.3)  # the chain read 100 between our 50.2 and 50.3
    >>> estimate.observe(101, before=50.85, after=50.9)  # 101 already: the chain's second turned before 50.9
    >>> round(estimate.seconds_until(101, now=50.9), 2)  # already due
    0.0
    >>> round(estimate.seconds_until(102, now=50.9), 2)  # the chain reaches 102 by our 51.9 at the latest
    1.0
    """

    def __init__(self) -> None:
        self._low = -math.inf  # chain time - local time is at least this
        self._high = math.inf  # and below this

    def observe(self, unix_timestamp: int, before: float, after: float) -> None:
        """A clock read that returned ``unix_timestamp``, made between local times ``before`` and ``after``."""
        low = unix_timestamp - after
        high = unix_timestamp + 1 - before
        if max(self._low, low) > min(self._high, high):  # the chain's clock jumped or drifted: start again
            self._low, self._high = low, high
            return
        self._low, self._high = max(self._low, low), min(self._high, high)

    def seconds_until(self, unix_timestamp: int, now: float) -> float:
        """Local seconds from ``now`` until the chain's clock has surely reached ``unix_timestamp`` (0 if it has;
        infinity before any read)."""
        return max(0.0, unix_timestamp - self._low - now)
