"""What the testnet shows while it runs: a snapshot of the run read from the chain, as a line or a JSON line.

The launcher polls the coordinator account (the same account ``json-dump-run`` reads) and prints a snapshot
whenever it changes: a live status line on a terminal, one JSON object per line with ``--headless``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from solders.pubkey import Pubkey

from client.chain.backend import ChainBackend
from client.run_accounts import fetch_run
from coordinator_program.core.queries import current_round, sequence_length
from coordinator_program.core.types import Coordinator, RunState

__all__ = ["RunSnapshot", "coordinator_snapshot", "snapshot", "status_line", "json_line", "tokens_handed_out"]


@dataclass(frozen=True)
class RunSnapshot:
    """The run at one moment; ``points`` are the coordinator's earned points per client wallet (base58)."""

    unix_timestamp: int
    state: str
    epoch: int
    step: int
    epoch_clients: int
    registered_clients: int
    points: dict[str, int]
    tokens: int  # in the batches handed out before the current round (all of them once the run is Finished)

    @property
    def finished(self) -> bool:
        return self.state == RunState.Finished.name


async def snapshot(backend: ChainBackend, run_id: str, treasurer_index: int | None, now: int) -> RunSnapshot:
    run = await fetch_run(backend, run_id, treasurer_index)
    state = run.account.state
    points = {str(Pubkey.from_bytes(bytes(c.id.signer))): int(c.earned) for c in state.clients_state.clients}
    return coordinator_snapshot(state.coordinator, points, len(state.clients_state.clients), now)


def coordinator_snapshot(coordinator: Coordinator, points: dict[str, int], registered: int, now: int) -> RunSnapshot:
    """The snapshot of ``coordinator`` (on chain or on a centralized server) with its clients' ``points``."""
    return RunSnapshot(
        unix_timestamp=now,
        state=RunState(coordinator.run_state).name,
        epoch=int(coordinator.progress.epoch),
        step=int(coordinator.progress.step),
        epoch_clients=len(coordinator.epoch_state.clients),
        registered_clients=registered,
        points=points,
        tokens=tokens_handed_out(coordinator),
    )


def tokens_handed_out(coordinator: Coordinator) -> int:
    """Samples before the current round's first (the epoch's first outside rounds) times the sequence length."""
    in_round = RunState(coordinator.run_state) in (RunState.RoundTrain, RunState.RoundWitness, RunState.Cooldown)
    round_ = current_round(coordinator) if in_round else None
    data_index = coordinator.progress.epoch_start_data_index if round_ is None else round_.data_index
    return int(data_index) * sequence_length(coordinator)


def status_line(snap: RunSnapshot, losses: Mapping[str, float], names: Mapping[str, str]) -> str:
    """One terminal line: state, epoch, step, clients and, per client, its latest loss and points.

    ``losses`` and ``names`` are keyed by wallet like ``snap.points``; clients are listed by name, and a wallet
    without a name shows its prefix.

    >>> snap = RunSnapshot(0, "RoundTrain", 1, 7, 3, 3, {"Xyz": 0, "Abc": 12}, 6144)
    >>> status_line(snap, {"Abc": 2.5}, {"Abc": "client-1", "Xyz": "client-2"})
    'RoundTrain  epoch 1  step 7  clients 3/3  | client-1 loss 2.500 pts 12  client-2 pts 0'
    """
    clients = "  ".join(
        f"{names.get(key, key[:6])}" + (f" loss {losses[key]:.3f}" if key in losses else "") + f" pts {points}"
        for key, points in sorted(snap.points.items(), key=lambda item: names.get(item[0], item[0]))
    )
    line = (
        f"{snap.state}  epoch {snap.epoch}  step {snap.step}  clients {snap.epoch_clients}/{snap.registered_clients}"
    )
    return f"{line}  | {clients}" if clients else line


def json_line(snap: RunSnapshot) -> str:
    """The ``--headless`` form: ``{"event": "run_state", ...}`` on one line, keys sorted."""
    return json.dumps({"event": "run_state", **asdict(snap)}, sort_keys=True)
