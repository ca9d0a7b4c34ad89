"""What a run owner changes on a run, and the instructions that carry it, for plain and treasurer runs alike.

A plain run is changed by the coordinator's owner instructions, signed by its main authority. A treasurer run's
coordinator authority is the treasurer's Run PDA, so the same changes go through one ``run_update``, which
forwards them to the coordinator in a fixed order: update, future epoch rates, pause state, client version
(spec programs-and-cli.md §2.4). Plain runs get the same order.
"""

from __future__ import annotations

from dataclasses import dataclass

from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature

from client.chain.backend import ChainBackend, SentTransaction
from client.instructions import coordinator as coordinator_ix
from client.instructions import treasurer as treasurer_ix
from client.instructions.coordinator import RunKeys
from client.run_accounts import OnChainRun, fetch_run, instance_address, treasurer_index_for
from coordinator_program.core.batch_size import BatchSizeSchedule
from coordinator_program.core.types import CheckpointTag, CoordinatorConfig, CoordinatorProgress, Model
from coordinator_program.state.borsh_args import InitCoordinatorParams
from coordinator_program.state.coordinator_account import COORDINATOR_ACCOUNT_SIZE, RunMetadata
from treasurer.logic.run_create import RunCreateParams
from treasurer.logic.run_update import RunUpdateParams
from treasurer.state import find_run

__all__ = [
    "CreatedRun",
    "RunChanges",
    "apply_changes",
    "create_run",
    "owner_instructions",
    "switched_to_hub",
    "restart_progress",
]


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


@dataclass(frozen=True)
class CreatedRun:
    """What ``create_run`` made: the transaction, the run's accounts, the rent locked in the coordinator account."""

    signature: Signature
    keys: RunKeys
    treasurer_run: Pubkey | None
    treasurer_index: int
    locked_lamports: int


async def create_run(
    backend: ChainBackend,
    owner: Keypair,
    run_id: str,
    client_version: str,
    *,
    join_authority: Pubkey | None = None,
    collateral_mint: Pubkey | None = None,
    treasurer_index: int | None = None,
) -> CreatedRun:
    """Create a halted run owned by ``owner`` (or by a treasurer paying in ``collateral_mint``), in one transaction.

    As the reference's create-run: a fresh keypair for the 119,160-byte coordinator account, created by the
    System program and initialised in the same transaction (by ``init_coordinator``, or by the treasurer's
    ``run_create`` at ``treasurer_index``, by default the first 8 bytes of sha256(run id)).
    """
    account = Keypair()
    lamports = await backend.minimum_balance_for_rent_exemption(COORDINATOR_ACCOUNT_SIZE)
    keys = RunKeys(instance_address(run_id), account.pubkey())
    join = join_authority or owner.pubkey()
    index = treasurer_index_for(run_id) if treasurer_index is None else treasurer_index
    instructions = [coordinator_ix.create_coordinator_account(owner.pubkey(), account.pubkey(), lamports)]
    if collateral_mint is None:
        params = InitCoordinatorParams(owner.pubkey(), join, run_id, client_version)
        instructions.append(coordinator_ix.init_coordinator(owner.pubkey(), keys, params))
    else:
        create_params = RunCreateParams(index, run_id, client_version, owner.pubkey(), join)
        instructions.append(treasurer_ix.run_create(owner.pubkey(), collateral_mint, keys, create_params))
    sent = await backend.send(instructions, owner, [account])
    treasurer_run = find_run(index)[0] if collateral_mint is not None else None
    return CreatedRun(sent.signature, keys, treasurer_run, index, lamports)


async def apply_changes(
    backend: ChainBackend, owner: Keypair, run_id: str, treasurer_index: int | None, changes: RunChanges
) -> SentTransaction:
    """Send ``changes`` to the run as its owner."""
    run = await fetch_run(backend, run_id, treasurer_index)
    return await backend.send(owner_instructions(run, owner.pubkey(), changes), owner)
