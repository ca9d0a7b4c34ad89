"""What f byzantine clients of 7 do to the honest held-out loss under each aggregation rule, and what each rule costs.

Each cell is a real multi-client DisTrO run on the CPU, every client in this process with its own model replica,
residuals and data: per step each client trains its own batch (``Trainer.train``), publishes its result as the
run transmits it (``quantize_1bit = false``: bf16 values, ``clip_grad_norm`` set so the magnitude bound holds;
``--quantize-1bit``: sign bits), the f byzantine clients replace theirs with the attack's crafted result
(``client.participant.byzantine``, the same code ``train --byzantine`` runs, fed the previous step's honest
payloads), every blob is checked by ``ResultRules.check`` as honest clients check it (a refused one is not applied:
none is, the attacks are crafted to pass), and every client applies the accepted results with the run's
aggregator, told each result's sender (the client's index) so that ``reputation:F`` can key its memory by sender;
the whole run is one epoch. What it leaves out: the chain, P2P and the two-step apply delay (a round is applied
before the next step trains).

Columns: held-out loss at the end (start ``start``), its ratio to the honest f = 0 ``mean`` run, the improvement
(start - end) as a fraction of that baseline's and of the "floor" run's (only the n - f honest clients, no
attacker: the most any rule can keep once f clients train nothing useful), one client's apply time per round
(aggregation, inverse DCT and the sign step: ``Trainer.optimize``), its whole round (its training step plus that
apply), and whether the honest replicas ended bit-identical. f = 0 rows show each rule's cost with no attack.

Run: ``.venv/bin/python benchmarks/bench_byzantine.py [--quick] [--quantize-1bit] [--steps 20] [--sequences 2]
[--aggregator median ...] [--attack ipm ...] [--f 2] [--attacked-aggregator mean ...]`` (the full grid: 7 rules x
(1 + 7 attacks x 2 f) = 105 runs and 2 floor runs; each row is printed as its run ends). ``--round-time N`` instead
times each rule with no attacker beside the mean, N runs interleaved, so a loaded machine's noise weighs on both.
``--sequences`` sets each client's batch: honest results agree more as it grows (the run prints their mean pairwise
cosine), and ``--floors-only`` stops after the baseline and the n - f floors, to see how that moves the floor.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import SimpleNamespace

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from client.participant.byzantine import ATTACKS, Byzantine  # noqa: E402
from client.participant.model_setup import DUMMY_MODEL_CONFIG  # noqa: E402
from client.participant.pipeline import parameter_hash  # noqa: E402
from client.participant.result_blob import decode_result, encode_result  # noqa: E402
from client.participant.result_checks import InvalidResult, ResultRules  # noqa: E402
from client.train import DistroConfig, SyntheticDataProvider, Trainer, build_model  # noqa: E402
from client.train.aggregation import RoundOrigin, aggregator_from_spec, decode_dense  # noqa: E402
from client.train.distro import DistroResult  # noqa: E402
from client.train.reputation import Reputation  # noqa: E402
from client.train.schedule import ConstantLR  # noqa: E402
from coordinator_program.core import BatchId  # noqa: E402

AGGREGATORS = (
    "mean",
    "median",
    "trimmed-mean:2",
    "multi-krum:2,5",
    "centered-clip:0.0003,3",
    "sign-vote",
    "reputation:2",
)
# Language models have no labels to flip; the strongest attacks first, so a partial grid holds them.
BENCH_ATTACKS = ("sign-flip", "ipm", "alie", "sparse-spray", "scaled", "gaussian", "free-ride")
DISTRO = DistroConfig(0.999, 8, 64, False, clip_grad_norm=1.0)
NO_ATTACK = "(none)"
SEQ_LEN = 64
HELD_OUT = BatchId(900_000, 900_015)  # 16 sequences no client trains on
TINY_MODEL = DUMMY_MODEL_CONFIG | {"hidden_size": 64, "intermediate_size": 160, "num_hidden_layers": 2}


@dataclass
class Cell:
    aggregator: str
    attack: str
    f: int
    clients: int
    start: float
    end: float
    apply_ms: float
    round_ms: float
    identical: bool
    refused: int
    honest_cosine: float  # mean over rounds of the honest results' mean pairwise cosine
    dropped: tuple[int, int] | None = None  # reputation:F only: honest and attackers' results it dropped, all rounds
    baseline: Cell | None = field(default=None, repr=False)
    floor: Cell | None = field(default=None, repr=False)


@dataclass
class Setup:
    clients: int
    steps: int
    sequences: int  # per client per step
    model: dict[str, object]
    distro: DistroConfig = DISTRO
    lr: float = 2e-3


class _BenchClient(SimpleNamespace):
    """What an attack reads of its client: the run's rules, the previous round's payloads, a seed, a node to hook."""


def _previous_round(payloads: list[tuple[int, bytes]]) -> SimpleNamespace:
    received = [SimpleNamespace(sender=sender, payload=payload) for sender, payload in payloads]
    return SimpleNamespace(results={0: received})


def honest_cosine(results: list[DistroResult]) -> float:
    """The mean pairwise cosine of ``results`` as dense coefficient vectors: how much honest clients agree in a
    round (near 0 when each result is mostly its own batch's noise)."""
    stacks = decode_dense([result.tensors for result in results], torch.float32, torch.device("cpu"))
    flat = torch.cat([stack.flatten(1) for stack in stacks], 1)
    unit = torch.nn.functional.normalize(flat, dim=1)
    gram = unit @ unit.T
    n = len(results)
    return float((gram.sum() - gram.diagonal().sum()) / (n * (n - 1)))


def run_cell(setup: Setup, aggregator: str, attack: str, f: int, clients: int | None = None) -> Cell:
    """One run of ``clients`` (the setup's by default): 0..n-f-1 honest, the last f running ``attack``; returns the
    held-out losses and timings."""
    clients = clients or setup.clients
    schedule = ConstantLR(setup.lr, 0.0, 0)
    data = SyntheticDataProvider(int(setup.model["vocab_size"]), SEQ_LEN)  # type: ignore[call-overload]
    trainers = []
    for _ in range(clients):
        model = build_model(setup.model, seed=1234, max_seq_len=SEQ_LEN)
        trainers.append(Trainer(model, setup.distro, schedule, aggregator=aggregator_from_spec(aggregator)))
    distro = trainers[0].distro
    assert distro is not None
    rules = ResultRules.for_trainer(distro, schedule, setup.steps)
    honest = clients - f
    attackers: dict[int, Byzantine] = {}
    for index in range(honest, clients):
        shim = _BenchClient(
            me=index, node=SimpleNamespace(_handle_blob=None), options=SimpleNamespace(seed=index),
            exchange=SimpleNamespace(rules=rules), pipeline=SimpleNamespace(previous=None),
        )  # fmt: skip
        attackers[index] = ATTACKS[attack](shim, None)  # type: ignore[arg-type]
    held_out = data.get_samples(HELD_OUT)
    start = trainers[0].evaluate(held_out)
    own: list[list] = [[] for _ in trainers]
    previous: list[tuple[int, bytes]] = []
    apply_s, round_s, cosines, refused = [], [], [], 0
    reputation = distro.aggregator if isinstance(distro.aggregator, Reputation) else None
    dropped = [0, 0]  # honest, attackers'
    for step in range(1, setup.steps + 1):
        blobs = []
        for index, trainer in enumerate(trainers):
            first = ((step - 1) * setup.clients + index) * setup.sequences
            began = time.perf_counter()
            out = trainer.train(
                step, data.get_samples(BatchId(first, first + setup.sequences - 1)), prev_self=own[index]
            )
            if index == 0:
                train_s = time.perf_counter() - began
            assert out.result is not None
            own[index] = [out.result]
            blob = encode_result(out.result.for_transmission(setup.distro.quantize_1bit), out.nonce)
            if index in attackers:
                attackers[index].client.pipeline.previous = _previous_round(previous)
                blob = encode_result(attackers[index].tamper(decode_result(blob)), out.nonce)
            blobs.append(blob)
        accepted, senders = [], []
        for index, blob in enumerate(blobs):
            try:
                rules.check(blob)
                accepted.append(decode_result(blob))
                senders.append(index.to_bytes(4, "big"))
            except InvalidResult:
                refused += 1
        origin = RoundOrigin(0, step, tuple(senders))  # the whole run is one epoch
        cosines.append(honest_cosine([decode_result(blob) for blob in blobs[:honest]]))
        previous = [(i, b) for i, b in enumerate(blobs)]
        for index, trainer in enumerate(trainers):
            began = time.perf_counter()
            trainer.optimize(step, accepted, origin=origin)
            if index == 0:
                apply_s.append(time.perf_counter() - began)
                round_s.append(train_s + apply_s[-1])
        if reputation is not None:
            for sender in reputation.dropped:
                dropped[int.from_bytes(sender, "big") >= honest] += 1
    hashes = {parameter_hash(t.model) for t in trainers[:honest]}
    end = trainers[0].evaluate(held_out)
    return Cell(
        aggregator,
        attack if f else NO_ATTACK,
        f,
        clients,
        start,
        end,
        1000 * statistics.median(apply_s),
        1000 * statistics.median(round_s),
        len(hashes) == 1,
        refused,
        statistics.mean(cosines),
        None if reputation is None else (dropped[0], dropped[1]),
    )


TABLE_HEADER = (
    "| aggregator | attack | f | held-out loss (start → end) | ratio to f=0 mean | improvement vs f=0 mean "
    "| vs n−f honest floor | apply ms/round | round ms/round | honest identical |\n"
    "|---|---|---|---|---|---|---|---|---|---|"
)


def _share(cell: Cell, of: Cell | None) -> str:
    """``cell``'s improvement as a fraction of ``of``'s."""
    return f"{(cell.start - cell.end) / (of.start - of.end):.0%}" if of and of.start != of.end else "n/a"


def row(cell: Cell) -> str:
    """One table row: ratios against the cell's baseline (the honest f = 0 mean run) and its n - f floor."""
    base = cell.baseline
    ratio = f"{cell.end / base.end:.3f}" if base else "n/a"
    floor = _share(cell, cell.floor) if cell.f else "n/a"
    absent = base.clients - cell.clients if base else 0  # a floor run: f clients simply missing
    attack, f = ("(absent)", f"{absent} absent") if absent else (cell.attack, str(cell.f))
    return (
        f"| {cell.aggregator} | {attack} | {f} | {cell.start:.3f} → {cell.end:.3f} | {ratio} | "
        f"{_share(cell, base)} | {floor} | {cell.apply_ms:.1f} | {cell.round_ms:.1f} | "
        f"{'yes' if cell.identical else 'NO'} |"
    )


def print_round_times(setup: Setup, aggregators: list[str], repeats: int) -> None:
    """Each rule's median round and apply time at f = 0 beside the mean's, the runs interleaved (mean, rule, mean,
    rule...) so a shared machine's load weighs on both alike."""
    rules = ["mean", *(a for a in aggregators if a != "mean")]
    runs: dict[str, list[Cell]] = {rule: [] for rule in rules}
    for repeat in range(repeats):
        for rule in rules:
            runs[rule].append(run_cell(setup, rule, NO_ATTACK, 0))
            print(f"[{repeat + 1}/{repeats}] {rule}", file=sys.stderr, flush=True)
    mean_round = statistics.median(c.round_ms for c in runs["mean"])
    print(f"round time with no attacker, median of {repeats} interleaved runs of {setup.steps} steps")
    print("| aggregator | apply ms/round | round ms/round | round time vs mean |\n|---|---|---|---|")
    for rule in rules:
        apply_ms = statistics.median(c.apply_ms for c in runs[rule])
        round_ms = statistics.median(c.round_ms for c in runs[rule])
        print(f"| {rule} | {apply_ms:.1f} | {round_ms:.1f} | {round_ms / mean_round - 1:+.0%} |", flush=True)


def main(argv: list[str] | None = None) -> list[Cell]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a subset on a tiny model, under a minute")
    parser.add_argument("--quantize-1bit", action="store_true", help="results travel as sign bits (the 1-bit case)")
    parser.add_argument("--steps", type=int, help="steps per run [20; --quick 8]")
    parser.add_argument(
        "--sequences",
        type=int,
        help="sequences each client trains per step [2; --quick 1]: larger batches make honest results agree more",
    )
    parser.add_argument(
        "--floors-only",
        action="store_true",
        help="only the f = 0 mean baseline and the n - f honest floors, with the honest results' pairwise cosine",
    )
    parser.add_argument("--aggregator", action="append", help=f"rules to run [{', '.join(AGGREGATORS)}]")
    parser.add_argument("--attack", action="append", choices=BENCH_ATTACKS, help="attacks to run [all]")
    parser.add_argument("--f", action="append", type=int, help="byzantine counts besides 0 [1, 2]")
    parser.add_argument(
        "--attacked-aggregator", action="append", help="rules to run under attack [the --aggregator rules]"
    )
    parser.add_argument(
        "--round-time",
        type=int,
        metavar="N",
        help="instead of the grid: each rule's round time with no attacker beside the mean's, N runs interleaved",
    )
    args = parser.parse_args(argv)
    distro = replace(DISTRO, quantize_1bit=args.quantize_1bit)
    if args.quick:
        setup = Setup(clients=7, steps=args.steps or 8, sequences=args.sequences or 1, model=TINY_MODEL, distro=distro)
        aggregators = args.aggregator or ["mean", "sign-vote", "reputation:2"]
        attacks, counts = args.attack or ["sign-flip"], args.f or [2]
    else:
        setup = Setup(
            clients=7, steps=args.steps or 20, sequences=args.sequences or 2, model=TINY_MODEL, distro=distro
        )
        aggregators, attacks, counts = (
            args.aggregator or list(AGGREGATORS),
            args.attack or BENCH_ATTACKS,
            args.f or [1, 2],
        )
    torch.manual_seed(0)
    torch.set_num_threads(1)  # one thread: timings comparable on a shared machine
    if args.round_time:
        print_round_times(setup, aggregators, args.round_time)
        return []
    began = time.monotonic()
    baseline = run_cell(setup, "mean", NO_ATTACK, 0)
    baseline.baseline = baseline
    cells = [baseline]
    print(
        f"{setup.clients} clients, {setup.steps} steps, {setup.sequences} x {SEQ_LEN} tokens per client per step, "
        f"quantize_1bit = {str(setup.distro.quantize_1bit).lower()}"
    )
    print(TABLE_HEADER)
    print(row(baseline), flush=True)
    floors: dict[int, Cell] = {}
    if not args.quick:
        for f in counts:  # the n - f honest clients alone: what is left to keep once f train nothing useful
            floors[f] = run_cell(setup, "mean", NO_ATTACK, 0, clients=setup.clients - f)
            floors[f].baseline = baseline
            cells.append(floors[f])
            print(row(floors[f]), flush=True)
    print(
        f"honest results' mean pairwise cosine: {baseline.honest_cosine:.3f} ({baseline.clients} clients)"
        + "".join(f", {floor.honest_cosine:.3f} ({floor.clients} clients)" for floor in floors.values()),
        flush=True,
    )
    if args.floors_only:
        return cells
    plan = [(a, NO_ATTACK, 0) for a in aggregators if a != "mean"]
    attacked = args.attacked_aggregator or aggregators
    plan += [(a, attack, f) for f in counts for attack in attacks for a in attacked]
    for number, (aggregator, attack, f) in enumerate(plan, 1):
        cell = run_cell(setup, aggregator, attack, f)
        cell.baseline, cell.floor = baseline, floors.get(f)
        cells.append(cell)
        print(row(cell), flush=True)
        print(
            f"[{number}/{len(plan)} {time.monotonic() - began:5.0f} s] {aggregator:>22} {attack:>12} f={f}: "
            f"{cell.start:.3f} -> {cell.end:.3f}, honest cosine {cell.honest_cosine:.3f}"
            + ("" if cell.dropped is None else f", dropped {cell.dropped[0]} honest / {cell.dropped[1]} attackers'"),
            file=sys.stderr,
            flush=True,
        )
    return cells


if __name__ == "__main__":
    main()
