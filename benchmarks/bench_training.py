"""Training benchmarks, measured side by side in one run.

(a) ``bytes``: bytes a client sends per step with DisTrO (chunk 64, top-8, 1-bit signs: the reference's test config)
    for a 20M LLaMA whose widths are multiples of 64, against a dense bf16 gradient of the same model; plus the
    other rows of spec §3.8, config/tiny-llama's chunk 16 / top-1, and the CPU time of generate/apply.
(b) ``loss``: held-out loss after the same tokens for 3 DisTrO clients exchanging 1-bit results (in-process, results
    applied two steps late exactly as a run's pipeline does; results still pending at a checkpoint are applied to a
    copy before it is evaluated) and for one AdamW process taking the whole batch. DisTrO's settings and schedule
    come from config/tiny-llama; ``--setup`` picks the model and batch (tiny-llama: its 5M byte-level LLaMA on the
    committed KJV slice; 20m: a 19.4M byte-level LLaMA for 1M tokens, which needs ``--text`` of the whole KJV).
``ablation``: the same comparison for AdamW and DisTrO without the delay, with it, and one knob at a time (lr, its
    schedule, warm-up, compression_decay, compression_topk, chunk, weight decay, 1-bit, clipping), on a 0.9M model
    by default; every row trains on the same tokens, two rows at a time in one-thread worker processes (``--jobs``).
(t) ``throughput``: tokens/s of a ~100M model's DisTrO train step and its model FLOPs utilisation (on CUDA with
    bf16 autocast; ``--peak-tflops`` is the device's dense bf16 peak, 989 for an H100 SXM).
(c) ``pipeline``: the step time of a real 3-client run (``psyche-local-testnet start --headless``: validator,
    coordinator, P2P, witnesses, ticks) over one process's step time for the same 20M model, global batch,
    sequence length and DisTrO settings (goal: at most 1.2 as the median of ``--repeats`` runs, 3 by default, each
    a single process then a fresh testnet). The run's step is the median interval between consecutive RoundTrain
    starts in the clients' JSON logs, the first two rounds left out, split into the phases of
    :mod:`pipeline_phases` (apply, training, share, witness, tick). On one machine the three clients share its cores
    (``--client-threads``: torch threads each, by default the cores split between them); on separate machines each
    would train its third of the batch in parallel.

Run: ``.venv/bin/python benchmarks/bench_training.py [--part bytes|loss|ablation|throughput|pipeline|all] [--steps N]``
(``all`` = bytes + loss; ablation, throughput and pipeline run only when asked).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import copy
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import tomli_w  # noqa: E402
from pipeline_phases import median, round_phases  # noqa: E402  (benchmarks/ is on the path when a script runs)

from client.train.data import LocalDataProvider, open_local_dataset  # noqa: E402
from client.train.distro import Distro, DistroResult  # noqa: E402
from client.train.model import build_model, causal_lm_loss, flops_per_token  # noqa: E402
from client.train.optim_config import AdamWConfig, DistroConfig, optimizer_from_definition  # noqa: E402
from client.train.prepare_data import HELDOUT_DIR, prepare  # noqa: E402
from client.train.schedule import ConstantLR, CosineLR, schedule_from_definition  # noqa: E402
from client.train.trainer import Trainer  # noqa: E402
from coordinator_program.core.data_assignment import BatchId  # noqa: E402
from formats.run_config import load_run_config  # noqa: E402
from formats.run_config.small_run import constant_lr, small_run  # noqa: E402

TINY_LLAMA = REPO / "config" / "tiny-llama"

# 20.25M parameters: vocab 8192 (an 8k BPE) tied, width 512, 5 layers, 8 heads of 64, SwiGLU 1408 = 22 x 64.
MODEL_20M = {
    "vocab_size": 8192,
    "hidden_size": 512,
    "intermediate_size": 1408,
    "num_hidden_layers": 5,
    "num_attention_heads": 8,
    "max_position_embeddings": 128,
    "tie_word_embeddings": True,
}
# 97.5M parameters: width 768, 12 layers, 12 heads of 64, SwiGLU 2048, vocab 8192 untied.
MODEL_100M = {
    "vocab_size": 8192,
    "hidden_size": 768,
    "intermediate_size": 2048,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "max_position_embeddings": 1024,
    "tie_word_embeddings": False,
}


def timed(fn: Any, repeats: int) -> float:
    """Median seconds of ``fn()`` over ``repeats`` calls (one warm-up call first)."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def distro_result(model: torch.nn.Module, config: DistroConfig, tokens: torch.Tensor) -> tuple[Distro, DistroResult]:
    """One real forward/backward on ``tokens`` and the unquantized DisTrO result of it."""
    trainer = Trainer(model, config, CosineLR(1e-3, 1e-3, 0.0, 0, 100))
    output = trainer.train(1, tokens)
    assert trainer.distro is not None and output.result is not None
    return trainer.distro, output.result


