"""The trainer: micro-batching, AdamW and DisTrO steps that learn, replicas that stay identical, cancellation."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import torch

from client.train.data import SyntheticDataProvider
from client.train.distro import DistroResult
from client.train.model import build_model
from client.train.optim_config import AdamWConfig, DistroConfig
from client.train.schedule import ConstantLR
from client.train.trainer import Trainer
from coordinator_program.core.data_assignment import BatchId

DISTRO = DistroConfig(compression_decay=0.999, compression_topk=8, compression_chunk=16, quantize_1bit=True)
SCHEDULE = ConstantLR(base_lr=3e-3, warmup_init_lr=3e-3, warmup_steps=0)


def batches(data: SyntheticDataProvider, step: int, size: int, clients: int = 1) -> list[torch.Tensor]:
    """The step's global batch cut into ``clients`` consecutive pieces (as the coordinator assigns them)."""
    start = (step - 1) * size * clients
    return [data.get_samples(BatchId(start + i * size, start + (i + 1) * size - 1)) for i in range(clients)]


def test_micro_batches_accumulate_to_the_full_batch_gradient(small_config: dict[str, Any]) -> None:
    data = SyntheticDataProvider(64, 32, seed=0)
    batch = data.get_samples(BatchId(0, 3))
    grads = []
    for micro_batch_size in (4, 1):
        trainer = Trainer(build_model(small_config, seed=0), AdamWConfig(), SCHEDULE, micro_batch_size)
        output = trainer.train(1, batch)
        grads.append([p.grad.clone() for p in trainer.model.parameters()])
        assert output.result is None and not output.cancelled
    for full, accumulated in zip(*grads, strict=True):
        torch.testing.assert_close(full, accumulated, atol=1e-6, rtol=1e-4)


def test_adamw_lowers_the_loss(small_config: dict[str, Any]) -> None:
    data = SyntheticDataProvider(64, 32, seed=0)
    trainer = Trainer(build_model(small_config, seed=0), AdamWConfig(), SCHEDULE, micro_batch_size=8)
    held_out = data.get_samples(BatchId(10_000, 10_015))
    before = trainer.evaluate(held_out)
    for step in range(1, 16):
        trainer.train(step, batches(data, step, 8)[0])
        trainer.optimize(step)
    assert trainer.evaluate(held_out) < before - 0.5


def test_distro_clients_exchanging_results_learn_and_stay_identical(small_config: dict[str, Any]) -> None:
    """Two clients, each on its half of the batch; results are applied two steps late, as in a real run."""
    data = SyntheticDataProvider(64, 32, seed=0)
    clients = [Trainer(build_model(small_config, seed=0), DISTRO, SCHEDULE, micro_batch_size=4) for _ in range(2)]
    held_out = data.get_samples(BatchId(10_000, 10_015))
    before = clients[0].evaluate(held_out)
    published: dict[int, list[DistroResult]] = {}
    own: list[list[DistroResult]] = [[], []]
    for step in range(1, 21):
        if step > 2:  # heights 0 and 1 apply nothing
            round_results = published.pop(step - 2)
            for client in clients:
                client.optimize(step, round_results)
        published[step] = []
        for index, (client, batch) in enumerate(zip(clients, batches(data, step, 4, clients=2), strict=True)):
            output = client.train(step, batch, prev_self=own[index])
            assert output.result is not None and output.nonce == step - 1
            own[index] = [output.result]
            published[step].append(output.result.for_transmission(DISTRO.quantize_1bit))
    first, second = (dict(c.model.named_parameters()) for c in clients)
    assert all(torch.equal(first[name], second[name]) for name in first)
    assert clients[0].evaluate(held_out) < before - 0.5


def test_a_cold_start_step_changes_nothing(small_config: dict[str, Any]) -> None:
    data = SyntheticDataProvider(64, 32, seed=0)
    trainer = Trainer(build_model(small_config, seed=0), DISTRO, SCHEDULE, micro_batch_size=4)
    output = trainer.train(5, batches(data, 1, 4)[0], warmup_lr_between=(5, 9))
    start = {n: p.detach().clone() for n, p in trainer.model.named_parameters()}
    assert output.result is not None
    trainer.optimize(5, [output.result], warmup_lr_between=(5, 9))  # lr(5) = 0 in a cold start at 5
    assert all(torch.equal(p, start[n]) for n, p in trainer.model.named_parameters())
    assert all(not d.any() for d in trainer.distro.deltas)  # lr * grad with lr = 0


def test_a_cancelled_step_sends_nothing_and_leaves_the_parameters(small_config: dict[str, Any]) -> None:
    data = SyntheticDataProvider(64, 32, seed=0)
    trainer = Trainer(build_model(small_config, seed=0), DISTRO, SCHEDULE, micro_batch_size=2)
    first = trainer.train(1, batches(data, 1, 4)[0])
    start = {n: p.detach().clone() for n, p in trainer.model.named_parameters()}
    cancel = threading.Event()
    cancel.set()
    output = trainer.train(2, batches(data, 2, 4)[0], prev_self=[first.result], cancel=cancel)
    assert output.cancelled and output.result is None and output.nonce == 1
    assert all(torch.equal(p, start[n]) for n, p in trainer.model.named_parameters())


def test_the_lookahead_moves_the_weights_the_gradient_is_taken_at(small_config: dict[str, Any]) -> None:
    """With the lookahead the second step's loss is measured at ``p - lr * sign(delta)``; without it at ``p``."""
    data = SyntheticDataProvider(64, 32, seed=0)
    losses = {}
    for lookahead in (True, False):
        trainer = Trainer(build_model(small_config, seed=0), DISTRO, SCHEDULE, micro_batch_size=4, lookahead=lookahead)
        first = trainer.train(1, batches(data, 1, 4)[0])
        second_batch = batches(data, 2, 4)[0]
        at_weights = trainer.evaluate(second_batch)
        losses[lookahead] = (trainer.train(2, second_batch, prev_self=[first.result]).loss, at_weights)
    with_loss, with_at_weights = losses[True]
    without_loss, without_at_weights = losses[False]
    assert with_at_weights == without_at_weights  # the same weights before the second step
    assert without_loss == pytest.approx(without_at_weights, rel=1e-5)
    assert with_loss != pytest.approx(with_at_weights, rel=1e-3)
