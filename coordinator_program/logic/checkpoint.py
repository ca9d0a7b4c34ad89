"""``checkpoint(repo)``: a client of the current epoch announces where the latest model can be fetched.

It ticks afterwards unless the run is halted (a checkpoint may be recorded while paused).
"""

from __future__ import annotations

from coordinator_program import core
from coordinator_program.account_groups import PERMISSIONLESS_ACCOUNTS
from coordinator_program.client_turn import client_turn
from coordinator_program.core.queries import run_state_of
from coordinator_program.core.types import Checkpoint
from coordinator_program.errors import CoordinatorProgramError
from coordinator_program.instance_state import core_errors
from coordinator_program.state.borsh_args import instruction_arg_types
from emulator.anchor import Accounts, AnchorError, Instruction
from emulator.program import InvokeContext

__all__ = ["INSTRUCTION"]


def checkpoint(ctx: InvokeContext, accounts: Accounts, repo: Checkpoint) -> None:
    with client_turn(ctx, accounts) as turn:
        coordinator = turn.state.coordinator
        clients = coordinator.epoch_state.clients
        index = next((i for i, client in enumerate(clients) if bytes(client.id.signer) == turn.signer), None)
        if index is None:
            raise AnchorError(CoordinatorProgramError.SignerNotAClient)
        with core_errors(ctx):
            core.checkpoint(coordinator, turn.signer, index, repo)
            if core.halted(coordinator):
                state_name = run_state_of(coordinator).display_name
                ctx.log(f"Checkpoint recorded while halted (state: {state_name}), skipping tick")
                turn.skip_tick()


INSTRUCTION = Instruction(
    "checkpoint",
    PERMISSIONLESS_ACCOUNTS,
    instruction_arg_types("checkpoint"),
    checkpoint,
)
