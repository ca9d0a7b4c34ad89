"""Announcements for a round this client has not begun yet, kept until it does, within per-sender bounds.

A peer that rotated into the next round a moment before us announces for a step we do not know yet; the reference
keeps such messages and replays them after its own rotation. Unbounded (or bounded only in total), one participant
signing a thousand announcements for far-future steps fills the buffer for good and crowds out every honest peer's.
So only steps at most ``steps_ahead`` past the coordinator's current step are kept, and at most ``per_sender`` from
any one sender; the rest are dropped (and not relayed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from solders.pubkey import Pubkey

from client.participant.messages import Broadcast

__all__ = ["EarlyMessages"]


@dataclass
class EarlyMessages:
    """The buffer; ``per_sender`` and ``steps_ahead`` are the ``train`` options ``--p2p-early-messages-per-peer``
    and ``--p2p-early-steps-ahead``."""

    per_sender: int = 16
    steps_ahead: int = 2
    _kept: dict[Pubkey, list[Broadcast]] = field(default_factory=dict)

    def keep(self, sender: Pubkey, broadcast: Broadcast, coordinator_step: int) -> bool:
        """Keep ``broadcast`` for later if it is near enough and ``sender`` has room; True if kept."""
        if broadcast.step > coordinator_step + self.steps_ahead:
            return False
        kept = self._kept.setdefault(sender, [])
        if len(kept) >= self.per_sender:
            return False
        kept.append(broadcast)
        return True

    def take(self, from_step: int) -> list[tuple[Pubkey, Broadcast]]:
        """Everything kept for ``from_step`` or later, in arrival order per sender; the buffer is emptied."""
        kept, self._kept = self._kept, {}
        return [(sender, b) for sender, items in kept.items() for b in items if b.step >= from_step]

    def __len__(self) -> int:
        return sum(len(items) for items in self._kept.values())

    def largest_per_sender(self) -> int:
        """The most messages any one sender holds here (what a flood test watches)."""
        return max((len(items) for items in self._kept.values()), default=0)
