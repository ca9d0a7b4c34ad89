"""``reputation:F`` against a slow reference written here (plain Python over each result's dense coefficients), and
the epoch-scoped state it keeps: keyed by sender, kept by absent senders, counted once per round, reset per epoch."""

from __future__ import annotations

import dataclasses
import math
import random

import pytest
import torch
from solders.pubkey import Pubkey

from client.participant.model_setup import DUMMY_MODEL_CONFIG, TrainingSetup
from client.participant.pipeline import ApplyPlan, RoundPipeline
from client.participant.result_blob import encode_result
from client.train import DistroConfig, DistroResult, SyntheticDataProvider, Trainer, build_model
from client.train.aggregation import InvalidAggregator, Mean, RoundOrigin, aggregator_from_spec
from client.train.compression import CompressedTensor, compress, decompress
from client.train.dct import ChunkedDCT
from client.train.distro import Distro
from client.train.optim_config import DistroConfig as Config
from client.train.reputation import Reputation, Selections, cosines, gram_matrix, lagging
from client.train.schedule import ConstantLR
from coordinator_program.core import BatchId

CPU = torch.device("cpu")
Result = list[CompressedTensor]


def _dense(result: Result) -> list[float]:
    return [float(x) for tensor in result for x in decompress([tensor], torch.float64, CPU).reshape(-1)]


def slow_cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norms = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norms if norms > 0 else 0.0


