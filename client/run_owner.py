"""What a run owner changes on a run, and the instructions that carry it, for plain and treasurer runs alike.

A plain run is changed by the coordinator's owner instructions, signed by its main authority. A treasurer run's
coordinator authority is the treasurer's Run PDA, so the same changes go through one ``run_update``, which
forwards them to the coordinator in a fixed order: update, future epoch rates, pause state, client version
(spec programs-and-cli.md §2.4). Plain runs get the same order.
"""

from __future__ import annotations

from dataclasses import dataclass

from solders.instruction import Instruction
from solders.pubkey import Pubkey

from client.instructions import coordinator as coordinator_ix
from client.instructions import treasurer as treasurer_ix
from client.run_accounts import OnChainRun
from coordinator_program.core.batch_size import BatchSizeSchedule
from coordinator_program.core.types import CheckpointTag, CoordinatorConfig, CoordinatorProgress, Model
from coordinator_program.state.coordinator_account import RunMetadata
from treasurer.logic.run_update import RunUpdateParams

__all__ = ["RunChanges", "owner_instructions", "switched_to_hub", "restart_progress"]


@dataclass(frozen=True)
class RunChanges:
    """The parts of a run to change; None leaves a part as it is."""

    metadata: RunMetadata | None = None
    config: CoordinatorConfig | None = None
    model: Model | None = None
    progress: CoordinatorProgress | None = None
    earning_rate: int | None = None
    slashing_rate: int | None = None
    paused: bool | None = None
    client_version: str | None = None

    @property
    def updates_settings(self) -> bool:
        """Whether the coordinator's ``update`` is needed (metadata, config, model or progress)."""
        return any(part is not None for part in (self.metadata, self.config, self.model, self.progress))

    @property
    def sets_rates(self) -> bool:
        return self.earning_rate is not None or self.slashing_rate is not None

    @property
    def is_empty(self) -> bool:
        return not (self.updates_settings or self.sets_rates or self.paused is not None or self.client_version)


def owner_instructions(run: OnChainRun, authority: Pubkey, changes: RunChanges) -> list[Instruction]:
    """The instructions that apply ``changes`` to ``run``, signed by ``authority``."""
    if run.treasurer is not None:
        params = RunUpdateParams(
            metadata=changes.metadata,
            config=changes.config,
            model=changes.model,
            progress=changes.progress,
            epoch_earning_rate_total_shared=changes.earning_rate,
            epoch_slashing_rate_per_client=changes.slashing_rate,
            paused=changes.paused,
            client_version=changes.client_version,
        )
        return [treasurer_ix.run_update(authority, run.treasurer.address, run.keys, params)]
    if changes.sets_rates:
        raise ValueError("Setting future epoch rates requires a treasurer.")
    instructions = []
    if changes.updates_settings:
        instructions.append(
            coordinator_ix.update(
                authority, run.keys, changes.metadata, changes.config, changes.model, changes.progress
            )
        )
    if changes.paused is not None:
        instructions.append(coordinator_ix.set_paused(authority, run.keys, changes.paused))
    if changes.client_version:
        instructions.append(coordinator_ix.update_client_version(authority, run.keys, changes.client_version))
    return instructions


def switched_to_hub(model: Model) -> Model:
    """``--switch-to-hub``: a copy of ``model`` whose P2P or Dummy checkpoint becomes Hub, keeping its repo."""
    switched = Model.from_buffer_copy(model)
    checkpoint = switched.llm.checkpoint
    if checkpoint.kind in (CheckpointTag.P2P, CheckpointTag.Dummy):
        repo = type(checkpoint.payload.hub_repo).from_buffer_copy(checkpoint.payload.hub_repo)
        checkpoint.set_variant(CheckpointTag.Hub, repo)
    return switched


def restart_progress(epoch: int, step: int, config: CoordinatorConfig, model: Model) -> CoordinatorProgress:
    """``--restart-from-step``: the current epoch at ``step``, with the data index that step starts at."""
    data_index = BatchSizeSchedule.of(config).data_index_for_step(step, config.total_steps, int(model.llm.max_seq_len))
    return CoordinatorProgress(epoch=epoch, step=step, epoch_start_data_index=data_index)
