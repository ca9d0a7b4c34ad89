"""Which commitment every honest client applies for a batch, and what a trainer signing two of them proves.

The reference lets each witness vote for the *first* commitment, in the order results reached the client doing the
counting, that its broadcast bloom holds, and breaks ties by that order too (spec client-training.md §5.3). Two
honest clients that heard an equivocating trainer's two commitments in opposite orders then apply different
results and their replicas fork. Here the rule depends on nothing a peer can order:

* every witness votes for *every* candidate its on-chain broadcast bloom holds;
* a candidate needs at least ``quorum`` votes; among those the most votes win, ties going to the smallest
  commitment hash (bytes order).

A candidate only wins with honest witnesses among its voters (one participant cannot make a quorum), an honest
witness only blooms what it downloaded and relayed, so by apply time every honest client holds the same winning
candidates and picks the same one. A commitment known to some clients only (sent late, to a few) cannot take a vote
from another candidate, as it could under the first-match rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from solders.pubkey import Pubkey

from client.participant.messages import Commitment
from coordinator_program.core import BatchId
from coordinator_program.core.bloom import BloomLike, bloom_contains

__all__ = ["Equivocation", "choose_commitment"]


def choose_commitment(data_hashes: Sequence[bytes], broadcast_blooms: Iterable[BloomLike], quorum: int) -> int | None:
    """Index in ``data_hashes`` of the commitment to apply, or None when none has ``quorum`` votes.

    >>> from coordinator_program.core import Bloom
    >>> a, b = b"a" * 32, b"b" * 32
    >>> def bloom(*items):
    ...     made = Bloom.with_keys(list(range(8)))
    ...     for item in items:
    ...         made.add(item)
    ...     return made
    >>> blooms = [bloom(a, b), bloom(b), bloom(a)]
    >>> choose_commitment([b, a], blooms, 2), choose_commitment([a, b], blooms, 2)   # same winner in any order
    (1, 0)
    >>> choose_commitment([a, b], [bloom(a), bloom(b)], 2) is None
    True
    """
    blooms = list(broadcast_blooms)
    best: int | None = None
    best_key: tuple[int, bytes] | None = None
    for index, data_hash in enumerate(data_hashes):
        votes = sum(1 for bloom in blooms if bloom_contains(bloom, data_hash))
        if votes < quorum:
            continue
        key = (-votes, data_hash)
        if best_key is None or key < best_key:
            best, best_key = index, key
    return best


@dataclass(frozen=True)
class Equivocation:
    """Proof that ``trainer`` signed two different commitments for one batch of one step: both signed commitments.

    Anyone can check it: each commitment's signature verifies against ``trainer`` over its ``data_hash``.
    """

    trainer: Pubkey
    step: int
    batch: BatchId
    first: Commitment
    second: Commitment

    def fields(self) -> dict[str, object]:
        """The JSON log fields of the evidence."""

        def signed(commitment: Commitment) -> dict[str, str]:
            return {"data_hash": commitment.data_hash.hex(), "signature": str(commitment.signature)}

        return {
            "trainer": str(self.trainer),
            "step": self.step,
            "batch_id": str(self.batch),
            "commitments": [signed(self.first), signed(self.second)],
        }