def part_bytes() -> None:
    print("(a) bytes sent per step per client: DisTrO vs a dense bf16 gradient")
    params = build_model(MODEL_20M, seed=0).num_parameters()
    dense = 2 * params
    tokens = torch.randint(0, 8192, (2, 128), generator=torch.Generator().manual_seed(0))
    print(f"    model: {params / 1e6:.2f}M parameters ({json.dumps(MODEL_20M)})")
    print(f"    dense bf16 gradient: {dense:,} B ({dense / 2**20:.1f} MiB)")
    print(
        f"    {'chunk':>5} {'k':>2} {'values':>6} {'indices B':>11} {'values B':>10} {'total B':>10} {'x smaller':>10}"
    )
    # the rows of spec §3.8, then config/tiny-llama's settings since the ablation
    rows = [(64, 8, True), (64, 4, True), (64, 8, False), (16, 4, False), (16, 1, True)]
    for chunk, k, one_bit in rows:
        config = DistroConfig(0.999, k, chunk, one_bit)
        distro, result = distro_result(build_model(MODEL_20M, seed=0), config, tokens)
        sent = result.for_transmission(one_bit)
        index_bytes = sum(t.index_bytes for t in sent.tensors)
        value_bytes = sum(t.value_bytes for t in sent.tensors)
        kind = "1-bit" if one_bit else "bf16"
        print(
            f"    {chunk:>5} {k:>2} {kind:>6} {index_bytes:>11,} {value_bytes:>10,} {sent.num_bytes:>10,}"
            f" {dense / sent.num_bytes:>9.0f}x"
        )
        if (chunk, k, one_bit) == (64, 8, True):  # config/tiny-llama's settings: the goal and the timings
            goal = (distro, result, sent)
    distro, result, sent = goal
    print(f"    per 4096 parameters (c64 k8 1-bit): {sent.num_bytes / params * 4096:.2f} B (spec §3.8: 17 B)")
    ratio = dense / sent.num_bytes
    print(f"    goal >= 400x smaller: {'met' if ratio >= 400 else 'NOT met'} ({ratio:.0f}x)")

    def generate() -> None:
        distro.error_correction(1e-3)
        distro.generate([result], lr=1e-3)

    peers = [sent, sent, sent]
    print(f"    CPU ({torch.get_num_threads()} threads), 20M model, median of 5:")
    print(f"      generate (undo lookahead, residual update, DCT, top-k): {timed(generate, 5) * 1e3:.0f} ms")
    apply_ms = timed(lambda: distro.apply(peers, 1e-3), 5) * 1e3
    print(f"      apply 3 peers' results (scatter-mean, IDCT, sign-SGD):  {apply_ms:.0f} ms")
    print()


KJV_SLICE = REPO / "data" / "kjv-genesis-exodus.txt"


def prepare_kjv(directory: Path, text_file: Path = KJV_SLICE) -> None:
    """Byte tokens of ``text_file`` (the committed KJV slice by default) in ``directory``, 5% held out at the end."""
    prepare(directory, text_file.read_text(), heldout_fraction=0.05)


def open_kjv_data(directory: Path, seq_len: int) -> tuple[LocalDataProvider, torch.Tensor]:
    """The training sequences of a prepared directory (Local data provider) and the first 32 held-out ones."""
    heldout = open_local_dataset(directory / HELDOUT_DIR, seq_len)
    held_out_batch = heldout.get_samples(BatchId(0, min(heldout.num_sequences(), 32) - 1))
    return open_local_dataset(directory, seq_len), held_out_batch


def kjv_data(seq_len: int, directory: Path) -> tuple[LocalDataProvider, torch.Tensor]:
    """Byte tokens of the committed KJV slice, through prepare_data and the Local data provider."""
    prepare_kjv(directory)
    return open_kjv_data(directory, seq_len)


@dataclass(frozen=True)
class LossSetup:
    """The model, data and batch of a held-out-loss comparison; every recipe of a table trains on the same tokens."""

    label: str
    model_config: dict[str, Any]
    seq_len: int
    clients: int
    per_client: int
    steps: int
    autocast: bool = False

    @property
    def batch(self) -> int:
        """Sequences per step, all clients together."""
        return self.clients * self.per_client


@dataclass(frozen=True)
class Recipe:
    """One row of a loss table: an optimizer, its cosine schedule and, for DisTrO, how late results are applied.

    ``delay`` 2 is a run's pipeline (results of step s applied at step s + 2); 0 applies every step's results before
    the next step trains. ``lookahead`` is DisTrO's error correction (meant for the delay; pointless without it).
    """

    label: str
    optimizer: DistroConfig | AdamWConfig
    lr: float
    warmup_steps: int = 10
    final_lr_ratio: float = 0.1
    delay: int = 2
    lookahead: bool = True

    def schedule(self, steps: int) -> CosineLR:
        """Warm-up from 0, then a half cosine to ``lr * final_lr_ratio`` at the last step."""
        total = max(steps, self.warmup_steps + 1)
        return CosineLR(self.lr, 0.0, self.lr * self.final_lr_ratio, self.warmup_steps, total)


@dataclass(frozen=True)
class LossOutcome:
    """What one recipe reached: held-out loss at the checkpoints, bytes per client per step, replica drift, time."""

    losses: tuple[tuple[int, float], ...]
    sent_bytes: float
    drift: float
    seconds: float


def report_checkpoint(recipe: Recipe, step: int, loss: float) -> None:
    """Progress on stderr while a long recipe trains (the table comes at the end)."""
    print(f"    ... {recipe.label}: step {step}, held-out {loss:.3f}", file=sys.stderr, flush=True)


def check_enough_data(setup: LossSetup, data: LocalDataProvider) -> None:
    """Every step trains on fresh sequences: refuse a setup the data cannot feed (no second epoch)."""
    if setup.steps * setup.batch > data.num_sequences():
        raise SystemExit(
            f"{setup.steps} steps of {setup.batch} need {setup.steps * setup.batch} sequences; the data has"
            f" {data.num_sequences()} (a larger --text?)"
        )


