"""``checkpoint(repo)``: a client of the current epoch announces where the latest model can be fetched.

It ticks afterwards unless the run is halted (a checkpoint may be recorded while paused).
"""

from __future__ import annotations

from typing import Any

from coordinator_program import core
from coordinator_program.account_groups import PERMISSIONLESS_ACCOUNTS, permissionless_accounts
from coordinator_program.core.queries import run_state_of
from coordinator_program.errors import ProgramError
from coordinator_program.instance_state import bump_nonce, core_errors, tick
from coordinator_program.state.borsh_args import instruction_arg_types
from coordinator_program.state.clients_state import registered_client
from emulator.anchor import Accounts, AnchorError, Instruction
from emulator.program import InvokeContext

__all__ = ["INSTRUCTION"]


def checkpoint(ctx: InvokeContext, accounts: Accounts, repo: Any) -> None:
    account = permissionless_accounts(ctx, accounts)
    bump_nonce(ctx, account)
    state = account.state
    coordinator = state.coordinator
    signer = bytes(accounts.user.key)
    registered_client(state.clients_state, signer)
    clients = coordinator.epoch_state.clients
    index = next((i for i, client in enumerate(clients) if bytes(client.id.signer) == signer), None)
    if index is None:
        raise AnchorError(ProgramError.SignerNotAClient)
    with core_errors(ctx):
        core.checkpoint(coordinator, signer, index, repo)
        if core.halted(coordinator):
            state_name = run_state_of(coordinator).display_name
            ctx.log(f"Checkpoint recorded while halted (state: {state_name}), skipping tick")
            return
    tick(ctx, state)


INSTRUCTION = Instruction(
    "checkpoint",
    PERMISSIONLESS_ACCOUNTS,
    instruction_arg_types("checkpoint"),
    checkpoint,
)
