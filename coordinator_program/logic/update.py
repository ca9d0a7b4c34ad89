"""``update(metadata, config, model, progress)``: the owner replaces parts of the run's settings.

Metadata may change in any state but Finished; config, model and progress only while halted. Quirk kept from the
reference: a bad progress is reported as ModelSanityCheckFailed.
"""

from __future__ import annotations

from coordinator_program.account_groups import OWNER_ACCOUNTS, owner_accounts
from coordinator_program.core import cold_start_warmup_steps_fit, config_error, halted, model_error, progress_ok
from coordinator_program.core.queries import run_state_of
from coordinator_program.core.types import CoordinatorConfig, CoordinatorProgress, Model, RunState
from coordinator_program.errors import CoordinatorProgramError
from coordinator_program.instance_state import bump_nonce, core_errors
from coordinator_program.state.borsh_args import instruction_arg_types
from coordinator_program.state.coordinator_account import RunMetadata
from emulator.anchor import Accounts, AnchorError, Instruction
from emulator.program import InvokeContext

__all__ = ["INSTRUCTION"]


def update(
    ctx: InvokeContext,
    accounts: Accounts,
    metadata: RunMetadata | None,
    config: CoordinatorConfig | None,
    model: Model | None,
    progress: CoordinatorProgress | None,
) -> None:
    account = owner_accounts(ctx, accounts)
    bump_nonce(ctx, account)
    state = account.state
    coordinator = state.coordinator
    with core_errors(ctx):
        if run_state_of(coordinator) is RunState.Finished:
            raise AnchorError(CoordinatorProgramError.UpdateConfigFinished)
        if not halted(coordinator) and (config is not None or model is not None or progress is not None):
            raise AnchorError(CoordinatorProgramError.UpdateConfigNotHalted)
        if metadata is not None:
            state.metadata = metadata
        if config is not None:
            if config_error(config) is not None:
                raise AnchorError(CoordinatorProgramError.ConfigSanityCheckFailed)
            coordinator.config = config
        if model is not None:
            reason = model_error(model)
            if reason is not None:
                ctx.log(reason)
                raise AnchorError(CoordinatorProgramError.ModelSanityCheckFailed)
            coordinator.model = model
        if (config is not None or model is not None) and not cold_start_warmup_steps_fit(
            coordinator.config, coordinator.model
        ):
            raise AnchorError(CoordinatorProgramError.ConfigSanityCheckFailed)
        if progress is not None:
            if not progress_ok(progress):
                raise AnchorError(CoordinatorProgramError.ModelSanityCheckFailed)
            coordinator.progress = progress


INSTRUCTION = Instruction(
    "update",
    OWNER_ACCOUNTS,
    instruction_arg_types("update"),
    update,
)