def step_batch(data: LocalDataProvider, step: int, batch: int) -> torch.Tensor:
    """The global batch of ``step`` (1-based): the next ``batch`` sequences of the data, in order."""
    start = (step - 1) * batch
    return data.get_samples(BatchId(start, start + batch - 1))


def train_recipe(
    setup: LossSetup, recipe: Recipe, data: LocalDataProvider, held_out: torch.Tensor, checkpoints: Sequence[int]
) -> LossOutcome:
    """Train ``recipe`` on ``setup``'s tokens and evaluate the held-out loss after each step in ``checkpoints``.

    AdamW is one process taking the whole batch. DisTrO is ``setup.clients`` in-process clients, each training its
    slice of the batch and publishing its quantized result; every client applies the same results, so the replicas
    must end bit-identical (``drift`` 0). Results still pending after a checkpoint step are applied to an evaluation
    copy first, so every recipe is measured on the same trained tokens.
    """
    schedule = recipe.schedule(setup.steps)
    autocast = setup.autocast
    seq_len, batch = setup.seq_len, setup.batch
    started = time.perf_counter()
    losses = []
    if isinstance(recipe.optimizer, AdamWConfig):
        adamw = Trainer(
            build_model(setup.model_config, 0, max_seq_len=seq_len), recipe.optimizer, schedule, batch, autocast
        )
        for step in range(1, setup.steps + 1):
            adamw.train(step, step_batch(data, step, batch))
            adamw.optimize(step)
            if step in checkpoints:
                losses.append((step, adamw.evaluate(held_out)))
                report_checkpoint(recipe, step, losses[-1][1])
        return LossOutcome(tuple(losses), 2.0 * adamw.model.num_parameters(), 0.0, time.perf_counter() - started)

    config = recipe.optimizer
    clients = [
        Trainer(
            build_model(setup.model_config, 0, max_seq_len=seq_len),
            config,
            schedule,
            setup.per_client,
            autocast,
            lookahead=recipe.lookahead,
        )
        for _ in range(setup.clients)
    ]
    published: dict[int, list[DistroResult]] = {}
    own: list[list[DistroResult]] = [[] for _ in clients]
    sent_bytes: list[int] = []
    for step in range(1, setup.steps + 1):
        if recipe.delay and step - recipe.delay in published:
            round_results = published.pop(step - recipe.delay)
            for client in clients:
                client.optimize(step, round_results)
        global_batch = step_batch(data, step, batch)
        published[step] = []
        for index, client in enumerate(clients):
            piece = global_batch[index * setup.per_client : (index + 1) * setup.per_client]
            output = client.train(step, piece, prev_self=own[index])
            assert output.result is not None
            own[index] = [output.result]
            wire = output.result.for_transmission(config.quantize_1bit)
            sent_bytes.append(wire.num_bytes)
            published[step].append(wire)
        if not recipe.delay:
            round_results = published.pop(step)
            for client in clients:
                client.optimize(step, round_results)
        if step in checkpoints:
            losses.append((step, evaluate_with_pending(clients[0], published, recipe.delay, held_out)))
            report_checkpoint(recipe, step, losses[-1][1])
    drift = replica_drift([client.model for client in clients])
    return LossOutcome(tuple(losses), statistics.mean(sent_bytes), drift, time.perf_counter() - started)


@torch.no_grad()
def replica_drift(models: Sequence[torch.nn.Module]) -> float:
    """The largest absolute difference between the first model's parameters and any other's (0: bit-identical)."""
    reference = dict(models[0].named_parameters())
    return max(
        (float((p - reference[n]).abs().max()) for model in models[1:] for n, p in model.named_parameters()),
        default=0.0,
    )


def evaluate_with_pending(
    client: Trainer, published: dict[int, list[DistroResult]], delay: int, held_out: torch.Tensor
) -> float:
    """Held-out loss of ``client``'s model with the results still in the pipeline applied, each at the step that
    would apply it (on a saved copy of the weights, restored afterwards)."""
    if not published:
        return client.evaluate(held_out)
    saved = copy.deepcopy(client.model.state_dict())
    for pending in sorted(published):
        client.optimize(pending + delay, published[pending])
    loss = client.evaluate(held_out)
    client.model.load_state_dict(saved)
    return loss


def loss_setup(name: str, steps: int | None, autocast: bool) -> LossSetup:
    """A named model and batch for parts (b) and ablation (``LOSS_SETUPS``), with its default steps unless given."""
    model_config, clients, per_client, default_steps = LOSS_SETUPS[name]
    llm = load_run_config(TINY_LLAMA / "state.toml").model.llm
    return LossSetup(name, model_config, int(llm.max_seq_len), clients, per_client, steps or default_steps, autocast)


def config_distro_recipe() -> Recipe:
    """DisTrO as config/tiny-llama trains: its optimizer and its schedule's shape (base lr, warm-up, final / base;
    a constant schedule ends where it starts), which every setup stretches to its own steps."""
    llm = load_run_config(TINY_LLAMA / "state.toml").model.llm
    distro_config = optimizer_from_definition(llm.optimizer)
    assert isinstance(distro_config, DistroConfig)
    schedule = schedule_from_definition(llm.lr_schedule)
    if isinstance(schedule, ConstantLR):
        final_lr_ratio = 1.0
    elif isinstance(schedule, CosineLR):
        final_lr_ratio = schedule.final_lr / schedule.base_lr
    else:
        raise SystemExit(f"config/tiny-llama: the benchmark knows constant and cosine schedules, not {schedule}")
    return Recipe(
        "DisTrO, 2-step delay + lookahead (config)",
        distro_config,
        schedule.base_lr,
        schedule.warmup_steps,
        final_lr_ratio,
    )


