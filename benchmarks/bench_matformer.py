"""MatFormer tiers, measured side by side: what a tier saves, what a heterogeneous run learns, how tiers agree.

(a) ``cost``: per tier of config/tiny-llama's model (d 256, 6 layers, FFN 704; tiers 0, 1, 2 keep 704, 352, 176
    channels) on the same batch: parameter count, training FLOPs per token (:func:`flops_per_token` at the active
    width), the fastest of the timed DisTrO steps (train + apply its own result; the fastest, because the machine
    is shared and a slow step measures the neighbours), and the peak memory of a process running those steps: the
    growth of its peak resident set (``getrusage`` ``ru_maxrss``) from just before the model is built to after the
    steps (tracemalloc does not see torch's allocations, and torch keeps no CPU allocator statistics). Each tier
    runs in a fresh subprocess, ``--rounds`` times, the tiers interleaved; memory is the median over rounds. Each
    figure also against tier 0.
(b) ``loss``: held-out loss after the same tokens for a heterogeneous run of three in-process DisTrO clients at
    tiers 0, 1, 2 and a homogeneous run of three tier-0 clients (each client trains its own sequences of the
    committed KJV slice; config/tiny-llama's DisTrO settings and lr; every step's results applied before the next
    step, no delay). For both: the full model (a tier-0 replica) and its sub-models at tier 1 and 2 widths (the
    same replica run on its first FFN channels; in the heterogeneous run these are exactly the tier-1 and tier-2
    clients' weights, checked by hash).
(c) sign agreement: per step, between the decoded results (parameter space) of the tier-0 client and each other
    client, the fraction of coordinates both hold whose signs agree (both nonzero): on the shared FFN prefix only,
    and overall (shared parameters and prefix). The homogeneous run's tier-0 pairs, compared on the same regions,
    are the baseline. The reference's MatFormer fork reports ~0.51-0.53 on the prefix against 0.69-0.76 overall.

Run: ``nice .venv/bin/python benchmarks/bench_matformer.py [--part cost|loss|all] [--steps 100] [--repeats 5]
[--rounds 3] [--threads 1]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_training import TINY_LLAMA, config_distro_recipe, kjv_data  # noqa: E402
from client.train import DistroConfig, DistroResult, Trainer  # noqa: E402
from client.train.data import LocalDataProvider  # noqa: E402
from client.train.matformer import ffn_axis  # noqa: E402
from client.train.model import LlamaForCausalLM, build_model, causal_lm_loss, flops_per_token  # noqa: E402
from client.train.schedule import ConstantLR  # noqa: E402
from coordinator_program.core import BatchId  # noqa: E402
from tests.client.train.tier_harness import TierClient, slice_digest, tier_clients, train_step  # noqa: E402

MODEL_CONFIG: dict[str, Any] = json.loads((TINY_LLAMA / "model" / "config.json").read_text())
SEQ_LEN = 128
TIERS = (0, 1, 2)
CLIENTS_PER_RUN = 3
SEQUENCES_PER_CLIENT = 4


def schedule() -> ConstantLR:
    """config/tiny-llama's: a linear warm-up, then its constant base lr."""
    recipe = config_distro_recipe()
    return ConstantLR(recipe.lr, 0.0, recipe.warmup_steps)


def distro_config() -> DistroConfig:
    """config/tiny-llama's DisTrO settings (chunk 16, top-1, 1-bit signs, clipping 1.0)."""
    optimizer = config_distro_recipe().optimizer
    assert isinstance(optimizer, DistroConfig)
    return optimizer


# -- (a) cost per tier ------------------------------------------------------------------------------------------


def measure_tier(tier: int, repeats: int) -> dict[str, float]:
    """In this (fresh) process: build the tier's model, run ``repeats`` + 1 DisTrO steps on a fixed batch."""
    batch = torch.randint(0, MODEL_CONFIG["vocab_size"], (8, SEQ_LEN), generator=torch.Generator().manual_seed(0))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    model = build_model(MODEL_CONFIG, 0, max_seq_len=SEQ_LEN, matformer_tier=tier)
    trainer = Trainer(model, distro_config(), schedule(), micro_batch_size=8, lookahead=False)
    times: list[float] = []
    previous: list[DistroResult] = []
    for step in range(1, repeats + 2):
        started = time.perf_counter()
        output = trainer.train(step, batch, prev_self=previous)
        assert output.result is not None
        previous = [output.result]
        trainer.optimize(step, [output.result.for_transmission(True)])
        times.append(time.perf_counter() - started)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    return {
        "params": model.num_parameters(),
        "flops_per_token": flops_per_token(model.config, SEQ_LEN),
        "step_s": min(times[1:]),
        "peak_mib": peak_kib / 1024,
    }


