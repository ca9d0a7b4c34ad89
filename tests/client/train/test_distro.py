"""The DisTrO optimizer: residual bookkeeping, lookahead, weight decay, and the aggregated sign-SGD apply."""

from __future__ import annotations

import logging

import pytest
import torch
from torch import nn

from client.train.compression import compress, decompress
from client.train.dct import ChunkedDCT
from client.train.distro import Distro, DistroResult
from client.train.errors import IncompatibleResultError
from client.train.optim_config import DistroConfig
from tests.client.train.reference import slow_decode, slow_scatter_mean

CONFIG = DistroConfig(compression_decay=0.9, compression_topk=3, compression_chunk=8, quantize_1bit=True)
SHAPES = {"b.weight": (16, 24), "a.norm": (32,), "c.proj": (8, 40)}  # deliberately not in name order


def make_params(seed: int = 0) -> dict[str, nn.Parameter]:
    generator = torch.Generator().manual_seed(seed)
    return {name: nn.Parameter(torch.randn(shape, generator=generator)) for name, shape in SHAPES.items()}


def set_grads(params: dict[str, nn.Parameter], seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    for param in params.values():
        param.grad = torch.randn(param.shape, generator=generator)


def sorted_params(params: dict[str, nn.Parameter]) -> list[nn.Parameter]:
    return [params[name] for name in sorted(params)]


def test_parameters_are_visited_in_name_order() -> None:
    params = make_params()
    distro = Distro(params.items(), CONFIG)
    assert distro.names == ("a.norm", "b.weight", "c.proj")
    distro.error_correction(0.0)
    set_grads(params, 1)
    result = distro.generate([], lr=0.1)
    dct = ChunkedDCT(CONFIG.compression_chunk)
    assert [t.xshape for t in result.tensors] == [dct.encoded_shape(SHAPES[n]) for n in distro.names]


def test_first_generate_compresses_lr_times_the_gradient() -> None:
    params = make_params()
    distro = Distro(params.items(), CONFIG)
    distro.error_correction(0.0)
    set_grads(params, 1)
    result = distro.generate([], lr=0.5)
    dct = ChunkedDCT(CONFIG.compression_chunk)
    for param, delta, sent in zip(sorted_params(params), distro.deltas, result.tensors, strict=True):
        torch.testing.assert_close(delta, 0.5 * param.grad)
        expected = compress(dct.encode(0.5 * param.grad), CONFIG.compression_topk)
        assert torch.equal(sent.indices().sort(-1).values, expected.indices().sort(-1).values)


def test_generate_removes_what_was_sent_then_decays_and_adds_the_new_gradient() -> None:
    params = make_params()
    distro = Distro(params.items(), CONFIG)
    distro.error_correction(0.0)
    set_grads(params, 1)
    first = distro.generate([], lr=0.5)
    before = [d.clone() for d in distro.deltas]
    distro.error_correction(0.5)
    set_grads(params, 2)
    distro.generate([first], lr=0.25)
    dct = ChunkedDCT(CONFIG.compression_chunk)
    for index, param in enumerate(sorted_params(params)):
        sent = dct.decode(decompress([first.tensors[index]], torch.float32, torch.device("cpu")))
        expected = CONFIG.compression_decay * (before[index] - sent) + 0.25 * param.grad
        torch.testing.assert_close(distro.deltas[index], expected)


def test_lookahead_steps_along_the_residual_sign_and_generate_undoes_it_exactly() -> None:
    params = make_params()
    distro = Distro(params.items(), CONFIG)
    distro.error_correction(0.0)
    set_grads(params, 1)
    distro.generate([], lr=0.5)  # the residual is now non-zero
    start = [p.detach().clone() for p in sorted_params(params)]
    distro.error_correction(0.125)
    for param, saved, delta in zip(sorted_params(params), start, distro.deltas, strict=True):
        torch.testing.assert_close(param.detach(), saved - 0.125 * delta.sign())
    distro.generate([], lr=0.5)
    assert all(torch.equal(p.detach(), s) for p, s in zip(sorted_params(params), start, strict=True))


def test_undo_lookahead_restores_the_parameters_of_a_cancelled_step() -> None:
    params = make_params()
    distro = Distro(params.items(), CONFIG)
    distro.error_correction(0.0)
    set_grads(params, 1)
    distro.generate([], lr=0.5)
    start = [p.detach().clone() for p in sorted_params(params)]
    distro.error_correction(0.3)
    distro.undo_lookahead()
    assert all(torch.equal(p.detach(), s) for p, s in zip(sorted_params(params), start, strict=True))
    with pytest.raises(RuntimeError, match="error_correction"):
        distro.undo_lookahead()


def test_weight_decay_shrinks_the_parameters_in_generate() -> None:
    params = make_params()
    start = [p.detach().clone() for p in sorted_params(params)]
    distro = Distro(params.items(), DistroConfig(0.9, 3, 8, True, weight_decay=0.1))
    distro.error_correction(0.0)
    set_grads(params, 1)
    distro.generate([], lr=0.5)
    for param, saved in zip(sorted_params(params), start, strict=True):
        torch.testing.assert_close(param.detach(), saved * (1 - 0.5 * 0.1))


def test_zero_optim_forgets_the_residuals() -> None:
    params = make_params()
    distro = Distro(params.items(), CONFIG)
    distro.error_correction(0.0)
    set_grads(params, 1)
    distro.generate([], lr=0.5)
    distro.zero_optim()
    assert all(not d.any() for d in distro.deltas)


def peer_results(count: int) -> list[DistroResult]:
    """Results of ``count`` independent clients, one of them sending values rather than sign bits."""
    results = []
    for peer in range(count):
        params = make_params(seed=100 + peer)
        distro = Distro(params.items(), CONFIG)
        distro.error_correction(0.0)
        set_grads(params, 200 + peer)
        result = distro.generate([], lr=1.0)
        results.append(result.for_transmission(quantize_1bit=peer != 1))
    return results


def test_apply_is_sign_sgd_on_the_scatter_mean_of_every_peer() -> None:
    results = peer_results(3)
    params = make_params()
    start = {name: p.detach().clone() for name, p in params.items()}
    distro = Distro(params.items(), CONFIG)
    distro.apply(results, lr=0.01)
    for index, name in enumerate(distro.names):
        decoded = slow_decode(slow_scatter_mean([r.tensors[index] for r in results])).reshape(SHAPES[name])
        expected = start[name] - 0.01 * decoded.sign().float()
        clear = decoded.abs() > 1e-5  # the sign of a near-zero sum may differ by rounding
        assert clear.float().mean() > 0.9
        torch.testing.assert_close(params[name].detach()[clear], expected[clear])


def test_packed_results_apply_like_the_originals() -> None:
    results = peer_results(2)
    over_the_wire = [DistroResult.unpack(r.pack()) for r in results]
    direct, wired = make_params(), make_params()
    Distro(direct.items(), CONFIG).apply(results, lr=0.01)
    Distro(wired.items(), CONFIG).apply(over_the_wire, lr=0.01)
    assert all(torch.equal(direct[n], wired[n]) for n in SHAPES)


def test_an_update_worked_out_ahead_steps_bit_for_bit_like_apply() -> None:
    results = peer_results(3)
    applied, ahead = make_params(), make_params()
    Distro(applied.items(), CONFIG).apply(results, lr=0.01)
    distro = Distro(ahead.items(), CONFIG)
    update = distro.update_of(results)
    assert update is not None
    untouched = make_params()
    assert all(torch.equal(ahead[n], untouched[n]) for n in SHAPES)  # working it out changes nothing yet
    after = dict(distro.parameters_after(update, lr=0.01))
    distro.apply_update(update, lr=0.01)
    assert all(torch.equal(ahead[n], applied[n]) and torch.equal(after[n], applied[n]) for n in SHAPES)


def test_no_results_make_no_update() -> None:
    assert Distro(make_params().items(), CONFIG).update_of([]) is None


def test_identical_results_aggregate_to_the_same_update_as_one() -> None:
    result = peer_results(1)[0]
    once, thrice = make_params(), make_params()
    Distro(once.items(), CONFIG).apply([result], lr=0.01)
    Distro(thrice.items(), CONFIG).apply([result, result, result], lr=0.01)
    assert all(torch.equal(once[n], thrice[n]) for n in SHAPES)


def test_empty_results_change_nothing(caplog: pytest.LogCaptureFixture) -> None:
    params = make_params()
    start = {n: p.detach().clone() for n, p in params.items()}
    with caplog.at_level(logging.WARNING):
        Distro(params.items(), CONFIG).apply([], lr=0.01)
    assert "Empty DisTrO gradients" in caplog.text
    assert all(torch.equal(params[n], start[n]) for n in SHAPES)


def test_results_for_another_model_are_refused() -> None:
    params = make_params()
    distro = Distro(params.items(), CONFIG)
    result = peer_results(1)[0]
    with pytest.raises(IncompatibleResultError, match="tensors"):
        distro.apply([DistroResult(result.tensors[:2])], lr=0.01)
    swapped = DistroResult((result.tensors[1], result.tensors[0], result.tensors[2]))
    with pytest.raises(IncompatibleResultError, match="a.norm"):
        distro.apply([swapped], lr=0.01)