def run_recipes(
    setup: LossSetup, recipes: Sequence[Recipe], data_dir: Path, jobs: int, checkpoints: Sequence[int]
) -> list[LossOutcome]:
    """Train every recipe on ``setup``'s tokens, ``jobs`` at a time in worker processes of one torch thread each."""
    with concurrent.futures.ProcessPoolExecutor(jobs) as pool:
        futures = [pool.submit(_train_recipe_in_worker, setup, r, data_dir, checkpoints) for r in recipes]
        outcomes = []
        for recipe, future in zip(recipes, futures, strict=True):
            outcomes.append(future.result())
            print(f"    ... {recipe.label}: {outcomes[-1].seconds:.0f} s", file=sys.stderr, flush=True)
    return outcomes


def _train_recipe_in_worker(
    setup: LossSetup, recipe: Recipe, data_dir: Path, checkpoints: Sequence[int]
) -> LossOutcome:
    """One recipe in a worker process of one torch thread (the rows run side by side on a shared machine)."""
    torch.set_num_threads(1)
    data, held_out = open_kjv_data(data_dir, setup.seq_len)
    return train_recipe(setup, recipe, data, held_out, checkpoints)


def part_loss(setup: LossSetup, distro: Recipe, adamw_lr: float, data_dir: Path, jobs: int) -> None:
    """(b): held-out loss at checkpoints for DisTrO clients (a run's pipeline) and one AdamW process."""
    data, held_out = open_kjv_data(data_dir, setup.seq_len)
    check_enough_data(setup, data)
    adamw = dataclasses.replace(ADAMW, lr=adamw_lr)
    params = build_model(setup.model_config, 0).num_parameters()
    tokens_per_step = setup.batch * setup.seq_len
    print(f"(b) held-out loss after the same tokens: {setup.clients} DisTrO clients vs one AdamW process")
    print(
        f"    model {setup.label} ({params / 1e6:.2f}M, byte-level), KJV: {data.num_sequences()} train sequences of"
        f" {setup.seq_len}, {len(held_out)} held-out"
    )
    print(
        f"    global batch {setup.batch} sequences = {tokens_per_step} tokens/step; DisTrO: {setup.clients} clients x"
        f" {setup.per_client}, {distro.optimizer}, lr {distro.lr:g} -> {distro.lr * distro.final_lr_ratio:g}"
        " (cosine; constant if equal),"
        f" {distro.warmup_steps} warm-up steps, results applied 2 steps late (pending ones applied before evaluating)"
    )
    print(
        f"    AdamW: one process x {setup.batch}, cosine lr {adamw_lr:g} -> {adamw_lr * adamw.final_lr_ratio:g},"
        f" {adamw.warmup_steps} warm-up steps, clip 1.0"
    )
    every = max(setup.steps // 12, 1)
    checkpoints = sorted({*range(every, setup.steps + 1, every), setup.steps})
    adamw_out, distro_out = run_recipes(setup, [adamw, distro], data_dir, jobs, checkpoints)
    print(f"    {'step':>5} {'tokens':>9} {'AdamW':>8} {'DisTrO':>8} {'gap':>7}   (held-out loss, nats/byte)")
    for (step, adamw_loss), (_, distro_loss) in zip(adamw_out.losses, distro_out.losses, strict=True):
        gap = (distro_loss / adamw_loss - 1) * 100
        print(f"    {step:>5} {step * tokens_per_step:>9,} {adamw_loss:>8.3f} {distro_loss:>8.3f} {gap:>+6.1f}%")
    print(
        f"    DisTrO bytes sent per client per step: {distro_out.sent_bytes:,.0f} B"
        f" (dense bf16: {2 * params:,} B, {2 * params / distro_out.sent_bytes:.0f}x smaller)"
    )
    print(f"    DisTrO replicas after {setup.steps} steps: max |difference| = {distro_out.drift:g}")
    print(
        f"    wall time: AdamW {adamw_out.seconds:.1f} s, DisTrO ({setup.clients} clients, one process)"
        f" {distro_out.seconds:.1f} s"
    )
    print()


# ~0.9M parameters, byte-level: the smallest LLaMA whose matrices still hold whole 64 x 64 DCT chunks, so an
# ablation row costs about a minute of one core.
MODEL_SMALL = {
    "vocab_size": 256,
    "hidden_size": 128,
    "intermediate_size": 384,
    "num_hidden_layers": 4,
    "num_attention_heads": 2,
    "max_position_embeddings": 128,
    "tie_word_embeddings": True,
}


# 19.4M parameters, byte-level (the 20M shape of MODEL_20M with 6 layers and the 256-byte vocabulary, so that the
# Debian KJV's 4 MB give 1M tokens without a second epoch).
MODEL_20M_BYTES = {**MODEL_20M, "vocab_size": 256, "num_hidden_layers": 6}

# name: (model config, DisTrO clients, sequences per client, default steps); sequences of config/tiny-llama's 128.
LOSS_SETUPS: dict[str, tuple[dict[str, Any], int, int, int]] = {
    "tiny-llama": (json.loads((TINY_LLAMA / "model" / "config.json").read_text()), 3, 4, 150),
    "small": (MODEL_SMALL, 3, 4, 100),
    "20m": (MODEL_20M_BYTES, 3, 8, 326),  # 326 x 24 x 128 = 1,001,472 tokens
}


# What config/tiny-llama trained with before the ablation (decay 0.999 as in the reference's test and docs configs, a
# cosine to a tenth of the base rate): the ablation turns one knob at a time away from it.
PREVIOUS_DISTRO = Recipe(
    "DisTrO, 2-step delay + lookahead (previous config)",
    DistroConfig(
        compression_decay=0.999, compression_topk=8, compression_chunk=64, quantize_1bit=True, clip_grad_norm=1.0
    ),
    lr=1e-3,
    warmup_steps=10,
    final_lr_ratio=0.1,
)
# AdamW keeps its cosine to a tenth whatever DisTrO's schedule (its row of part b is the same as before the ablation).
ADAMW = Recipe("AdamW (one process, whole batch)", AdamWConfig(clip_grad_norm=1.0), 1e-3, 10, 0.1, delay=0)


def ablation_recipes(config: Recipe) -> list[Recipe]:
    """The rows of the ablation: AdamW; the previous DisTrO settings without the delay, with it, with it but without
    the lookahead; one knob at a time; then ``config`` (config/tiny-llama's settings now) and its neighbours."""
    replace = dataclasses.replace
    previous = PREVIOUS_DISTRO
    base, lr, warmup = previous.optimizer, previous.lr, previous.warmup_steps
    assert isinstance(base, DistroConfig)
    return [
        ADAMW,
        replace(previous, label="DisTrO, no delay, no lookahead", delay=0, lookahead=False),
        previous,
        replace(previous, label="DisTrO, 2-step delay, no lookahead", lookahead=False),
        *(replace(previous, label=f"lr x{f:g}", lr=lr * f) for f in (0.3, 3.0)),
        replace(previous, label="lr constant after warm-up", final_lr_ratio=1.0),
        replace(previous, label="lr cosine to 0", final_lr_ratio=0.0),
        *(replace(previous, label=f"warm-up {w} steps", warmup_steps=w) for w in (0, 3 * warmup)),
        *(
            replace(previous, label=f"compression_decay {d:g}", optimizer=replace(base, compression_decay=d))
            for d in (0.99, 0.9)
        ),
        *(
            replace(previous, label=f"compression_topk {k}", optimizer=replace(base, compression_topk=k))
            for k in (2, 32)
        ),
        *(  # the same share of coefficients as 64 / top-8
            replace(
                previous,
                label=f"compression_chunk {c}, top-{k}",
                optimizer=replace(base, compression_chunk=c, compression_topk=k),
            )
            for c, k in ((32, 2), (16, 1))
        ),
        replace(previous, label="weight_decay 0.1", optimizer=replace(base, weight_decay=0.1)),
        replace(previous, label="values as bf16 (no 1-bit)", optimizer=replace(base, quantize_1bit=False)),
        replace(previous, label="no gradient clipping", optimizer=replace(base, clip_grad_norm=None)),
        replace(config, label="config/tiny-llama now"),
        replace(config, label="  the same without the delay and lookahead", delay=0, lookahead=False),
        replace(ADAMW, label="AdamW, lr constant after warm-up", final_lr_ratio=1.0),
    ]


def part_ablation(setup: LossSetup, recipes: Sequence[Recipe], data_dir: Path, jobs: int) -> None:
    """Train every recipe on the same tokens and print their held-out losses against the first row's (AdamW)."""
    data, held_out = open_kjv_data(data_dir, setup.seq_len)
    check_enough_data(setup, data)
    params = build_model(setup.model_config, 0).num_parameters()
    tokens = setup.steps * setup.batch * setup.seq_len
    checkpoints = (setup.steps // 2, setup.steps)
    print(f"DisTrO ablation on {setup.label}: {params / 1e6:.2f}M parameters, {setup.steps} steps of {setup.batch} x")
    print(
        f"    {setup.seq_len} tokens ({tokens:,} tokens), DisTrO {setup.clients} clients x {setup.per_client},"
        f" {len(held_out)} held-out sequences; {len(recipes)} rows, {jobs} at a time (one torch thread each)"
    )
    outcomes = run_recipes(setup, recipes, data_dir, jobs, checkpoints)
    adamw = outcomes[0].losses[-1][1]
    half = checkpoints[0]
    print(
        f"    {'recipe':<44} {'lr':>7} {f'@{half * setup.batch * setup.seq_len:,}':>10} {f'@{tokens:,}':>10}"
        f" {'vs AdamW':>9} {'B/step':>9}"
    )
    for recipe, outcome in zip(recipes, outcomes, strict=True):
        final = outcome.losses[-1][1]
        sent = "dense" if isinstance(recipe.optimizer, AdamWConfig) else f"{outcome.sent_bytes:,.0f}"
        drift = "" if outcome.drift == 0 else f"  replicas differ by {outcome.drift:g}"
        print(
            f"    {recipe.label:<44} {recipe.lr:>7g} {outcome.losses[0][1]:>10.3f} {final:>10.3f}"
            f" {(final / adamw - 1) * 100:>+8.1f}% {sent:>9}{drift}"
        )
    print()


def part_throughput(steps: int, seq_len: int, batch: int, peak_tflops: float | None) -> None:
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    config = {**MODEL_100M, "max_position_embeddings": seq_len}
    model = build_model(config, seed=0, device=device)
    trainer = Trainer(model, DistroConfig(0.999, 8, 64, True), CosineLR(4e-4, 4e-4, 4e-5, 0, 10_000), batch)
    tokens = torch.randint(0, config["vocab_size"], (batch, seq_len), device=device)
    own: list[DistroResult] = []

    def synchronize() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize()

    def forward_backward() -> None:
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=trainer.autocast):
            logits = model(tokens)
        causal_lm_loss(logits, tokens).backward()
        model.zero_grad(set_to_none=True)
        synchronize()

    def distro_step() -> None:
        nonlocal own
        output = trainer.train(1, tokens, prev_self=own)
        assert output.result is not None
        own = [output.result]
        trainer.optimize(1, [output.result.for_transmission(True)] * 3)
        synchronize()

    name = torch.cuda.get_device_name() if device.type == "cuda" else "CPU"
    print(f"(t) throughput of a {model.num_parameters() / 1e6:.1f}M LLaMA on {name}")
    print(f"    batch {batch} x {seq_len} tokens, bf16 autocast {trainer.autocast}, median of {steps}:")
    flops_per_step = flops_per_token(model.config, seq_len) * batch * seq_len
    for label, fn in (("forward + backward", forward_backward), ("DisTrO step (+ generate, apply 3)", distro_step)):
        seconds = timed(fn, steps)
        line = f"      {label:<34} {seconds * 1e3:8.1f} ms  {batch * seq_len / seconds:>10,.0f} tokens/s"
        if peak_tflops:
            line += f"  MFU {flops_per_step / seconds / (peak_tflops * 1e12) * 100:5.1f}% of {peak_tflops:g} TFLOP/s"
        print(line)
    print()


PIPELINE_CLIENTS = 3
PIPELINE_WITNESS_SECONDS = 1  # the run's round_witness_time: the least the coordinator allows
PIPELINE_GOAL = 1.2
LOADED_SLOWDOWN = 1.5  # single-process training this much slower than a client's equal share: the load, not the code
SKIPPED_ROUNDS = 2  # the first rounds apply nothing yet (results are applied two steps late) and warm caches


def pipeline_run_config(model_dir: Path, data_dir: Path, trained_steps: int, batch: int, seq_len: int) -> str:
    """A one-epoch run of ``trained_steps`` steps whose round deadline never cuts a round: compute sets the pace.

    The DisTrO settings are config/tiny-llama's; the witness phase is the least the coordinator allows.
    """
    distro = optimizer_from_definition(load_run_config(TINY_LLAMA / "state.toml").model.llm.optimizer)
    assert isinstance(distro, DistroConfig)
    config = {
        "warmup_time": 120,
        "max_round_train_time": 600,
        "epoch_time": 3600,
        "init_min_clients": PIPELINE_CLIENTS,
        "global_batch_size_start": batch,
        "global_batch_size_end": batch,
        "total_steps": trained_steps + 1,
        "round_witness_time": PIPELINE_WITNESS_SECONDS,
    }
    llm = {
        "max_seq_len": seq_len,
        "checkpoint": {"Hub": {"repo_id": str(model_dir)}},
        "data_location": {"Local": str(data_dir)},
        "lr_schedule": constant_lr(1.0e-3),
        "optimizer": {
            "Distro": {name: value for name, value in dataclasses.asdict(distro).items() if value is not None}
        },
    }
    return tomli_w.dumps(small_run(config=config, llm=llm))


def run_testnet(config_dir: Path, log_dir: Path, timeout_s: float, client_threads: int) -> dict[str, Any]:
    """``psyche-local-testnet start --headless`` with 3 clients, to the run's end; its summary line.

    ``client_threads`` goes to the clients as OMP_NUM_THREADS (they inherit the launcher's environment): three
    processes each running torch's default of one thread per core oversubscribe the machine, which on 2 cores made
    a step 2.9x a single process's instead of 1.3x.
    """
    env = {**os.environ, "OMP_NUM_THREADS": str(client_threads)}
    command = [sys.executable, "-m", "client.testnet.cli", "start", "--headless", "--write-log", str(log_dir)]
    command += ["--num-clients", str(PIPELINE_CLIENTS), "--config-path", str(config_dir)]
    command += ["--headless-exit-after-secs", str(timeout_s)]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout_s + 120, env=env)
    summary = testnet_summary(result.stdout)
    if result.returncode != 0 or summary.get("reason") != "Finished":
        raise SystemExit(f"the testnet run did not finish (exit {result.returncode}): {result.stderr[-3000:]}")
    return summary


