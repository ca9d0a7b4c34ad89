"""Every aggregation rule against a slow reference written here, one coefficient at a time, on known inputs."""

from __future__ import annotations

import itertools
import math
import statistics

import pytest
import torch

from client.train.aggregation import (
    AggregationSpace,
    Aggregator,
    CenteredClip,
    InvalidAggregator,
    Mean,
    Median,
    MultiKrum,
    SignVote,
    TrimmedMean,
    aggregator_from_spec,
    decode_dense,
)
from client.train.compression import CompressedTensor, compress, decompress
from client.train.dct import ChunkedDCT
from client.train.distro import Distro, DistroResult
from client.train.optim_config import DistroConfig

Vectors = list[list[float]]


def _stacks(vectors: Vectors, split: int = 3) -> list[torch.Tensor]:
    """The results as two "parameters": the first ``split`` coordinates and the rest."""
    full = torch.tensor(vectors, dtype=torch.float32)
    return [full[:, :split].reshape(len(vectors), 1, split), full[:, split:].reshape(len(vectors), 1, -1)]


def _joined(parts: list[torch.Tensor]) -> list[float]:
    return [float(x) for part in parts for x in part.reshape(-1)]


def _columns(vectors: Vectors) -> list[list[float]]:
    return [list(column) for column in zip(*vectors, strict=True)]