def part_cost(repeats: int, rounds: int, threads: int) -> None:
    print(f"(a) cost per tier: config/tiny-llama model, batch 8 x {SEQ_LEN} tokens, {threads} thread(s)")
    measured: dict[int, list[dict[str, float]]] = {tier: [] for tier in TIERS}
    for _ in range(rounds):
        for tier in TIERS:
            command = [sys.executable, __file__, "--measure-tier", str(tier), "--repeats", str(repeats)]
            command += ["--threads", str(threads)]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            measured[tier].append(json.loads(done.stdout.strip().splitlines()[-1]))
    rows = {
        tier: runs[0]
        | {"step_s": min(r["step_s"] for r in runs), "peak_mib": statistics.median(r["peak_mib"] for r in runs)}
        for tier, runs in measured.items()
    }
    base = rows[0]
    print("  tier  FFN width     params (x t0)      FLOPs/token (x t0)   step s (x t0)     peak MiB (x t0)")
    for tier, row in rows.items():
        width = MODEL_CONFIG["intermediate_size"] >> tier
        print(
            f"  {tier:>4}  {width:>9}  {row['params']:>9,} ({row['params'] / base['params']:.2f})"
            f"  {row['flops_per_token'] / 1e6:>9.1f} M ({row['flops_per_token'] / base['flops_per_token']:.2f})"
            f"  {row['step_s']:>8.3f} ({row['step_s'] / base['step_s']:.2f})"
            f"  {row['peak_mib']:>8.1f} ({row['peak_mib'] / base['peak_mib']:.2f})"
        )


# -- (b) and (c): a heterogeneous run against a homogeneous one ---------------------------------------------------


@torch.no_grad()
def heldout_loss(model: LlamaForCausalLM, held_out: torch.Tensor, ffn_width: int | None = None) -> float:
    losses = [float(causal_lm_loss(model(seq.unsqueeze(0), ffn_width), seq.unsqueeze(0))) for seq in held_out]
    return statistics.mean(losses)


def sign_agreement(a: Sequence[torch.Tensor], b: Sequence[torch.Tensor], names: Sequence[str]) -> tuple[float, float]:
    """(prefix, overall): of the coordinates both results hold and both move, the share whose signs agree, on the
    FFN prefix only and over every coordinate (``b``'s FFN tensors may be narrower than ``a``'s)."""
    agree = {"prefix": 0, "shared": 0}
    counted = {"prefix": 0, "shared": 0}
    for name, wide, narrow in zip(names, a, b, strict=True):
        axis = ffn_axis(name)
        held = wide if axis is None else wide.narrow(axis, 0, narrow.shape[axis])
        both = (held != 0) & (narrow != 0)
        region = "shared" if axis is None else "prefix"
        agree[region] += int(((held.sign() == narrow.sign()) & both).sum())
        counted[region] += int(both.sum())
    prefix = agree["prefix"] / max(counted["prefix"], 1)
    overall = (agree["prefix"] + agree["shared"]) / max(counted["prefix"] + counted["shared"], 1)
    return prefix, overall


def client_batches(data: LocalDataProvider, step: int) -> list[torch.Tensor]:
    """Client i's sequences of ``step``: the same tokens for client i in every run."""
    first = (step - 1) * CLIENTS_PER_RUN * SEQUENCES_PER_CLIENT
    return [
        data.get_samples(BatchId(first + i * SEQUENCES_PER_CLIENT, first + (i + 1) * SEQUENCES_PER_CLIENT - 1))
        for i in range(CLIENTS_PER_RUN)
    ]


