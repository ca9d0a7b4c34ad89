"""Which consensus results a client applies (§4.5): results of trainers still warming up are skipped, and so
are payloads that cannot be applied at all, the same way on every client."""

from __future__ import annotations

import dataclasses
import random
from functools import cache

import pytest
import torch
from solders.pubkey import Pubkey

from client.participant.model_setup import DUMMY_MODEL_CONFIG, TrainingSetup
from client.participant.pipeline import ApplyPlan, RoundPipeline, from_warming_up_trainer, parameter_hash
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


def _replica() -> RoundPipeline:
    model = build_model(DUMMY_MODEL_CONFIG, 0, max_seq_len=16)
    trainer = Trainer(model, DistroConfig(0.999, 8, 64, True), ConstantLR(1e-3, 0.0, 0))
    setup = TrainingSetup(trainer, SyntheticDataProvider(256, 16), 16, True, "Dummy", {})
    return RoundPipeline(Pubkey.default(), setup, random.Random(0))


def _result_of_another_model() -> bytes:
    """A well-formed result of a model with other shapes (half the width): decodable, but it fits no tensor here."""
    other = {**DUMMY_MODEL_CONFIG, "hidden_size": DUMMY_MODEL_CONFIG["hidden_size"] // 2}
    trainer = Trainer(
        build_model(other, 0, max_seq_len=16), DistroConfig(0.999, 8, 64, True), ConstantLR(1e-3, 0.0, 0)
    )
    output = trainer.train(1, SyntheticDataProvider(256, 16).get_samples(BatchId(0, 1)))
    assert output.result is not None
    return encode_result(output.result.for_transmission(True), 9)


def test_payloads_nobody_can_apply_are_skipped_and_the_rest_applied_alike() -> None:
    good = _blob_of_nonce(5)
    batches = (BatchId(0, 1), BatchId(2, 3), BatchId(4, 5), BatchId(6, 7))
    payloads = (b"\x00\x00\x00\x05nope!", good, _result_of_another_model(), good[:-7])
    with_bad, only_good = _replica(), _replica()

    with_bad.apply(ApplyPlan(0, 2, payloads, (), (), batches), None)
    only_good.apply(ApplyPlan(0, 2, (good,), (), (), (batches[1],)), None)

    assert parameter_hash(with_bad.setup.trainer.model) == parameter_hash(only_good.setup.trainer.model)
    untouched = build_model(DUMMY_MODEL_CONFIG, 0, max_seq_len=16)
    assert not all(
        torch.equal(a, b)
        for a, b in zip(untouched.parameters(), only_good.setup.trainer.model.parameters(), strict=True)
    )


def _applied_weights(pipeline: RoundPipeline) -> list[torch.Tensor]:
    return [param.detach().clone() for param in pipeline.setup.trainer.model.parameters()]


def test_an_apply_prepared_in_the_witness_phase_leaves_the_same_weights_and_hash_as_a_fresh_one() -> None:
    good = _blob_of_nonce(5)
    plan = ApplyPlan(0, 2, (good, good, good), (), (), (BatchId(0, 1), BatchId(2, 3), BatchId(4, 5)))
    fresh, ahead = _replica(), _replica()
    before = _applied_weights(ahead)

    prepared = ahead.prepare(plan, None)
    assert all(torch.equal(a, b) for a, b in zip(before, _applied_weights(ahead), strict=True))
    applied_ahead = ahead.apply(plan, None, prepared)
    applied_fresh = fresh.apply(plan, None)

    assert applied_ahead.prepared and not applied_fresh.prepared
    assert applied_ahead.parameter_hash == applied_fresh.parameter_hash == parameter_hash(fresh.setup.trainer.model)
    assert all(torch.equal(a, b) for a, b in zip(_applied_weights(ahead), _applied_weights(fresh), strict=True))
    assert not all(torch.equal(a, b) for a, b in zip(before, _applied_weights(ahead), strict=True))


def test_an_apply_prepared_for_another_plan_is_not_used() -> None:
    good = _blob_of_nonce(5)
    planned = ApplyPlan(0, 2, (good,), (), (), (BatchId(0, 1),))
    entered = ApplyPlan(0, 2, (good, good), (), (), (BatchId(0, 1), BatchId(2, 3)))  # a result came in since
    stale, fresh = _replica(), _replica()

    applied = stale.apply(entered, None, stale.prepare(planned, None))
    also_at_another_step = fresh.apply(entered, None, fresh.prepare(dataclasses.replace(entered, step=3), None))

    assert not applied.prepared and not also_at_another_step.prepared
    assert applied.parameter_hash == also_at_another_step.parameter_hash


def test_with_nothing_to_apply_the_prepared_hash_is_of_the_weights_as_they_are() -> None:
    plan = ApplyPlan(None, 1, (), ())
    pipeline = _replica()
    applied = pipeline.apply(plan, None, pipeline.prepare(plan, None))
    assert applied.prepared
    assert applied.parameter_hash == parameter_hash(build_model(DUMMY_MODEL_CONFIG, 0, max_seq_len=16))