def testnet_summary(stdout: str) -> dict[str, Any]:
    """The summary among the headless testnet's JSON lines (the one with the run's end ``reason``; others follow)."""
    for line in reversed(stdout.splitlines()):
        with contextlib.suppress(json.JSONDecodeError):
            record = json.loads(line)
            if isinstance(record, dict) and "reason" in record:
                return record
    return {}


def single_process_steps(
    model_config: dict[str, Any], distro_config: DistroConfig, schedule: Any, batches: list[torch.Tensor]
) -> tuple[list[float], list[float]]:
    """One Trainer taking the whole batch each step; seconds of train (forward/backward, generate) and of apply."""
    trainer = Trainer(build_model(model_config, 0), distro_config, schedule)
    own: list[DistroResult] = []
    train_s, apply_s = [], []
    for step, tokens in enumerate(batches, start=1):
        started = time.perf_counter()
        output = trainer.train(step, tokens, prev_self=own)
        trained = time.perf_counter()
        assert output.result is not None
        own = [output.result]
        trainer.optimize(step, [output.result.for_transmission(distro_config.quantize_1bit)])
        applied = time.perf_counter()
        train_s.append(trained - started)
        apply_s.append(applied - trained)
    return train_s, apply_s


def load_average() -> str:
    """The 1-minute load average: the benchmark shares the machine, and the reader should know with how much."""
    return Path("/proc/loadavg").read_text().split()[0]