def run(
    tiers: Sequence[int], data: LocalDataProvider, steps: int, seed: int
) -> tuple[list[TierClient], dict[int, list[Any]]]:
    """Train one run; per other client, its (prefix, overall) sign agreement with client 0 at every step."""
    config = MODEL_CONFIG | {"max_position_embeddings": SEQ_LEN}
    clients = tier_clients(config, tiers, distro_config(), schedule(), seed)
    distro = clients[0].trainer.distro
    assert distro is not None
    agreement: dict[int, list[Any]] = {i: [] for i in range(1, len(clients))}
    started = time.perf_counter()
    for step in range(1, steps + 1):
        sent = train_step(clients, step, client_batches(data, step))
        reference = distro.decoded(sent[0])
        for index in agreement:
            agreement[index].append(sign_agreement(reference, distro.decoded(sent[index]), distro.names))
        if step % 10 == 0:
            print(f"    ... tiers {list(tiers)}: step {step} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return clients, agreement


def part_loss(steps: int, seed: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        data, held_out = kjv_data(SEQ_LEN, Path(directory))
        needed = steps * CLIENTS_PER_RUN * SEQUENCES_PER_CLIENT
        if needed > data.num_sequences():
            raise SystemExit(f"{steps} steps need {needed} sequences; the KJV slice has {data.num_sequences()}")
        start = build_model(MODEL_CONFIG, seed, max_seq_len=SEQ_LEN)
        widths = [MODEL_CONFIG["intermediate_size"] >> tier for tier in TIERS]
        runs = {"tiers 0,1,2": (0, 1, 2), "tiers 0,0,0": (0, 0, 0)}
        outcomes = {label: run(tiers, data, steps, seed) for label, tiers in runs.items()}
        print(
            f"\n(b) held-out loss ({len(held_out)} sequences) after {steps} steps of {CLIENTS_PER_RUN} clients x "
            f"{SEQUENCES_PER_CLIENT} x {SEQ_LEN} tokens, init seed {seed} (start {heldout_loss(start, held_out):.3f})"
        )
        print("  run           full (704)   tier-1 sub-model (352)   tier-2 sub-model (176)")
        for label, (clients, _) in outcomes.items():
            full = clients[0].model
            losses = [heldout_loss(full, held_out, width) for width in widths]
            print(f"  {label}   {losses[0]:>10.3f}   {losses[1]:>22.3f}   {losses[2]:>22.3f}")
        hetero = outcomes["tiers 0,1,2"][0]
        same = all(
            slice_digest(c.model, c.model.config.intermediate_size_active)
            == slice_digest(hetero[0].model, c.model.config.intermediate_size_active)
            for c in hetero[1:]
        )
        print(f"  heterogeneous run: tier-1 and tier-2 clients hold exactly the tier-0 replica's slices: {same}")
        print("\n(c) sign agreement with client 0's decoded result, mean over steps (first 10 | all)")
        print("  pair                          prefix (first 10 | all)   overall (first 10 | all)")
        for label, (clients, agreement) in outcomes.items():
            for index, values in agreement.items():
                prefix = [v[0] for v in values]
                overall = [v[1] for v in values]
                pair = f"{label}: t0 vs t{clients[index].tier} (client {index})"
                print(
                    f"  {pair:<30}  {statistics.mean(prefix[:10]):.3f} | {statistics.mean(prefix):.3f}"
                    f"             {statistics.mean(overall[:10]):.3f} | {statistics.mean(overall):.3f}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=100, help="training steps of each run in (b)")
    parser.add_argument("--repeats", type=int, default=5, help="timed steps per tier in (a), after one warm-up")
    parser.add_argument("--seed", type=int, default=0, help="the weights' initialisation seed in (b)")
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per tier in (a), interleaved")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (1: the machine is shared)")
    parser.add_argument("--part", choices=("cost", "loss", "all"), default="all")
    parser.add_argument("--measure-tier", type=int, help=argparse.SUPPRESS)  # (a)'s subprocess
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.measure_tier is not None:
        print(json.dumps(measure_tier(args.measure_tier, args.repeats)))
        return
    if args.part in ("cost", "all"):
        part_cost(args.repeats, args.rounds, args.threads)
    if args.part in ("loss", "all"):
        part_loss(args.steps, args.seed)


if __name__ == "__main__":
    main()
