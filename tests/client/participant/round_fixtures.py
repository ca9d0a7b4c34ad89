"""Test support: one round of three clients, the announcements they make, and a result valid for a tiny run."""

from __future__ import annotations

import random

import torch
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from client.p2p import blob_hash
from client.participant.messages import Broadcast, Commitment, CommitteeClaim, TrainingResult, result_commitment_hash
from client.participant.result_blob import encode_result
from client.participant.result_checks import ResultRules
from client.participant.round_state import RoundState
from client.train.distro import Distro
from client.train.optim_config import DistroConfig
from client.train.schedule import ConstantLR
from coordinator_program.core import BatchId, CommitteeSelection, assign_batches
from coordinator_program.core.types import Committee

__all__ = ["CLIENTS", "KEYS", "STEP", "announce", "new_round", "own_batch", "tiny_run_result"]

STEP = 3
KEYS = [Keypair() for _ in range(3)]
CLIENTS = [key.pubkey() for key in KEYS]


def new_round() -> RoundState:
    selection = CommitteeSelection.new(0, 2, 0, len(CLIENTS), seed=99)
    assignments = assign_batches(CLIENTS, data_index=0, total_size=6, random_seed=99)
    return RoundState.new(1, STEP, selection, CLIENTS, assignments, random.Random(0))


def announce(round_: RoundState, key: Keypair, payload: bytes, **changes: object) -> Broadcast:
    """The announcement ``key`` makes for its own batch (with ``changes`` to forge it)."""
    index = CLIENTS.index(key.pubkey())
    proof = round_.selection.get_committee(index)
    batch = changes.pop("batch", next(b for b, owner in round_.assignments.items() if owner == key.pubkey()))
    assert isinstance(batch, BatchId)
    claim = CommitteeClaim(Committee(proof.committee), int(changes.pop("position", proof.position)), index)
    step = int(changes.pop("step", STEP))  # type: ignore[call-overload]
    data_hash = result_commitment_hash(step, batch, payload)
    return Broadcast(
        step,
        claim,
        Commitment.sign(key, data_hash),
        1,
        TrainingResult(batch, blob_hash(payload), "http://127.0.0.1:9"),
    )


def own_batch(round_: RoundState, key: Pubkey) -> BatchId:
    return next(b for b, owner in round_.assignments.items() if owner == key)


def tiny_run_result(trainer_nonce: int) -> tuple[ResultRules, bytes]:
    """The rules of a run of one 16x16 parameter (1-bit, k 4, chunk 8), and a valid result blob for it."""
    torch.manual_seed(trainer_nonce)
    param = torch.nn.Parameter(torch.zeros(16, 16))
    distro = Distro([("w", param)], DistroConfig(0.9, compression_topk=4, compression_chunk=8, quantize_1bit=True))
    distro.error_correction(0.0)
    param.grad = torch.randn(16, 16)
    result = distro.generate([], 0.01).for_transmission(quantize_1bit=True)
    rules = ResultRules.for_trainer(distro, ConstantLR(0.01, 0.0, 0), total_steps=10)
    return rules, encode_result(result, trainer_nonce)
