"""Notifications held back until their commitment is reached: due at processed slot + the commitment's lag."""

from __future__ import annotations

import heapq
import itertools


class PendingNotifications:
    """A queue of ``(subscription id, message)`` released in slot order, first in first out within a slot.

    >>> pending = PendingNotifications()
    >>> pending.push(5, 1, "late"); pending.push(3, 2, "early")
    >>> pending.pop_due(4), pending.pop_due(9), len(pending)
    ([(2, 'early')], [(1, 'late')], 0)
    """

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, int, str]] = []
        self._order = itertools.count()

    def push(self, due_slot: int, subscription_id: int, message: str) -> None:
        heapq.heappush(self._heap, (due_slot, next(self._order), subscription_id, message))

    def pop_due(self, slot: int) -> list[tuple[int, str]]:
        """Everything due at or before ``slot``, in the order it became due."""
        due: list[tuple[int, str]] = []
        while self._heap and self._heap[0][0] <= slot:
            _, _, subscription_id, message = heapq.heappop(self._heap)
            due.append((subscription_id, message))
        return due

    def __len__(self) -> int:
        return len(self._heap)
