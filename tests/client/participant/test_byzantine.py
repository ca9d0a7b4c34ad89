"""Every byzantine attack's output against its definition, and against the validation honest clients apply."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from solders.keypair import Keypair

from client.participant.attack_names import ATTACK_NAMES, InvalidAttack, attack_spec
from client.participant.byzantine import ATTACKS, crafted, dense
from client.participant.result_blob import encode_result
from client.participant.result_checks import ROUNDING_SLACK, ExpectedTensor, ResultRules
from client.train import DistroResult
from client.train.compression import compress

TENSORS = (ExpectedTensor("a.weight", (2, 2, 4, 4), 4), ExpectedTensor("b.bias", (3, 8), 2))
BOUND = 0.5


def _rules(quantize: bool = False, bound: float | None = BOUND) -> ResultRules:
    return ResultRules(TENSORS, quantize, bound)


def _result(seed: int, quantize: bool = False, scale: float = 0.1) -> DistroResult:
    torch.manual_seed(seed)
    common = torch.linspace(-1, 1, 64).reshape(2, 2, 4, 4), torch.linspace(1, -1, 24).reshape(3, 8)
    tensors = [compress(scale * (c + 0.3 * torch.randn(c.shape)), t.k) for c, t in zip(common, TENSORS, strict=True)]
    return DistroResult(tuple(tensors)).for_transmission(quantize)


def _client(rules: ResultRules, honest: list[DistroResult]) -> SimpleNamespace:
    me = Keypair().pubkey()
    received = [SimpleNamespace(sender=Keypair().pubkey(), payload=encode_result(r, 1)) for r in honest]
    received.append(SimpleNamespace(sender=me, payload=encode_result(_result(99), 1)))  # our own: not honest input
    previous = SimpleNamespace(results={0: received})
    return SimpleNamespace(
        me=me,
        node=SimpleNamespace(_handle_blob=None),
        options=SimpleNamespace(seed=5),
        exchange=SimpleNamespace(rules=rules),
        pipeline=SimpleNamespace(previous=previous),
    )


def _attack(spec: str, rules: ResultRules, honest: list[DistroResult]) -> object:
    name, argument = attack_spec(spec)
    return ATTACKS[name](_client(rules, honest), argument)  # type: ignore[arg-type]


def _top_k(target: list[torch.Tensor], rules: ResultRules) -> list[torch.Tensor]:
    """The slow reference of the crafting: per chunk, the k largest |target| kept, clamped, rounded to bf16."""
    kept = []
    limit = BOUND / ROUNDING_SLACK
    for expected, values in zip(rules.tensors, target, strict=True):
        chunks = values.reshape(-1, expected.totalk)
        out = torch.zeros_like(chunks)
        for row in range(chunks.shape[0]):
            order = sorted(range(expected.totalk), key=lambda i: -abs(float(chunks[row, i])))[: expected.k]
            for i in order:
                out[row, i] = float(torch.tensor(max(-limit, min(limit, float(chunks[row, i])))).to(torch.bfloat16))
        kept.append(out.reshape(values.shape))
    return kept


def _same(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return all(torch.allclose(x, y, atol=1e-6) for x, y in zip(a, b, strict=True))


HONEST = [_result(seed) for seed in (1, 2, 3, 4)]
OWN = _result(0)


@pytest.mark.parametrize("spec", ["sign-flip", "scaled:1e6", "ipm:5", "alie:3", "gaussian:100", "sparse-spray:50"])
@pytest.mark.parametrize("quantize", [False, True])
def test_every_attack_passes_the_honest_clients_validation(spec: str, quantize: bool) -> None:
    rules = _rules(quantize, None if quantize else BOUND)
    honest = [_result(seed, quantize) for seed in (1, 2, 3)]
    lie = _attack(spec, rules, honest).tamper(_result(0, quantize))  # type: ignore[attr-defined]
    rules.check(encode_result(lie, 7))  # raises InvalidResult naming the broken rule


def test_sign_flip_sends_minus_scale_times_its_own_result() -> None:
    rules = _rules()
    lie = _attack("sign-flip", rules, HONEST).tamper(OWN)  # type: ignore[attr-defined]
    assert _same(dense(lie), [-t for t in dense(OWN)])
    lie = _attack("sign-flip:2", rules, HONEST).tamper(OWN)  # type: ignore[attr-defined]
    assert _same(dense(lie), _top_k([-2 * t for t in dense(OWN)], rules))


def test_sign_flip_of_a_one_bit_result_flips_every_sign_bit() -> None:
    own = _result(0, quantize=True)
    lie = _attack("sign-flip", _rules(True, None), HONEST).tamper(own)  # type: ignore[attr-defined]
    assert _same(dense(lie), [-t for t in dense(own)])


def test_scaled_results_are_clamped_to_the_honest_bound() -> None:
    lie = _attack("scaled:1e6", _rules(), HONEST).tamper(OWN)  # type: ignore[attr-defined]
    assert _same(dense(lie), _top_k([1e6 * t for t in dense(OWN)], _rules()))
    largest = max(float(t.sparse_val.float().abs().max()) for t in lie.tensors)
    assert BOUND / ROUNDING_SLACK * 0.99 <= largest <= BOUND


def _honest_dense() -> list[torch.Tensor]:
    """The reference's honest statistics, computed one result at a time."""
    return [torch.stack([dense(r)[i] for r in HONEST]) for i in range(len(TENSORS))]