def slow_median(vectors: Vectors) -> list[float]:
    return [sorted(column)[(len(column) - 1) // 2] for column in _columns(vectors)]


def slow_trimmed(vectors: Vectors, f: int) -> list[float]:
    f = min(f, (len(vectors) - 1) // 2)
    return [statistics.fmean(sorted(c)[f : len(c) - f]) for c in _columns(vectors)]


def slow_krum_choice(vectors: Vectors, f: int, q: int) -> list[int]:
    n = len(vectors)
    f = min(f, max((n - 3) // 2, 0))

    def dist(a: list[float], b: list[float]) -> float:
        return sum((x - y) ** 2 for x, y in zip(a, b, strict=True))

    scores = []
    for i in range(n):
        others = sorted(dist(vectors[i], vectors[j]) for j in range(n) if j != i)
        scores.append(sum(others[: max(n - f - 2, 1)]))
    return sorted(range(n), key=lambda i: (scores[i], i))[: min(q, n - f)]


def slow_centered_clip(vectors: Vectors, tau: float, iters: int) -> list[float]:
    v = slow_median(vectors)
    for _ in range(iters):
        moves = []
        for x in vectors:
            diff = [a - b for a, b in zip(x, v, strict=True)]
            norm = math.sqrt(sum(d * d for d in diff))
            scale = min(1.0, tau / norm) if norm else 1.0
            moves.append([d * scale for d in diff])
        v = [b + sum(column) / len(vectors) for b, column in zip(v, _columns(moves), strict=True)]
    return v


def slow_sign_vote(vectors: Vectors) -> list[float]:
    return [float(math.copysign(1, s)) if (s := sum((x > 0) - (x < 0) for x in c)) else 0.0 for c in _columns(vectors)]


ODD: Vectors = [[1.0, -2.0, 0.0, 3.0, 0.5], [2.0, -1.0, 0.0, 3.0, -0.5], [9.0, 5.0, 0.0, -7.0, 0.25]]
EVEN: Vectors = [*ODD, [4.0, -2.0, 0.0, 3.0, 0.0]]  # ties (3.0 three times, -2.0 twice), an all-zero column
SEVEN: Vectors = [[0.1 * i - 0.2, 0.05 * i, -0.3, 0.02 * i * i, 1.0 - 0.1 * i] for i in range(5)] + [
    [40.0, -40.0, 40.0, -40.0, 40.0],
    [-35.0, 30.0, 35.0, 30.0, -35.0],
]


@pytest.mark.parametrize("vectors", [ODD, EVEN, SEVEN], ids=["odd", "even-with-ties", "seven-two-outliers"])
def test_coordinate_rules_match_the_slow_references(vectors: Vectors) -> None:
    stacks = _stacks(vectors)
    assert _joined(Median().reduce(stacks)) == pytest.approx(slow_median(vectors), abs=1e-6)
    for f in range(0, (len(vectors) - 1) // 2 + 1):  # up to f at its limit (2f < n)
        assert _joined(TrimmedMean(f).reduce(stacks)) == pytest.approx(slow_trimmed(vectors, f), abs=1e-6)
    assert _joined(SignVote().reduce(stacks)) == slow_sign_vote(vectors)


def test_the_median_of_an_even_count_is_the_lower_middle_value() -> None:
    assert _joined(Median().reduce(_stacks([[1.0], [4.0], [2.0], [3.0]], split=1))) == [2.0]


def test_sign_vote_leaves_unselected_and_tied_coefficients_at_zero() -> None:
    votes = _joined(SignVote().reduce(_stacks([[0.0, 1.0, 2.0], [0.0, -1.0, 3.0]], split=1)))
    assert votes == [0.0, 0.0, 1.0]


@pytest.mark.parametrize(
    ("vectors", "f", "q"), [(SEVEN, 2, 3), (SEVEN, 2, 5), (SEVEN, 0, 1), (ODD, 0, 3), (EVEN, 1, 2)]
)
def test_multi_krum_averages_the_results_the_slow_reference_chooses(vectors: Vectors, f: int, q: int) -> None:
    stacks = _stacks(vectors)
    chosen = slow_krum_choice(vectors, f, q)
    assert MultiKrum(f, q).selected(stacks) == chosen
    expected = [statistics.fmean(column) for column in _columns([vectors[i] for i in chosen])]
    assert _joined(MultiKrum(f, q).reduce(stacks)) == pytest.approx(expected, abs=1e-6)


def test_multi_krum_drops_both_outliers_at_f_two_of_seven() -> None:
    assert set(MultiKrum(2, 5).selected(_stacks(SEVEN))) == {0, 1, 2, 3, 4}


def test_krum_ties_go_to_the_earlier_result() -> None:
    same = [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]
    assert MultiKrum(0, 2).selected(_stacks(same, split=1)) == [0, 1]


def test_rules_beyond_their_f_limit_use_the_largest_f_the_count_supports() -> None:
    stacks = _stacks(ODD)
    assert _joined(TrimmedMean(5).reduce(stacks)) == pytest.approx(slow_median(ODD))  # n = 3: f = 1 is the median
    assert MultiKrum(5, 3).selected(stacks) == slow_krum_choice(ODD, 0, 3)


@pytest.mark.parametrize(("tau", "iters"), [(0.5, 1), (1.0, 10), (100.0, 3)])
def test_centered_clip_matches_the_slow_reference(tau: float, iters: int) -> None:
    expected = slow_centered_clip(SEVEN, tau, iters)
    assert _joined(CenteredClip(tau, iters).reduce(_stacks(SEVEN))) == pytest.approx(expected, rel=1e-5, abs=1e-6)


def test_every_rule_keeps_all_zero_input_at_zero() -> None:
    zeros = _stacks([[0.0] * 5] * 4)
    for rule in (Median(), TrimmedMean(1), MultiKrum(1, 2), CenteredClip(1.0), SignVote()):
        assert _joined(rule.reduce(zeros)) == [0.0] * 5, rule.spec


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("mean", Mean()),
        ("median", Median()),
        ("trimmed-mean:2", TrimmedMean(2)),
        ("multi-krum:1,3", MultiKrum(1, 3)),
        ("centered-clip:0.25", CenteredClip(0.25, 10)),
        ("centered-clip:0.25,4", CenteredClip(0.25, 4)),
        ("sign-vote", SignVote()),
    ],
)
def test_specs_parse_to_their_rules_and_back(spec: str, expected: object) -> None:
    rule = aggregator_from_spec(spec)
    assert type(rule) is type(expected) and rule.spec == expected.spec  # type: ignore[attr-defined]
    assert aggregator_from_spec(rule.spec).spec == rule.spec


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("average", "unknown aggregator"),
        ("median:1", "takes no parameters"),
        ("trimmed-mean", "expected 1 parameter"),
        ("trimmed-mean:-1", "F must be between 0"),
        ("trimmed-mean:x", "must be integers"),
        ("multi-krum:1", "expected 2 parameter"),
        ("multi-krum:1,0", "Q must be between 1"),
        ("centered-clip:0", "TAU must be a finite number above 0"),
        ("centered-clip:nan", "TAU must be a finite number above 0"),
        ("centered-clip:1,0", "ITERS must be between 1"),
        (7, "must be a string"),
    ],
)
def test_invalid_settings_are_refused_with_a_clear_error(spec: object, says: str) -> None:
    with pytest.raises(InvalidAggregator, match=says):
        aggregator_from_spec(spec)  # type: ignore[arg-type]


def test_decoding_gives_each_result_its_selected_values_and_zeros_elsewhere() -> None:
    torch.manual_seed(0)
    encoded = [torch.randn(2, 8) for _ in range(3)]
    results = [[compress(e, 2)] for e in encoded]
    (stack,) = decode_dense(results, torch.float32, torch.device("cpu"))
    for row, (tensor,) in zip(stack, results, strict=True):
        assert torch.equal(row, decompress([tensor], torch.float32, torch.device("cpu")))
        assert int((row != 0).sum()) == 4


def test_distro_with_the_mean_rule_applies_todays_scatter_mean_bit_for_bit() -> None:
    torch.manual_seed(1)
    config = DistroConfig(0.9, 8, 16, False)
    weights = torch.randn(16, 16)
    models = [torch.nn.Linear(16, 16, bias=False) for _ in range(2)]
    for model in models:
        model.weight.data.copy_(weights)
    results = [
        DistroResult((compress(torch.randn(1, 1, 16, 16), 8).with_values_as(torch.bfloat16),)) for _ in range(3)
    ]
    Distro(models[0].named_parameters(), config).apply(results, 0.01)
    aggregate = decompress([r.tensors[0] for r in results], torch.float32, torch.device("cpu"))
    chunked = Distro(models[1].named_parameters(), config)
    models[1].weight.data.sub_(chunked._dct.decode(aggregate).sign_(), alpha=0.01)  # noqa: SLF001 - today's arithmetic
    assert torch.equal(models[0].weight, models[1].weight)


@pytest.mark.parametrize("spec", ["median", "trimmed-mean:1", "multi-krum:1,2", "centered-clip:0.5,2", "sign-vote"])
def test_distro_applies_each_rule_identically_on_two_replicas(spec: str) -> None:
    torch.manual_seed(2)
    config = DistroConfig(0.9, 8, 16, False)
    start = torch.randn(16, 16)
    common = torch.randn(1, 1, 16, 16)  # honest peers mostly select the same coefficients
    results = [DistroResult((compress(common + 0.1 * torch.randn(1, 1, 16, 16), 8),)) for _ in range(5)]
    replicas = []
    for _ in range(2):
        model = torch.nn.Linear(16, 16, bias=False)
        model.weight.data.copy_(start)
        Distro(model.named_parameters(), config, aggregator_from_spec(spec)).apply(results, 0.01)
        replicas.append(model.weight.detach().clone())
    assert torch.equal(replicas[0], replicas[1]) and not torch.equal(replicas[0], start)


def test_batched_rules_run_on_cuda_like_on_the_cpu() -> None:
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    stacks = _stacks(SEVEN)
    for rule in (Median(), TrimmedMean(2), MultiKrum(2, 3), CenteredClip(1.0, 3), SignVote()):
        on_gpu = rule.reduce([s.cuda() for s in stacks])
        assert _joined([t.cpu() for t in on_gpu]) == pytest.approx(_joined(rule.reduce(stacks)), rel=1e-5)


def test_all_permutations_of_an_even_count_give_the_same_median_and_trimmed_mean() -> None:
    for order in itertools.permutations(range(4)):
        stacks = _stacks([EVEN[i] for i in order])
        assert _joined(Median().reduce(stacks)) == slow_median(EVEN)
        assert _joined(TrimmedMean(1).reduce(stacks)) == pytest.approx(slow_trimmed(EVEN, 1))


def _sparse_results(count: int, k: int = 2) -> list[list[CompressedTensor]]:
    """``count`` results of a 16 x 16 matrix (one 8 x 8 block grid) and a 64-vector, each selecting its own top k."""
    torch.manual_seed(3)
    dct = ChunkedDCT(8)
    results = []
    for _ in range(count):
        results.append([compress(dct.encode(torch.randn(16, 16)), k), compress(dct.encode(torch.randn(64)), k)])
    return results


@pytest.mark.parametrize("rule", [Median(), TrimmedMean(1)], ids=["median", "trimmed-mean"])
def test_order_statistics_run_on_each_result_decoded_to_parameter_space(rule: Median | TrimmedMean) -> None:
    assert rule.space is AggregationSpace.Parameters
    dct, cpu = ChunkedDCT(8), torch.device("cpu")
    results = _sparse_results(5)
    updates = rule.aggregate(results, torch.float32, cpu, dct.decode)
    for index, update in enumerate(updates):
        decoded = [dct.decode(decompress([result[index]], torch.float32, cpu)) for result in results]
        vectors = [d.reshape(-1).tolist() for d in decoded]
        expected = slow_median(vectors) if isinstance(rule, Median) else slow_trimmed(vectors, 1)
        assert update.shape == decoded[0].shape
        assert update.reshape(-1).tolist() == pytest.approx(expected, abs=1e-6)


def test_sparse_results_that_rarely_overlap_still_move_every_parameter_under_the_median() -> None:
    """Per coefficient the median of 5 results that each selected 2 of a block's 64 is 0; decoded, it is not."""
    dct, cpu = ChunkedDCT(8), torch.device("cpu")
    results = [[matrix] for matrix, _ in _sparse_results(5)]
    (in_coefficients,) = Median().reduce(decode_dense(results, torch.float32, cpu))
    assert int(in_coefficients.count_nonzero()) == 0
    (update,) = Median().aggregate(results, torch.float32, cpu, dct.decode)
    assert int(update.count_nonzero()) == update.numel()


@pytest.mark.parametrize("rule", [Mean(), MultiKrum(1, 3), CenteredClip(0.5, 2), SignVote()], ids=lambda r: r.spec)
def test_the_other_rules_aggregate_coefficients_and_decode_the_aggregate(rule: Aggregator) -> None:
    assert rule.space is AggregationSpace.Coefficients
    dct, cpu = ChunkedDCT(8), torch.device("cpu")
    results = _sparse_results(5)
    updates = rule.aggregate(results, torch.float32, cpu, dct.decode)
    if isinstance(rule, Mean):
        coefficients = [decompress(list(tensors), torch.float32, cpu) for tensors in zip(*results, strict=True)]
    else:
        coefficients = rule.reduce(decode_dense(results, torch.float32, cpu))  # type: ignore[attr-defined]
    for update, aggregate in zip(updates, coefficients, strict=True):
        assert torch.equal(update, dct.decode(aggregate))


def test_the_sign_vote_of_one_bit_results_counts_each_selecting_sign_once() -> None:
    dct, cpu = ChunkedDCT(8), torch.device("cpu")
    results = [[tensor.quantized() for tensor in result] for result in _sparse_results(4, k=5)]
    updates = SignVote().aggregate(results, torch.float32, cpu, dct.decode)
    expected = SignVote().reduce(decode_dense(results, torch.float32, cpu))
    assert all(torch.equal(u, dct.decode(e)) for u, e in zip(updates, expected, strict=True))


def test_every_rule_aggregates_on_cuda_like_on_the_cpu() -> None:
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    dct, results = ChunkedDCT(8), _sparse_results(5)
    for rule in (Mean(), Median(), TrimmedMean(1), MultiKrum(1, 3), CenteredClip(0.5, 2), SignVote()):
        on_cpu = rule.aggregate(results, torch.float32, torch.device("cpu"), dct.decode)
        on_gpu = rule.aggregate(results, torch.float32, torch.device("cuda"), dct.decode)
        for cpu, gpu in zip(on_cpu, on_gpu, strict=True):
            assert gpu.is_cuda and torch.allclose(gpu.cpu(), cpu, rtol=1e-4, atol=1e-6), rule.spec
