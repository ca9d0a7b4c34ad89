"""Which consensus results a client applies: §4.5's skip of results from trainers still warming up."""

from __future__ import annotations

from functools import cache

import pytest

from client.participant.model_setup import DUMMY_MODEL_CONFIG
from client.participant.pipeline import from_warming_up_trainer
from client.participant.result_blob import encode_result
from client.train import DistroConfig, DistroResult, SyntheticDataProvider, Trainer, build_model
from client.train.schedule import ConstantLR
from coordinator_program.core import BatchId
from coordinator_program.core.types import LLM, CheckpointTag, GcsRepo, HubRepo

WARMUP_STEPS = 3


@cache
def _published() -> DistroResult:
    trainer = Trainer(
        build_model(DUMMY_MODEL_CONFIG, 0, max_seq_len=16), DistroConfig(0.999, 8, 64, True), ConstantLR(1e-3, 0.0, 0)
    )
    output = trainer.train(1, SyntheticDataProvider(256, 16).get_samples(BatchId(0, 1)))
    assert output.result is not None
    return output.result.for_transmission(True)


def _blob_of_nonce(nonce: int) -> bytes:
    """A real published result, as a trainer that had trained ``nonce`` batches before it would publish it."""
    return encode_result(_published(), nonce)


def _llm(checkpoint: CheckpointTag, cold_start_warmup_steps: int = WARMUP_STEPS) -> LLM:
    llm = LLM()
    llm.cold_start_warmup_steps = cold_start_warmup_steps
    repo = GcsRepo() if checkpoint in (CheckpointTag.Gcs, CheckpointTag.P2PGcs) else HubRepo()
    llm.checkpoint.set_variant(checkpoint, repo)
    return llm


@pytest.mark.parametrize("checkpoint", [CheckpointTag.P2P, CheckpointTag.P2PGcs])
def test_a_fresh_trainers_result_is_skipped_while_the_model_comes_from_peers(checkpoint: CheckpointTag) -> None:
    for nonce in range(WARMUP_STEPS):
        assert from_warming_up_trainer(_blob_of_nonce(nonce), _llm(checkpoint))
    assert not from_warming_up_trainer(_blob_of_nonce(WARMUP_STEPS), _llm(checkpoint))


@pytest.mark.parametrize("checkpoint", [CheckpointTag.Hub, CheckpointTag.Gcs, CheckpointTag.Dummy])
def test_with_a_central_checkpoint_every_trainer_is_applied(checkpoint: CheckpointTag) -> None:
    assert not from_warming_up_trainer(_blob_of_nonce(0), _llm(checkpoint))


def test_without_cold_start_warmup_steps_nothing_is_skipped() -> None:
    assert not from_warming_up_trainer(_blob_of_nonce(0), _llm(CheckpointTag.P2P, cold_start_warmup_steps=0))