@dataclass(frozen=True)
class PipelineRun:
    """One repeat of part (c): the single process's step and its two parts, the testnet round and its phases
    (:mod:`pipeline_phases`), all in seconds per kept step, and the load average before, between and after."""

    single: dict[str, list[float]]
    run: dict[str, list[float]]
    loads: tuple[str, str, str]

    @property
    def ratio(self) -> float:
        """The run's median step over the single process's."""
        return median(self.run["step"]) / median(self.single["step"])


def pipeline_repeat(
    root: Path, index: int, model_config: dict[str, Any], llm: Any, batches: list[torch.Tensor], client_threads: int
) -> PipelineRun:
    """The single process on ``batches``, then a fresh 3-client testnet run of the same steps (logs in ``root``)."""
    distro_config = optimizer_from_definition(llm.optimizer)
    assert isinstance(distro_config, DistroConfig)
    trained_steps = len(batches)
    kept = range(SKIPPED_ROUNDS + 1, trained_steps)  # steps whose RoundTrain start to the next one is measured
    load_before = load_average()
    train_s, apply_s = single_process_steps(
        model_config, distro_config, schedule_from_definition(llm.lr_schedule), batches
    )
    load_between = load_average()
    log_dir = root / f"logs-{index}"
    summary = run_testnet(root / "config", log_dir, 600 + 120 * trained_steps, client_threads)
    logs = [log_dir / f"{client['name']}.jsonl" for client in summary["clients"]]
    client_tokens = batches[0].shape[0] // PIPELINE_CLIENTS * batches[0].shape[1]
    run = round_phases(logs, kept, client_tokens, PIPELINE_WITNESS_SECONDS)
    single = {
        "step": [t + a for t, a in zip(train_s, apply_s, strict=True)][-len(kept) :],
        "train": train_s[-len(kept) :],
        "apply": apply_s[-len(kept) :],
    }
    return PipelineRun(single, run, (load_before, load_between, load_average()))


