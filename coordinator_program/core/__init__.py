"""The coordinator's pure run state machine (no Solana, no I/O).

Operations take the account's ``Coordinator`` structure (``coordinator_program.core.types``) and change it in
place, as the reference's zero-copy Rust struct does. An operation that raises ``CoordinatorFailure`` changed
nothing; one that raises ``CoordinatorPanic`` (a Rust panic in the reference) has been rolled back, unless the
caller discards the state on a panic anyway (``state_discarded_on_panic``).
"""

from coordinator_program.core.atomic import state_discarded_on_panic
from coordinator_program.core.batch_size import BatchSizeSchedule, round_half_away_from_zero, saturating_u16
from coordinator_program.core.bloom import BLOOM_FALSE_RATE, Bloom, bloom_add, bloom_contains, fnv1a_keyed
from coordinator_program.core.checkpoint import checkpoint
from coordinator_program.core.checks import cold_start_warmup_steps_fit, config_error, model_error, progress_ok
from coordinator_program.core.committee import COMMITTEE_SALT, WITNESS_SALT, CommitteeSelection
from coordinator_program.core.data_assignment import BatchId, assign_batches, batch_ids_for_round, split_batch
from coordinator_program.core.epochs import clock_random_seed, cold_start_warmup_bounds
from coordinator_program.core.errors import (
    ConfigError,
    CoordinatorError,
    CoordinatorFailure,
    CoordinatorPanic,
    CoreError,
)
from coordinator_program.core.health_check import HealthCheck, health_check, healthy, trainer_healthy
from coordinator_program.core.lifecycle import pause, resume
from coordinator_program.core.queries import (
    active,
    assign_data_for_state,
    batch_ids_for,
    client_at_historical_index,
    client_signers,
    committee_selection,
    coordinator_cold_start_warmup_bounds,
    coordinator_witness_quorum,
    current_round,
    halted,
    historical_clients,
    is_training_just_starting,
    is_warmup_just_starting,
    last_step_set,
    previous_previous_round,
    previous_round,
    target_global_batch_size,
    witness_nodes_target,
)
from coordinator_program.core.quorum import (
    WITNESS_QUORUM_RAIO,
    select_consensus_commitment,
    trainer_healthy_score,
    witness_quorum,
)
from coordinator_program.core.shuffle import compute_shuffled_index, deterministic_shuffle, sha256v
from coordinator_program.core.tick import EpochEnd, Ticked, TickResult, tick
from coordinator_program.core.transitions import withdraw, withdraw_all
from coordinator_program.core.witness import warmup_witness, witness

__all__ = [
    "BLOOM_FALSE_RATE",
    "COMMITTEE_SALT",
    "WITNESS_QUORUM_RAIO",
    "WITNESS_SALT",
    "BatchId",
    "BatchSizeSchedule",
    "Bloom",
    "CommitteeSelection",
    "ConfigError",
    "CoordinatorError",
    "CoordinatorFailure",
    "CoordinatorPanic",
    "CoreError",
    "EpochEnd",
    "HealthCheck",
    "TickResult",
    "Ticked",
    "active",
    "assign_batches",
    "assign_data_for_state",
    "batch_ids_for",
    "batch_ids_for_round",
    "bloom_add",
    "bloom_contains",
    "checkpoint",
    "client_at_historical_index",
    "client_signers",
    "clock_random_seed",
    "cold_start_warmup_bounds",
    "cold_start_warmup_steps_fit",
    "committee_selection",
    "compute_shuffled_index",
    "config_error",
    "coordinator_cold_start_warmup_bounds",
    "coordinator_witness_quorum",
    "current_round",
    "deterministic_shuffle",
    "fnv1a_keyed",
    "halted",
    "health_check",
    "healthy",
    "historical_clients",
    "is_training_just_starting",
    "is_warmup_just_starting",
    "last_step_set",
    "model_error",
    "pause",
    "previous_previous_round",
    "previous_round",
    "progress_ok",
    "resume",
    "round_half_away_from_zero",
    "saturating_u16",
    "select_consensus_commitment",
    "sha256v",
    "split_batch",
    "state_discarded_on_panic",
    "target_global_batch_size",
    "tick",
    "trainer_healthy",
    "trainer_healthy_score",
    "warmup_witness",
    "withdraw",
    "withdraw_all",
    "witness",
    "witness_nodes_target",
    "witness_quorum",
]
