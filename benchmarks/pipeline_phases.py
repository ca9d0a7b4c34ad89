"""Where a testnet round's time goes, read back from the clients' JSON-lines logs (bench_training.py part c).

A round, from the first client seeing RoundTrain to the first seeing the next one, splits into five phases that add
up to it exactly:

* ``apply``: from RoundTrain until the slowest client starts training: applying the results of step s-2, the
  health checks and the round's bookkeeping (the client whose training ends last sets the round's pace);
* ``training``: that client's forward/backward and DisTrO generate (its tokens over the ``tokens_per_sec`` of its
  ``client_loss`` line);
* ``share``: from its training's end until RoundWitness: publishing, the others' downloads, the Finished
  announcements and the witness transactions;
* ``witness``: RoundWitness until its chain deadline: ``round_witness_time`` whole seconds after the second in which
  it began (the coordinator's ``timeout``), taken from when the first client saw it;
* ``tick``: from that deadline until the next RoundTrain is seen: noticing the deadline, the tick transaction and
  its notification.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from client.testnet.client_logs import read_events

__all__ = ["PHASES", "log_time", "median", "round_phases", "state_starts"]

PHASES = ("apply", "training", "share", "witness", "tick")


def log_time(record: dict[str, Any]) -> float:
    """Seconds since the epoch of a client log line's ``timestamp`` (UTC, milliseconds)."""
    parsed = datetime.strptime(record["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return parsed.timestamp()


def state_starts(log_files: Sequence[Path], state: str) -> dict[int, float]:
    """When each step entered ``state``: the earliest of the clients' ``state_change`` lines."""
    starts: dict[int, float] = {}
    for log_file in log_files:
        for record in read_events(log_file, "state_change"):
            if record["new_state"] == state:
                starts[record["step"]] = min(starts.get(record["step"], math.inf), log_time(record))
    return starts


def training_spans(log_files: Sequence[Path], client_tokens: int) -> dict[int, list[tuple[float, float]]]:
    """Per step, each client's (start, end) of training: its ``trained_batch`` line ends it, and its ``client_loss``
    line's ``tokens_per_sec`` over its ``client_tokens`` says how long it took."""
    spans: dict[int, list[tuple[float, float]]] = {}
    for log_file in log_files:
        ends = {record["step"]: log_time(record) for record in read_events(log_file, "trained_batch")}
        for record in read_events(log_file, "client_loss"):
            step = record["step"]
            if step in ends and record["tokens_per_sec"] > 0:
                seconds = client_tokens / record["tokens_per_sec"]
                spans.setdefault(step, []).append((ends[step] - seconds, ends[step]))
    return spans


def round_phases(
    log_files: Sequence[Path], steps: Sequence[int], client_tokens: int, witness_seconds: int
) -> dict[str, list[float]]:
    """Seconds of each phase (:data:`PHASES`) and of the whole ``step`` for every step of ``steps`` whose phases the
    logs show (a poll can miss a short RoundWitness; such a step is left out)."""
    train_starts = state_starts(log_files, "RoundTrain")
    witness_starts = state_starts(log_files, "RoundWitness")
    spans = training_spans(log_files, client_tokens)
    phases: dict[str, list[float]] = {name: [] for name in ("step", *PHASES)}
    for step in steps:
        if not {step, step + 1} <= train_starts.keys() or step not in witness_starts or not spans.get(step):
            continue
        start, witness, following = train_starts[step], witness_starts[step], train_starts[step + 1]
        slowest_start, slowest_end = max(spans[step], key=lambda span: span[1])
        deadline = min(max(math.floor(witness) + witness_seconds, witness), following)
        phases["step"].append(following - start)
        phases["apply"].append(slowest_start - start)
        phases["training"].append(slowest_end - slowest_start)
        phases["share"].append(witness - slowest_end)
        phases["witness"].append(deadline - witness)
        phases["tick"].append(following - deadline)
    return phases


def median(values: Sequence[float]) -> float:
    """The median, or NaN for no values."""
    return statistics.median(values) if values else math.nan
