"""Commitment levels and how far behind the processed slot each one trails.

A single-node cluster has nothing to vote on, so by default every processed transaction is at once
confirmed and finalized (``instant``): solana-py's default commitment is ``finalized``, and a
realistic 32-slot lag costs ~13 s per confirmation. ``realistic`` reproduces what a
solana-test-validator shows: confirmed one slot after processing, finalized 32 slots after.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import assert_never

__all__ = ["Commitment", "Finality", "FinalityPolicy", "TransactionCommitment"]


class Commitment(IntEnum):
    """The levels a client may ask for, ordered from weakest to strongest."""

    PROCESSED = 0
    CONFIRMED = 1
    FINALIZED = 2

    @property
    def wire_name(self) -> str:
        """The JSON spelling (``"processed"``...)."""
        return self.name.lower()

    @classmethod
    def from_wire(cls, name: str) -> Commitment:
        """``"confirmed"`` -> CONFIRMED; ValueError for anything else."""
        try:
            return cls[name.upper()]
        except KeyError:
            raise ValueError(name) from None


class Finality(Enum):
    """The ``--finality`` choices."""

    INSTANT = "instant"
    REALISTIC = "realistic"


CONFIRMATION_LAG = 1
FINALIZATION_LAG = 32  # MAX_LOCKOUT_HISTORY + 1 on a single voting node


@dataclass(frozen=True, slots=True)
class TransactionCommitment:
    """How committed a landed transaction is: its level and the ``confirmations`` field of its status."""

    level: Commitment
    confirmations: int | None  # None once finalized, as Agave reports it


@dataclass(frozen=True, slots=True)
class FinalityPolicy:
    """Answers "how many slots behind processed is this commitment?" for one ``--finality`` mode.

    >>> FinalityPolicy(Finality.REALISTIC).lag_slots("finalized")
    32
    >>> FinalityPolicy(Finality.INSTANT).lag_slots("confirmed")
    0
    """

    finality: Finality = Finality.INSTANT

    def lag(self, commitment: Commitment) -> int:
        match self.finality:
            case Finality.INSTANT:
                return 0
            case Finality.REALISTIC:
                return {
                    Commitment.PROCESSED: 0,
                    Commitment.CONFIRMED: CONFIRMATION_LAG,
                    Commitment.FINALIZED: FINALIZATION_LAG,
                }[commitment]
            case _:
                assert_never(self.finality)

    def lag_slots(self, commitment: str) -> int:
        """:meth:`lag` for a commitment named as on the wire (the PubSub server's hook)."""
        return self.lag(Commitment.from_wire(commitment))

    def slot_at(self, commitment: Commitment, processed_slot: int) -> int:
        """The newest slot that has reached ``commitment`` when the bank is at ``processed_slot``."""
        return max(0, processed_slot - self.lag(commitment))

    def of_transaction(self, landed_slot: int, processed_slot: int) -> TransactionCommitment:
        """The commitment of a transaction that landed in ``landed_slot``.

        >>> FinalityPolicy(Finality.REALISTIC).of_transaction(10, 12)
        TransactionCommitment(level=<Commitment.CONFIRMED: 1>, confirmations=2)
        """
        age = max(0, processed_slot - landed_slot)
        if age >= self.lag(Commitment.FINALIZED):
            return TransactionCommitment(Commitment.FINALIZED, None)
        level = Commitment.CONFIRMED if age >= self.lag(Commitment.CONFIRMED) else Commitment.PROCESSED
        return TransactionCommitment(level, age)
