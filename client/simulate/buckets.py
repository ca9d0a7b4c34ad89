"""The timeline's data per time bucket: how a run's time splits between states, and how many clients were there.

A week of a large run changes state ~15 000 times; drawn one shape per change, the PNG took minutes and a gigabyte.
The figure needs no more detail than its width in pixels, so the run is cut into a fixed number of equal buckets
and each bucket gets the share of its time spent in each state and the time-weighted mean client counts. The work
is one sweep over the events, and the drawing's size no longer depends on the run's length.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

__all__ = ["DEFAULT_BUCKETS", "TimelineBuckets", "bucket_timeline"]

DEFAULT_BUCKETS = 1000
"""About the width of the timeline's plot in pixels."""


@dataclass(frozen=True)
class TimelineBuckets:
    """``edges`` (seconds, ``len(buckets) + 1`` of them, from 0 to the end of the simulation), and per bucket: the
    share of its time in each state, the mean number of clients online, and the mean number in the epoch over the
    part of it an epoch ran with clients in it (NaN when none did)."""

    edges: list[float]
    state_shares: dict[str, list[float]]
    online: list[float]
    in_epoch: list[float]


def _segments(
    states: Sequence[tuple[float, str]], counts: Sequence[tuple[float, int, int]], end_s: float
) -> Iterator[tuple[float, float, str, int, int]]:
    """``(start, stop, state, online, in_epoch)`` over ``[0, end_s)``: the two step functions merged in one sweep."""
    state, online, in_epoch = "", 0, 0
    breakpoints = sorted({0.0, *(at for at, _ in states), *(at for at, _, _ in counts)})
    next_state = next_count = 0
    for start, stop in zip(breakpoints, [*breakpoints[1:], end_s], strict=True):
        while next_state < len(states) and states[next_state][0] <= start:
            state = states[next_state][1]
            next_state += 1
        while next_count < len(counts) and counts[next_count][0] <= start:
            _, online, in_epoch = counts[next_count]
            next_count += 1
        start, stop = max(start, 0.0), min(stop, end_s)
        if stop > start:
            yield start, stop, state, online, in_epoch


def bucket_timeline(
    states: Sequence[tuple[float, str]],
    counts: Sequence[tuple[float, int, int]],
    end_s: float,
    between_epochs: frozenset[str],
    buckets: int = DEFAULT_BUCKETS,
) -> TimelineBuckets:
    """Aggregate ``states`` (``(at, state)``) and ``counts`` (``(at, online, in_epoch)``), both in time order, into
    ``buckets`` equal buckets over ``[0, end_s]``; ``between_epochs`` names the states in which no epoch runs.

    >>> timeline = bucket_timeline([(0, "A"), (1.5, "B")], [(0, 4, 0), (1.5, 4, 3)], 2, frozenset({"A"}), buckets=2)
    >>> timeline.edges, timeline.state_shares, timeline.online, timeline.in_epoch
    ([0.0, 1.0, 2.0], {'A': [1.0, 0.5], 'B': [0.0, 0.5]}, [4.0, 4.0], [nan, 3.0])
    """
    end_s = max(float(end_s), 1e-9)
    width = end_s / buckets
    shares: dict[str, list[float]] = {}
    online = [0.0] * buckets
    in_epoch_sum = [0.0] * buckets
    epoch_time = [0.0] * buckets
    for start, stop, state, on, epoch in _segments(states, counts, end_s):
        share = shares.setdefault(state, [0.0] * buckets)
        first, last = int(start / width), min(buckets - 1, int(stop / width))
        for bucket in range(first, last + 1):
            overlap = min(stop, (bucket + 1) * width) - max(start, bucket * width)
            if overlap <= 0:
                continue
            share[bucket] += overlap / width
            online[bucket] += on * overlap / width
            # No client in the epoch while its state says one runs is the instant between the chain's second and
            # the event's millisecond at which clients were counted: left out like the time between epochs.
            if state not in between_epochs and epoch:
                in_epoch_sum[bucket] += epoch * overlap
                epoch_time[bucket] += overlap
    return TimelineBuckets(
        edges=[bucket * width for bucket in range(buckets + 1)],
        state_shares={state: [min(1.0, value) for value in values] for state, values in shares.items()},
        online=online,
        in_epoch=[total / time if time else math.nan for total, time in zip(in_epoch_sum, epoch_time, strict=True)],
    )
