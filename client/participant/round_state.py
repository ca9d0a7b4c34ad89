"""What one client knows about one round: who must train what, the results announced and downloaded, its blooms.

Rules of client-training.md §4.4 (which announcements to accept), §5.1 (what goes into the witness
blooms) and §5.3 (the commitment every client applies for a batch, here by the order-independent rule of
:mod:`client.participant.consensus`). A round's blooms are keyed with fresh random keys per client per round, so
two clients' blooms differ even for the same contents.

A trainer may sign several commitments for its batch (equivocation): each distinct one is recorded, up to
:data:`MAX_COMMITMENTS_PER_BATCH` (past it only those an honest witness vouches for), so the consensus is chosen
from all of them; only the payloads the caller downloads and checks enter the blooms.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from solders.pubkey import Pubkey

from client.participant.consensus import choose_commitment
from client.participant.merkle import merkle_root
from client.participant.messages import Broadcast, Commitment, TrainingResult, result_commitment_hash
from coordinator_program.core import BatchId, Bloom, CommitteeSelection
from coordinator_program.core.bloom import BLOOM_KEYS, BloomLike
from coordinator_program.core.shuffle import sha256v
from coordinator_program.core.types import Committee, CommitteeProof

__all__ = ["MAX_COMMITMENTS_PER_BATCH", "RoundState", "ReceivedResult", "Rejection"]

# Distinct commitments kept per batch: one honest trainer signs one; a second is already proof of equivocation.
# The bound keeps a flooding trainer's cost to an honest client small. Only a commitment some honest witness
# blooms can reach a quorum, and each honest witness blooms one per batch and vouches for it when the trainer
# equivocates, so those are taken past the bound (one vouch per client and batch).
MAX_COMMITMENTS_PER_BATCH = 16


class Rejection(Enum):
    """Why an announcement was not recorded (the reference logs and drops it)."""

    WrongStep = "not for this round's step"
    NotAClient = "sender is not a client of this epoch"
    BadCommitteeProof = "committee proof does not hold for the sender in this round"
    NotATrainer = "sender is not in the trainer committee"
    UnknownBatch = "batch is not assigned in this round"
    NotTheAssignee = "batch is assigned to another client"
    Duplicate = "result already known"
    TooManyCommitments = f"the trainer signed more than {MAX_COMMITMENTS_PER_BATCH} commitments for this batch"


@dataclass
class ReceivedResult:
    """One announced result; ``payload`` is set once its blob arrived and matched the commitment."""

    sender: Pubkey
    commitment: Commitment
    result: TrainingResult
    payload: bytes | None = None
    announcement: Broadcast | None = None  # as the trainer signed it, to vouch for it (messages.Holding)


@dataclass
class RoundState:
    """``clients`` are the epoch's client signers in epoch order (the committee index is the position here)."""

    height: int
    step: int
    selection: CommitteeSelection
    clients: Sequence[Pubkey]
    assignments: Mapping[BatchId, Pubkey]
    participant_bloom: Bloom
    broadcast_bloom: Bloom
    results: dict[BatchId, list[ReceivedResult]] = field(default_factory=dict)
    broadcasts: list[bytes] = field(default_factory=list)
    remaining: set[BatchId] | None = None
    finished_from: set[Pubkey] = field(default_factory=set)
    bloomed: dict[BatchId, ReceivedResult] = field(default_factory=dict)  # the result of each batch in our bloom

    @classmethod
    def new(
        cls,
        height: int,
        step: int,
        selection: CommitteeSelection,
        clients: Sequence[Pubkey],
        assignments: Mapping[BatchId, Pubkey],
        rng: random.Random,
    ) -> RoundState:
        def keyed() -> Bloom:
            return Bloom.with_keys([rng.getrandbits(64) for _ in range(BLOOM_KEYS)])

        return cls(height, step, selection, clients, assignments, keyed(), keyed(), remaining=set(assignments) or None)

    # -- announcements ---------------------------------------------------------------
    def accept(self, sender: Pubkey, broadcast: Broadcast, vouched: bool = False) -> Rejection | None:
        """Record a (signature-checked) announcement for this round, or say why not; one ``vouched`` for by a client
        that witnessed it is recorded even past :data:`MAX_COMMITMENTS_PER_BATCH`."""
        if broadcast.step != self.step:
            return Rejection.WrongStep
        if sender not in self.clients:
            return Rejection.NotAClient
        proof = CommitteeProof(
            committee=int(broadcast.proof.committee), position=broadcast.proof.position, index=broadcast.proof.index
        )
        signers = [bytes(client) for client in self.clients]
        if not self.selection.verify_committee_for_client(bytes(sender), proof, signers):
            return Rejection.BadCommitteeProof
        self.broadcasts.append(broadcast.commitment.data_hash)
        if not isinstance(broadcast.data, TrainingResult):
            self.finished_from.add(sender)
            return None
        if broadcast.proof.committee is not Committee.Trainer:
            return Rejection.NotATrainer
        batch = broadcast.data.batch_id
        if batch not in self.assignments:
            return Rejection.UnknownBatch
        if self.assignments[batch] != sender:
            return Rejection.NotTheAssignee
        known = self.results.setdefault(batch, [])
        if any(r.commitment.data_hash == broadcast.commitment.data_hash for r in known):
            return Rejection.Duplicate
        if len(known) >= MAX_COMMITMENTS_PER_BATCH and not vouched:
            return Rejection.TooManyCommitments
        known.append(ReceivedResult(sender, broadcast.commitment, broadcast.data, announcement=broadcast))
        return None

    def record_payload(self, batch: BatchId, sender: Pubkey, payload: bytes) -> bool:
        """A downloaded (and checked) result: kept only if it hashes to one of the sender's commitments; then it
        enters the blooms (§5.1), the first payload of a batch in the broadcast bloom."""
        data_hash = result_commitment_hash(self.step, batch, payload)
        for received in self.results.get(batch, []):
            if received.sender != sender or received.payload is not None or received.commitment.data_hash != data_hash:
                continue
            received.payload = payload
            if self.remaining is not None:
                self.participant_bloom.add(sha256v(bytes(sender)))
                if batch in self.remaining:
                    self.broadcast_bloom.add(received.commitment.data_hash)
                    self.bloomed[batch] = received
                    self.give_up(batch)  # it is in: nothing more to wait for
            return True
        return False

    def give_up(self, batch: BatchId) -> None:
        """No valid result for ``batch`` will come (its one download failed or was refused): stop waiting for it.

        It stays out of the blooms; the round counts as complete without it, so a bad or silent trainer cannot
        hold back the honest clients' Finished and early witness until the round's deadline.
        """
        if self.remaining is not None:
            self.remaining.discard(batch)
            if not self.remaining:
                self.remaining = None

    @property
    def all_results_in(self) -> bool:
        """Every batch of the round has a verified result or was given up ("remaining set is None")."""
        return self.remaining is None

    def broadcast_merkle(self) -> bytes:
        return merkle_root(self.broadcasts)

    # -- consensus -------------------------------------------------------------------
    def consensus(self, broadcast_blooms: Sequence[BloomLike], quorum: int) -> dict[BatchId, ReceivedResult | None]:
        """Per batch, the result the witnesses of the next round agree on (None: untrained or no quorum)."""
        chosen: dict[BatchId, ReceivedResult | None] = {}
        for batch in self.assignments:
            candidates = self.results.get(batch, [])
            index = choose_commitment([c.commitment.data_hash for c in candidates], broadcast_blooms, quorum)
            chosen[batch] = None if index is None else candidates[index]
        return chosen
