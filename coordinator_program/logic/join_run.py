"""``join_run(params)``: a wallet holding a join authorization registers, or re-registers, for the next epoch.

The authorization must be valid for the instance's join authority, the signing user and the scope
``CoordinatorJoinRun`` (granted to the user, to a grantee that lists the user as a delegate, or to everyone).
"""

from __future__ import annotations

from authorizer.join import verify_join_authorization
from coordinator_program.account_groups import (
    check_coordinator_account,
    check_instance_seeds,
    load_coordinator_account,
    load_instance,
)
from coordinator_program.core import halted
from coordinator_program.errors import CoordinatorProgramError
from coordinator_program.instance_state import bump_nonce, core_errors, tick
from coordinator_program.state.borsh_args import JoinRunParams
from coordinator_program.state.clients_state import join_registry
from emulator.anchor import Accounts, AnchorError, Instruction, InstructionAccount
from emulator.program import InvokeContext

__all__ = ["INSTRUCTION"]

ACCOUNTS = (
    InstructionAccount("user", signer=True),
    InstructionAccount("authorization"),  # authorizer Authorization, valid for (join_authority, user, scope)
    InstructionAccount("coordinator_instance"),  # PDA with its bump
    InstructionAccount("coordinator_account", mut=True),  # == instance.coordinator_account, version 1
)


def join_run(ctx: InvokeContext, accounts: Accounts, params: JoinRunParams) -> None:
    instance = load_instance(ctx, accounts.coordinator_instance)
    account = load_coordinator_account(ctx, accounts.coordinator_account)
    verify_join_authorization(accounts.authorization, instance.join_authority, accounts.user.key)
    check_instance_seeds(ctx, accounts.coordinator_instance, instance)
    check_coordinator_account(accounts.coordinator_account, account, instance)

    client_id = params.client_id
    if bytes(client_id.signer) != bytes(accounts.user.key):
        raise AnchorError(CoordinatorProgramError.SignerMismatch)
    bump_nonce(ctx, account)
    state = account.state
    rejoined = join_registry(state.clients_state, client_id, state.coordinator.config.global_batch_size_end)
    if rejoined:
        ctx.log(f"Existing client {accounts.user.key} re-joined")
    else:
        ctx.log(f"New client {accounts.user.key} joined, {len(state.clients_state.clients)} total clients")
    with core_errors(ctx):
        if halted(state.coordinator):
            return
    tick(ctx, state)


INSTRUCTION = Instruction(
    "join_run",
    ACCOUNTS,
    {"params": JoinRunParams},
    join_run,
)
