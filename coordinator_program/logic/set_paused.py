"""``set_paused(paused)``: the owner pauses the run, or starts/resumes it after checking its settings.

Unpausing is the only way out of Uninitialized: the run is forced to Paused at step 1 and resumed. Unpausing also
bumps ``next_active`` (everyone must re-join) and ticks; pausing does not tick.
"""

from __future__ import annotations

from coordinator_program import core
from coordinator_program.account_groups import OWNER_ACCOUNTS, owner_accounts
from coordinator_program.core.arith import checked_u64
from coordinator_program.core.queries import run_state_of
from coordinator_program.core.types import RunState
from coordinator_program.errors import CoordinatorProgramError
from coordinator_program.instance_state import bump_nonce, clock_now, core_errors, tick
from coordinator_program.state.borsh_args import instruction_arg_types
from coordinator_program.state.coordinator_account import CoordinatorInstanceState
from emulator.anchor import Accounts, AnchorError, Instruction
from emulator.program import InvokeContext

__all__ = ["INSTRUCTION"]


def _resume(state: CoordinatorInstanceState, now: int) -> None:
    coordinator = state.coordinator
    if core.config_error(coordinator.config) is not None:
        raise AnchorError(CoordinatorProgramError.ConfigSanityCheckFailed)
    if core.model_error(coordinator.model) is not None:
        raise AnchorError(CoordinatorProgramError.ModelSanityCheckFailed)
    if not core.cold_start_warmup_steps_fit(coordinator.config, coordinator.model):
        raise AnchorError(CoordinatorProgramError.ConfigSanityCheckFailed)
    if run_state_of(coordinator) is RunState.Uninitialized:
        coordinator.run_state = RunState.Paused
        coordinator.progress.step = 1  # the first valid step; progress set earlier through update is overwritten
    if not core.progress_ok(coordinator.progress):
        raise AnchorError(CoordinatorProgramError.ProgressSanityCheckFailed)
    core.resume(coordinator, now)
    state.clients_state.next_active = checked_u64(state.clients_state.next_active + 1, "next_active")


def set_paused(ctx: InvokeContext, accounts: Accounts, paused: bool) -> None:
    account = owner_accounts(ctx, accounts)
    bump_nonce(ctx, account)
    state = account.state
    now = clock_now(ctx.clock)
    with core_errors(ctx):
        ctx.log(
            f"set_paused called: paused={str(paused).lower()}, state={run_state_of(state.coordinator).display_name}"
        )
        if paused:
            core.pause(state.coordinator, now)
            return
        _resume(state, now)
    tick(ctx, state)


INSTRUCTION = Instruction(
    "set_paused",
    OWNER_ACCOUNTS,
    instruction_arg_types("set_paused"),
    set_paused,
)