PIPELINE_ROWS = (
    ("single process: step", "single", "step"),
    ("  train whole batch (fwd/bwd, generate)", "single", "train"),
    ("  apply its own result", "single", "apply"),
    (f"{PIPELINE_CLIENTS}-client run: RoundTrain to RoundTrain", "run", "step"),
    ("  apply (s-2 results, bookkeeping) until training", "run", "apply"),
    ("  training (the client that ends last)", "run", "training"),
    ("  share (publish, download, Finished, witness)", "run", "share"),
    ("  witness (RoundWitness to its chain deadline)", "run", "witness"),
    ("  tick (deadline to the next RoundTrain)", "run", "tick"),
)


def print_pipeline_table(runs: Sequence[PipelineRun]) -> None:
    """Median seconds per row for each run, and the median of the runs' medians."""
    header = "".join(f" {f'run {i}':>8}" for i in range(1, len(runs) + 1))
    print(f"    {'median seconds per step':<50}{header} {'median':>8}")
    for label, side, key in PIPELINE_ROWS:
        values = [median(getattr(run, side)[key]) for run in runs]
        cells = "".join(f" {value:8.2f}" for value in values)
        print(f"    {label:<50}{cells} {median(values):8.2f}")
    ratios = [run.ratio for run in runs]
    print(f"    {'ratio run / single':<50}{''.join(f' {r:8.2f}' for r in ratios)} {median(ratios):8.2f}")
    loads = "".join(f" {'/'.join(run.loads):>8}" for run in runs)
    print(f"    {'load average (before / between / after)':<50}{loads}")


