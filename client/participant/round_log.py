"""What a client logs about each round (the events of spec §7): its election and assigned batches
(``witness_elected``), the batches whose results it does not apply and why, and its ``client_loss`` line with the
reference's metrics (:mod:`client.participant.round_metrics`), from which the experiment trackers log.
"""

from __future__ import annotations

from dataclasses import dataclass

from solders.pubkey import Pubkey

from client.participant.logs import emit
from client.participant.model_setup import TrainingSetup
from client.participant.round_metrics import RoundFigures, round_metrics
from client.participant.round_state import RoundState
from client.train.model_families import output_size
from client.train.schedule import learning_rate
from coordinator_program.core import BatchId, coordinator_cold_start_warmup_bounds
from coordinator_program.core.types import Committee, Coordinator

__all__ = ["RoundOutcome", "report_election", "report_round", "report_skipped"]


@dataclass(frozen=True)
class RoundOutcome:
    """What this client's training of one round came to; ``loss`` None when it trained nothing, and
    ``parameter_hash`` is of the weights it trained with."""

    parameter_hash: str
    trained_batches: int = 0
    train_seconds: float = 0.0
    loss: float | None = None
    tokens_per_sec: float = 0.0


def report_skipped(event: str, batches: tuple[BatchId, ...], step: int, why: str) -> None:
    """Log the batches of ``step`` whose results are not applied, and why."""
    if batches:
        names = [str(batch) for batch in batches]
        emit(event, f"skipped the results for batches {names} of step {step}: {why}", batch_ids=names)


def report_election(
    me: Pubkey,
    coordinator: Coordinator,
    current: RoundState,
    index: int,
    batches: list[BatchId],
    bounds: tuple[int, int] | None,
) -> None:
    """``witness_elected``: this round's committee and witness draw for us, and our batches.

    Logged by every client once per round, elected or not (``witness`` says which), as the reference's
    ``WitnessElected`` marker: a test or an operator reads from it who witnesses which step.
    """
    committee = current.selection.get_committee(index)
    witness_position, elected = current.selection.get_witness(index)
    role = "a witness" if elected else "not a witness"
    emit(
        "witness_elected",
        f"Got training assignment for step {current.step} (round {current.height}, epoch "
        f"{int(coordinator.progress.epoch)}): {len(batches)} batches, {Committee(committee.committee).name}, {role}",
        client_id=str(me),
        step=current.step,
        round=current.height,
        epoch=int(coordinator.progress.epoch),
        index=index,
        committee_position=int(committee.position),
        committee=Committee(committee.committee).name,
        witness_position=int(witness_position),
        witness=bool(elected),
        warmup_lr_between=list(bounds) if bounds is not None else None,
        assigned_batches=[str(batch) for batch in batches],
    )


def report_round(
    me: Pubkey,
    coordinator: Coordinator,
    current: RoundState,
    setup: TrainingSetup,
    matformer_tier: int,
    outcome: RoundOutcome,
    peers: int,
    step_seconds: float,
) -> None:
    """``client_loss``: the round's loss, speed and weights as this client trained it, with the metrics."""
    epoch = int(coordinator.progress.epoch)
    trainer = setup.trainer
    trained = outcome.trained_batches > 0
    figures = RoundFigures(
        loss=outcome.loss,
        lr=learning_rate(trainer.schedule, current.step, coordinator_cold_start_warmup_bounds(coordinator)),
        outputs=output_size(trainer.model),
        total_tokens=max((batch.end + 1 for batch in current.assignments), default=0) * setup.seq_len,
        tokens_per_sec=outcome.tokens_per_sec,
        train_seconds=outcome.train_seconds,
        step_seconds=step_seconds,
        num_clients=len(coordinator.epoch_state.clients),
        epoch=epoch,
        round=current.height,
        grad_norm=trainer.last_grad_norm if trained else None,
        layer_grad_norms=trainer.last_layer_norms if trained else {},
    )
    loss_text = "n/a" if outcome.loss is None else f"{outcome.loss:.4f}"
    emit(
        "client_loss",
        f"epoch {epoch} step {current.step} loss {loss_text} tokens/s {outcome.tokens_per_sec:,.0f} "
        f"peers heard {peers} weights {outcome.parameter_hash[:12]}",
        client_id=str(me),
        epoch=epoch,
        step=current.step,
        matformer_tier=matformer_tier,
        loss=outcome.loss if outcome.loss is not None else float("nan"),
        trained_batches=outcome.trained_batches,
        tokens_per_sec=outcome.tokens_per_sec,
        peers_heard=peers,
        parameter_hash=outcome.parameter_hash,
        metrics=round_metrics(figures),
    )
