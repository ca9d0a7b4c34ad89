"""``init_coordinator(params)``: create the run's instance PDA and stamp the pre-allocated coordinator account.

The coordinator account (119,160 bytes, owned by this program, zeroed) is created by the client beforehand; this
writes its discriminator, version 1, nonce 0, the client version and the run id, leaving the run Uninitialized.
"""

from __future__ import annotations

from coordinator_program.core.types import SOLANA_RUN_ID_MAX_LEN
from coordinator_program.errors import CoordinatorProgramError, panic
from coordinator_program.state.borsh_args import InitCoordinatorParams
from coordinator_program.state.coordinator_account import (
    COORDINATOR_ACCOUNT_DISCRIMINATOR,
    COORDINATOR_ACCOUNT_SIZE,
    COORDINATOR_ACCOUNT_VERSION,
    CoordinatorAccount,
)
from coordinator_program.state.coordinator_instance import (
    COORDINATOR_INSTANCE_SPACE,
    CoordinatorInstance,
    coordinator_instance_seeds,
)
from emulator.anchor import (
    Accounts,
    AnchorError,
    ErrorCode,
    Instruction,
    InstructionAccount,
    init_account,
    store_account,
)
from emulator.constants import MAX_SEED_LEN, SYSTEM_PROGRAM_ID
from emulator.program import InvokeContext

__all__ = ["INSTRUCTION"]

ACCOUNTS = (
    InstructionAccount("payer", mut=True, signer=True),
    InstructionAccount("coordinator_instance", mut=True),  # init, PDA ["coordinator", run_id], paid by payer
    InstructionAccount("coordinator_account", mut=True),  # owner = this program
    InstructionAccount("system_program"),
)


def init_coordinator(ctx: InvokeContext, accounts: Accounts, params: InitCoordinatorParams) -> None:
    if accounts.system_program.key != SYSTEM_PROGRAM_ID:
        raise AnchorError(ErrorCode.InvalidProgramId, account="system_program")
    seeds = coordinator_instance_seeds(params.run_id)
    # The PDA is derived while the accounts are taken, before the handler's own run_id check: a run id over
    # 32 bytes is a seed no address can be derived for, and find_program_address panics.
    if any(len(seed) > MAX_SEED_LEN for seed in seeds):
        panic(ctx, "Unable to find a viable program address bump seed")
    bump = init_account(
        ctx, payer=accounts.payer, account=accounts.coordinator_instance, space=COORDINATOR_INSTANCE_SPACE, seeds=seeds
    )
    target = accounts.coordinator_account
    if target.owner != ctx.program_id:
        raise AnchorError(
            ErrorCode.ConstraintOwner, account="coordinator_account", compared=(target.owner, ctx.program_id)
        )

    if len(params.run_id.encode("utf-8")) > SOLANA_RUN_ID_MAX_LEN:  # the reference's guard; see the note above
        raise AnchorError(CoordinatorProgramError.RunIdInvalidLength)
    data = target.data
    if len(data) != COORDINATOR_ACCOUNT_SIZE:
        raise AnchorError(CoordinatorProgramError.CoordinatorAccountIncorrectSize)
    if any(data[: len(COORDINATOR_ACCOUNT_DISCRIMINATOR)]):
        raise AnchorError(ErrorCode.AccountDiscriminatorAlreadySet)
    account = CoordinatorAccount.from_buffer(data)
    account.discriminator[:] = COORDINATOR_ACCOUNT_DISCRIMINATOR
    account.version = COORDINATOR_ACCOUNT_VERSION
    account.nonce = 0
    account.state.client_version.set_truncated(params.client_version)
    account.state.coordinator.run_id.set_truncated(params.run_id)
    del account

    assert bump is not None, "a PDA init returns its bump"
    instance = CoordinatorInstance(
        bump=bump,
        main_authority=params.main_authority,
        join_authority=params.join_authority,
        coordinator_account=target.key,
        run_id=params.run_id,
    )
    store_account(accounts.coordinator_instance, instance)


INSTRUCTION = Instruction(
    "init_coordinator",
    ACCOUNTS,
    {"params": InitCoordinatorParams},
    init_coordinator,
)