def part_pipeline(trained_steps: int, batch: int, seq_len: int, client_threads: int, repeats: int) -> None:
    if batch % PIPELINE_CLIENTS != 0:
        raise SystemExit(f"--pipeline-batch {batch} must split evenly between {PIPELINE_CLIENTS} clients")
    if trained_steps < SKIPPED_ROUNDS + 3:
        raise SystemExit(f"--steps {trained_steps}: part (c) needs at least {SKIPPED_ROUNDS + 3} steps")
    model_config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", **MODEL_20M}
    model_config["max_position_embeddings"] = seq_len
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        root = Path(tmp)
        (root / "model").mkdir()
        (root / "model" / "config.json").write_text(json.dumps(model_config, indent=2))
        data, _ = kjv_data(seq_len, root / "data")
        if trained_steps * batch > data.num_sequences():
            raise SystemExit(f"{trained_steps} steps of {batch} need more than the data's {data.num_sequences()}")
        (root / "config").mkdir()
        config_text = pipeline_run_config(root / "model", root / "data", trained_steps, batch, seq_len)
        (root / "config" / "state.toml").write_text(config_text)
        llm = load_run_config(root / "config" / "state.toml").model.llm
        distro_config = optimizer_from_definition(llm.optimizer)
        assert isinstance(distro_config, DistroConfig)
        params = build_model(model_config, 0).num_parameters()
        one_bit = "1-bit" if distro_config.quantize_1bit else "bf16"
        kept = trained_steps - SKIPPED_ROUNDS - 1
        print(f"(c) step time: {PIPELINE_CLIENTS}-client testnet run vs one process, same model and batch")
        print(
            f"    model {params / 1e6:.2f}M (MODEL_20M, seq {seq_len}), global batch {batch} x {seq_len} tokens,"
            f" DisTrO chunk {distro_config.compression_chunk} top-{distro_config.compression_topk} {one_bit};"
            f" {trained_steps} steps, median of {kept} (the first {SKIPPED_ROUNDS} left out); {repeats} runs"
        )
        threads = f"single process {torch.get_num_threads()}, each of the {PIPELINE_CLIENTS} clients {client_threads}"
        print(f"    torch threads: {threads}", flush=True)
        batches = [data.get_samples(BatchId(i * batch, (i + 1) * batch - 1)) for i in range(trained_steps)]
        runs = []
        for index in range(1, repeats + 1):
            runs.append(pipeline_repeat(root, index, model_config, llm, batches, client_threads))
            print(f"    ... run {index} of {repeats}: ratio {runs[-1].ratio:.2f}", file=sys.stderr, flush=True)
    print_pipeline_table(runs)
    ratio = median([run.ratio for run in runs])
    verdict = "met" if ratio <= PIPELINE_GOAL else "NOT met"
    slowdown = median([median(run.single["train"]) / median(run.run["training"]) for run in runs])
    overhead = median([median(run.run["step"]) / median(run.run["training"]) for run in runs])
    if slowdown > LOADED_SLOWDOWN:  # equal compute: the single process trains about as long as the slowest client
        verdict = (
            f"not measured: the single process trained {slowdown:.1f}x as long as a client's equal share (a loaded"
            " machine stalls a 2-thread process far more than three 1-thread ones); the run's own overhead is its"
            f" step over its training, median {overhead:.2f}"
        )
    print(f"    median ratio of {repeats} runs: {ratio:.2f}; goal <= {PIPELINE_GOAL}: {verdict}")
    print(
        "    single step: forward/backward of the whole batch (micro-batch 1, as a client), DisTrO generate,"
        " apply of its one 1-bit result"
    )
    print(
        f"    run step: each client applies the {PIPELINE_CLIENTS} results of step s-2 (worked out during the"
        " witness phase before), trains its third of the batch, publishes over P2P and downloads the others';"
        f" witness transactions, the {PIPELINE_WITNESS_SECONDS} s witness phase and a tick through the local validator"
    )
    print(
        f"    caveat: the {PIPELINE_CLIENTS} clients share this machine's {os.cpu_count()} cores; on separate machines"
        " each would train its third of the batch in parallel"
    )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--part", choices=["bytes", "loss", "ablation", "throughput", "pipeline", "all"], default="all"
    )
    parser.add_argument(
        "--steps",
        type=int,
        default=None,
        help="steps of part (b) and ablation (the setup's: tiny-llama 150, small 100, 20m 326) and (c) (12);"
        " of (t) the timed repeats (150)",
    )
    parser.add_argument(
        "--setup",
        choices=sorted(LOSS_SETUPS),
        default=None,
        help="model and batch of part (b) (default tiny-llama) and ablation (default small); 20m needs --text",
    )
    parser.add_argument(
        "--text",
        type=Path,
        default=KJV_SLICE,
        help="text of parts (b) and ablation, byte-tokenized, 5%% held out (default: the committed KJV slice, 350k"
        " tokens; the 20m setup's 1M tokens need more, e.g. the whole KJV of Debian's bible-kjv)",
    )
    parser.add_argument("--jobs", type=int, default=2, help="recipes trained side by side in (b) and ablation")
    parser.add_argument("--adamw-lr", type=float, default=1e-3, help="AdamW base lr of part (b)")
    parser.add_argument(
        "--distro-lr", type=float, default=None, help="DisTrO base lr of part (b) (default config/tiny-llama's)"
    )
    parser.add_argument("--autocast", action="store_true", help="bf16 autocast on the CPU too (part b)")
    parser.add_argument("--seq-len", type=int, default=1024, help="part (t) sequence length")
    parser.add_argument("--batch", type=int, default=16, help="part (t) sequences per step")
    parser.add_argument("--peak-tflops", type=float, default=None, help="device peak for MFU, e.g. 989 (H100)")
    parser.add_argument("--pipeline-batch", type=int, default=24, help="part (c) global batch (sequences)")
    parser.add_argument("--pipeline-seq-len", type=int, default=128, help="part (c) sequence length")
    parser.add_argument(
        "--repeats", type=int, default=3, help="part (c) runs (single process, then testnet), reported with the median"
    )
    parser.add_argument(
        "--client-threads",
        type=int,
        default=max(1, (os.cpu_count() or 1) // PIPELINE_CLIENTS),
        help="part (c) torch threads per client (default: the cores split between the clients, at least 1)",
    )
    args = parser.parse_args()
    torch.manual_seed(0)
    if args.part in ("bytes", "all"):
        part_bytes()
    if args.part in ("loss", "ablation", "all"):
        with tempfile.TemporaryDirectory(prefix="bench-loss-") as data_dir:
            prepare_kjv(Path(data_dir), args.text)
            distro = config_distro_recipe()
            if args.part == "ablation":
                setup = loss_setup(args.setup or "small", args.steps, args.autocast)
                part_ablation(setup, ablation_recipes(distro), Path(data_dir), args.jobs)
            else:
                if args.distro_lr is not None:
                    distro = dataclasses.replace(distro, lr=args.distro_lr)
                setup = loss_setup(args.setup or "tiny-llama", args.steps, args.autocast)
                part_loss(setup, distro, args.adamw_lr, Path(data_dir), args.jobs)
    if args.part == "throughput":
        part_throughput(args.steps or 150, args.seq_len, args.batch, args.peak_tflops)
    if args.part == "pipeline":
        part_pipeline(args.steps or 12, args.pipeline_batch, args.pipeline_seq_len, args.client_threads, args.repeats)


if __name__ == "__main__":
    main()