def test_ipm_sends_minus_scale_times_the_honest_mean() -> None:
    target = [-0.5 * stack.sum(dim=0) / len(HONEST) for stack in _honest_dense()]
    lie = _attack("ipm:0.5", _rules(), HONEST).tamper(OWN)  # type: ignore[attr-defined]
    assert _same(dense(lie), _top_k(target, _rules()))


def test_alie_sends_the_honest_mean_plus_z_population_stds() -> None:
    target = []
    for stack in _honest_dense():
        mean = stack.sum(dim=0) / len(HONEST)
        std = ((stack - mean) ** 2).sum(dim=0).div(len(HONEST)).sqrt()
        target.append(mean + 1.5 * std)
    lie = _attack("alie:1.5", _rules(), HONEST).tamper(OWN)  # type: ignore[attr-defined]
    assert _same(dense(lie), _top_k(target, _rules()))


def test_gaussian_sends_seeded_noise_at_scale_times_its_own_rms() -> None:
    generator = torch.Generator().manual_seed(5)
    target = []
    for t in dense(OWN):
        rms = float(t[t != 0].square().mean().sqrt())
        target.append(torch.randn(t.shape, generator=generator) * (2.0 * rms))
    lie = _attack("gaussian:2", _rules(), HONEST).tamper(OWN)  # type: ignore[attr-defined]
    assert _same(dense(lie), _top_k(target, _rules()))


def test_sparse_spray_hits_the_least_selected_coefficients_against_its_own_sign() -> None:
    lie = _attack("sparse-spray:2", _rules(), HONEST).tamper(OWN)  # type: ignore[attr-defined]
    for index, expected in enumerate(TENSORS):
        counts = sum((dense(r)[index] != 0).to(torch.int64) for r in HONEST).reshape(-1, expected.totalk)
        own = dense(OWN)[index].reshape(-1, expected.totalk)
        sent = dense(lie)[index].reshape(-1, expected.totalk)
        for row in range(counts.shape[0]):
            chosen = [i for i in range(expected.totalk) if sent[row, i] != 0]
            assert len(chosen) == expected.k
            others = [i for i in range(expected.totalk) if i not in chosen]
            assert max(int(counts[row, i]) for i in chosen) <= min(int(counts[row, i]) for i in others)
            size = min(2 * float(own[row].abs().max()), BOUND / ROUNDING_SLACK)
            for i in chosen:
                assert float(sent[row, i]) == pytest.approx(-size if own[row, i] >= 0 else size, rel=1e-2)


def test_free_ride_sends_zeros_then_its_previous_result_again() -> None:
    attack = _attack("free-ride", _rules(), HONEST)
    first = attack.tamper(OWN)  # type: ignore[attr-defined]
    assert all(float(t.abs().max()) == 0 for t in dense(first))
    assert attack.tamper(_result(8)) is first  # type: ignore[attr-defined]


def test_without_honest_results_yet_its_own_result_stands_in() -> None:
    attack = _attack("ipm", _rules(), [])
    lie = attack.tamper(OWN)  # type: ignore[attr-defined]
    assert _same(dense(lie), [-t for t in dense(OWN)])


def test_honest_results_of_another_matformer_tier_are_left_out() -> None:
    narrower = DistroResult((compress(torch.ones(2, 2, 2, 4), 4), compress(torch.ones(3, 8), 2)))
    attack = _attack("ipm", _rules(), [*HONEST[:2], narrower])
    lie = attack.tamper(OWN)  # type: ignore[attr-defined]
    target = [-(dense(HONEST[0])[i] + dense(HONEST[1])[i]) / 2 for i in range(len(TENSORS))]
    assert _same(dense(lie), _top_k(target, _rules()))


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("label-flip", "does not apply"),
        ("poison", "unknown attack"),
        ("scaled:x", "must be a number"),
        ("ipm:inf", "must be finite"),
    ],
)
def test_bad_attacks_are_refused(spec: str, says: str) -> None:
    with pytest.raises(InvalidAttack, match=says):
        attack_spec(spec)


def test_crafting_keeps_exactly_k_unique_values_per_chunk() -> None:
    lie = crafted([torch.ones(2, 2, 4, 4), torch.zeros(3, 8)], _rules())
    assert [tuple(t.sparse_val.shape) for t in lie.tensors] == [(2, 2, 4), (3, 2)]
    for tensor in lie.tensors:
        ordered = tensor.indices().sort(dim=-1).values
        assert bool((ordered[..., 1:] != ordered[..., :-1]).all())


def test_every_named_attack_has_its_implementation() -> None:
    assert tuple(ATTACKS) == ATTACK_NAMES


def test_a_client_without_a_seed_still_draws_its_noise() -> None:
    client = _client(_rules(), HONEST)
    client.options.seed = None  # what `train` passes by default
    lie = ATTACKS["gaussian"](client, None).tamper(OWN)  # type: ignore[arg-type]
    _rules().check(encode_result(lie, 1))