class SlowReputation:
    """The rule as its docstring states it, one number at a time."""

    def __init__(self, f: int) -> None:
        self.f = f
        self.scores: dict[bytes, float] = {}

    def round(self, results: list[Result], senders: list[bytes]) -> list[int]:
        vectors = [_dense(result) for result in results]
        distinct = sorted(set(senders))
        f = min(self.f, max((len(distinct) - 1) // 2, 0))
        per_sender: dict[bytes, list[float]] = {sender: [] for sender in senders}
        for i, sender in enumerate(senders):
            others = sorted(slow_cosine(vectors[i], vectors[j]) for j in range(len(senders)) if senders[j] != sender)
            if len(others) > f:
                others = others[: len(others) - f]
            per_sender[sender].append(sum(others) / len(others) if others else 0.0)
        for sender, values in per_sender.items():
            self.scores[sender] = self.scores.get(sender, 0.0) + sum(values) / len(values)
        ranked = sorted(distinct, key=lambda sender: (self.scores[sender], sender))
        median = self.scores[ranked[(len(ranked) - 1) // 2]]
        dropped = {sender for sender in ranked[:f] if self.scores[sender] < median / 2}
        return [i for i, sender in enumerate(senders) if sender not in dropped]


def _round(
    rng: torch.Generator, honest: int, flipped: int = 0, zeros: int = 0, common: torch.Tensor | None = None
) -> list[Result]:
    """``honest`` results of a shared direction plus noise (two parameters: 2 chunks of 16 and 1 of 8, top 4),
    ``flipped`` sign-flipped honest ones and ``zeros`` all-zero ones (free riders)."""
    if common is None:
        common = torch.randn(40, generator=rng)
    results = []
    for index in range(honest + flipped + zeros):
        values = common + 1.5 * torch.randn(40, generator=rng)
        if index >= honest + flipped:
            values = torch.zeros(40)
        elif index >= honest:
            values = -values
        results.append([compress(values[:32].reshape(2, 16), 4), compress(values[32:].reshape(1, 8), 4)])
    return results


def _keys(count: int) -> list[bytes]:
    return [bytes([0x10 + i]) * 32 for i in range(count)]


def _kept(rule: Reputation, results: list[Result], senders: list[bytes], epoch: int = 0, height: int = 1) -> list[int]:
    gram = gram_matrix(Selections.of(results, torch.float32, CPU), len(results))
    return rule.kept(gram, RoundOrigin(epoch, height, tuple(senders)))


def test_the_sparse_cosines_are_those_of_the_dense_coefficients() -> None:
    rng = torch.Generator().manual_seed(0)
    results = _round(rng, 4, 1, 1)
    results.append([tensor.quantized() for tensor in results[0]])  # one-bit values: signs
    similarity = cosines(gram_matrix(Selections.of(results, torch.float32, CPU), len(results)))
    vectors = [_dense(result) for result in results]
    for i, a in enumerate(vectors):
        for j, b in enumerate(vectors):
            assert float(similarity[i, j]) == pytest.approx(slow_cosine(a, b), abs=1e-12)


@pytest.mark.parametrize(("f", "flipped", "zeros"), [(1, 1, 0), (2, 2, 0), (2, 1, 1), (3, 2, 1)])
def test_rounds_match_the_slow_reference(f: int, flipped: int, zeros: int) -> None:
    rng = torch.Generator().manual_seed(f * 10 + flipped)
    rule, slow = Reputation(f), SlowReputation(f)
    senders = _keys(7)
    common = torch.randn(40, generator=rng)
    for height in range(1, 7):
        results = _round(rng, 7 - flipped - zeros, flipped, zeros, common)
        assert _kept(rule, results, senders, height=height) == slow.round(results, senders)
        assert rule.scores == pytest.approx(slow.scores, abs=1e-12)


def test_sign_flipped_senders_sink_and_are_dropped_whatever_their_position() -> None:
    rng = torch.Generator().manual_seed(3)
    rule = Reputation(2)
    keys = _keys(7)
    common = torch.randn(40, generator=rng)
    for height in range(1, 6):
        results = _round(rng, 5, 2, 0, common)  # keys[5] and keys[6] flip; each round in another order
        order = torch.randperm(7, generator=rng).tolist()
        kept = _kept(rule, [results[i] for i in order], [keys[i] for i in order], height=height)
        assert sorted(order[i] for i in kept) == [0, 1, 2, 3, 4]
        assert rule.dropped == {keys[5], keys[6]}  # what the round dropped, by sender
    assert max(rule.scores[keys[5]], rule.scores[keys[6]]) < min(rule.scores[k] for k in keys[:5])


def test_the_kept_results_larger_than_their_median_norm_are_scaled_down_to_it_before_the_scatter_mean() -> None:
    rng = torch.Generator().manual_seed(4)
    dct = ChunkedDCT(16)
    common = torch.randn(40, generator=rng) * 4  # honest results that agree: nobody lags
    results = _round(rng, 6, common=common)
    results[2] = [dataclasses.replace(t, sparse_val=t.sparse_val * 10) for t in results[2]]  # `scaled`
    rule, slow = Reputation(2), SlowReputation(2)
    ours = rule.aggregate(results, torch.float32, CPU, dct.decode, RoundOrigin(0, 1, tuple(_keys(6))))
    kept = slow.round(results, _keys(6))
    norms = [math.sqrt(sum(x * x for x in _dense(result))) for result in results]
    median = sorted(norms[i] for i in kept)[(len(kept) - 1) // 2]
    bounded = [
        [dataclasses.replace(t, sparse_val=t.sparse_val * min(1.0, median / norms[i])) for t in results[i]]
        for i in kept
    ]
    expected = Mean().aggregate(bounded, torch.float32, CPU, dct.decode)
    assert 2 in kept and norms[2] > 5 * median
    for a, b in zip(ours, expected, strict=True):
        assert torch.allclose(a, b, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    ("scores", "f", "dropped"),
    [
        ([10.0, 9.0, 8.0, 4.5, 3.9], 2, {4}),  # median 8: only what is below 4 goes
        ([10.0, 9.0, 8.0, 3.0, -1.0], 2, {3, 4}),
        ([10.0, 9.0, 8.0, 3.0, -1.0], 1, {4}),  # at most f
        ([1.0, 1.0, 1.0, 1.0], 1, set()),  # nobody lags
        ([-1.0, -2.0, -3.0, -4.0, -5.0], 2, {3, 4}),  # a negative median: half of it is above it
        ([0.0, 0.0, 0.0], 1, set()),
    ],
)
def test_at_most_f_senders_are_dropped_and_only_below_half_the_median(
    scores: list[float], f: int, dropped: set[int]
) -> None:
    keys = _keys(len(scores))
    assert lagging(dict(zip(keys, scores, strict=True)), keys, f) == {keys[i] for i in dropped}


def test_equal_scores_drop_the_smaller_key_first() -> None:
    rng = torch.Generator().manual_seed(5)
    common = torch.randn(40, generator=rng) * 4
    results = _round(rng, 5, 0, 2, common)  # two free riders: cosine 0 with everything, the same score
    keys = _keys(7)
    senders = keys[:5] + [keys[6], keys[5]]  # the larger key sends first
    kept = _kept(Reputation(1), results, senders)
    assert kept == [0, 1, 2, 3, 4, 5]  # keys[5] (results[6]) is dropped: equal score, smaller key


def test_an_absent_sender_keeps_its_score_and_a_sender_scores_the_mean_of_its_results() -> None:
    rng = torch.Generator().manual_seed(6)
    common = torch.randn(40, generator=rng)
    keys = _keys(5)
    rule, slow = Reputation(1), SlowReputation(1)
    first = _round(rng, 5, common=common)
    _kept(rule, first, keys, height=1)
    slow.round(first, keys)
    before = rule.scores[keys[2]]
    second = _round(rng, 5, common=common)  # keys[2] absent, keys[0] sends two results
    senders = [keys[0], keys[1], keys[3], keys[4], keys[0]]
    assert _kept(rule, second, senders, height=2) == slow.round(second, senders)
    assert rule.scores[keys[2]] == before
    assert rule.scores == pytest.approx(slow.scores, abs=1e-12)


def test_the_same_round_again_counts_once_and_a_new_epoch_starts_empty() -> None:
    rng = torch.Generator().manual_seed(7)
    common = torch.randn(40, generator=rng)
    keys = _keys(5)
    rule = Reputation(1)
    rounds = [_round(rng, 4, 1, 0, common) for _ in range(3)]
    for height, results in enumerate(rounds, 1):
        _kept(rule, results, keys, height=height)
    once = rule.scores
    _kept(rule, rounds[2], keys, height=3)  # a prepared apply recomputed for the same round
    assert rule.scores == once
    _kept(rule, rounds[0], keys, epoch=1, height=1)  # the next epoch: only its own round counts
    fresh = Reputation(1)
    _kept(fresh, rounds[0], keys, epoch=5, height=1)
    assert rule.scores == fresh.scores
    rule.reset()
    assert rule.scores == {}


def test_f_at_its_limit_and_beyond_it() -> None:
    rng = torch.Generator().manual_seed(8)
    common = torch.randn(40, generator=rng)
    results = _round(rng, 3, 2, 0, common)
    keys = _keys(5)
    at_limit, beyond, slow = Reputation(2), Reputation(4), SlowReputation(2)
    for height in range(1, 4):
        expected = slow.round(results, keys)
        assert _kept(at_limit, results, keys, height=height) == expected
        assert _kept(beyond, results, keys, height=height) == expected  # 5 senders support f = 2 (logged)
    assert len(expected) == 3
    alone = _round(rng, 1)
    assert _kept(Reputation(3), alone, _keys(1)) == [0]


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("reputation", "expected 1 parameter"),
        ("reputation:0", "F must be between 1"),
        ("reputation:-2", "F must be between 1"),
        ("reputation:1,2", "expected 1 parameter"),
        ("reputation:x", "must be integers"),
    ],
)
def test_invalid_f_is_refused_with_a_clear_error(spec: str, says: str) -> None:
    with pytest.raises(InvalidAggregator, match=says):
        aggregator_from_spec(spec)


def test_the_spec_round_trips_and_hashes_like_the_other_rules() -> None:
    rule = aggregator_from_spec("reputation:2")
    assert isinstance(rule, Reputation) and rule.spec == "reputation:2"
    assert (
        aggregator_from_spec(rule.spec).spec_hash == rule.spec_hash != aggregator_from_spec("reputation:3").spec_hash
    )


def test_two_independent_replicas_fed_the_same_rounds_agree_bit_for_bit() -> None:
    rng = torch.Generator().manual_seed(9)
    config = Config(0.9, 8, 16, False)
    start = torch.randn(16, 16, generator=rng)
    common = torch.randn(1, 1, 16, 16, generator=rng)
    rounds = []
    for _ in range(4):
        honest = [common + torch.randn(1, 1, 16, 16, generator=rng) for _ in range(4)]
        rounds.append([DistroResult((compress(v, 8).with_values_as(torch.bfloat16),)) for v in [*honest, -honest[0]]])
    replicas = []
    for _ in range(2):
        model = torch.nn.Linear(16, 16, bias=False)
        model.weight.data.copy_(start)
        distro = Distro(model.named_parameters(), config, aggregator_from_spec("reputation:1"))
        for height, results in enumerate(rounds, 1):
            distro.apply(results, 0.01, RoundOrigin(3, height, tuple(_keys(5))))
        assert isinstance(distro.aggregator, Reputation)
        replicas.append((model.weight.detach().clone(), distro.aggregator.scores))
    assert torch.equal(replicas[0][0], replicas[1][0]) and not torch.equal(replicas[0][0], start)
    assert replicas[0][1] == replicas[1][1]


def test_the_round_pipeline_names_each_results_sender_and_resets_the_rule_for_a_new_epoch() -> None:
    model = build_model(DUMMY_MODEL_CONFIG, 0, max_seq_len=16)
    rule = Reputation(1)
    trainer = Trainer(model, DistroConfig(0.999, 8, 64, False), ConstantLR(1e-3, 0.0, 0), aggregator=rule)
    setup = TrainingSetup(trainer, SyntheticDataProvider(256, 16), 16, True, "Dummy", {})
    pipeline = RoundPipeline(Pubkey.default(), setup, random.Random(0))
    data = SyntheticDataProvider(256, 16)
    payloads = []
    for index in range(3):
        out = trainer.train(1, data.get_samples(BatchId(2 * index, 2 * index + 1)))
        assert out.result is not None
        payloads.append(encode_result(out.result.for_transmission(False), index))
    keys = [bytes(Pubkey.new_unique()) for _ in range(3)]
    batches = tuple(BatchId(2 * i, 2 * i + 1) for i in range(3))
    plan = ApplyPlan(0, 2, tuple(payloads), (), (), batches, (), tuple(keys), 4)
    pipeline.apply(plan, None)
    assert set(rule.scores) == set(keys)
    pipeline.reset()
    assert rule.scores == {}
