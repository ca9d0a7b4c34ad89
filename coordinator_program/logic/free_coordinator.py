"""``free_coordinator(params)``: close a halted run's instance and coordinator account, refunding ``spill``."""

from __future__ import annotations

from coordinator_program.account_groups import (
    check_instance_seeds,
    load_coordinator_account,
    load_instance,
)
from coordinator_program.core import halted
from coordinator_program.errors import CoordinatorProgramError
from coordinator_program.instance_state import core_errors
from coordinator_program.state.borsh_args import NoArgs
from emulator.account import AccountInfo
from emulator.anchor import Accounts, AnchorError, ErrorCode, Instruction, InstructionAccount, close_account
from emulator.constants import SYSTEM_PROGRAM_ID
from emulator.program import InvokeContext

__all__ = ["INSTRUCTION"]

ACCOUNTS = (
    InstructionAccount("authority", signer=True),  # == instance.main_authority
    InstructionAccount("spill", mut=True),  # a System account; receives both accounts' lamports
    InstructionAccount("coordinator_instance", mut=True),  # PDA with its bump; closed
    InstructionAccount("coordinator_account", mut=True),  # == instance.coordinator_account; closed
)


def _run_halted(ctx: InvokeContext, info: AccountInfo) -> bool:
    """Whether the run is halted; the account view lives only inside this call (closing resizes the data)."""
    account = load_coordinator_account(ctx, info)
    with core_errors(ctx):
        return halted(account.state.coordinator)


def free_coordinator(ctx: InvokeContext, accounts: Accounts, params: NoArgs) -> None:
    del params  # FreeCoordinatorParams is an empty struct
    if accounts.spill.owner != SYSTEM_PROGRAM_ID:
        raise AnchorError(ErrorCode.AccountNotSystemOwned, account="spill")
    instance = load_instance(ctx, accounts.coordinator_instance)
    is_halted = _run_halted(ctx, accounts.coordinator_account)
    check_instance_seeds(ctx, accounts.coordinator_instance, instance)
    if instance.main_authority != accounts.authority.key:
        raise AnchorError(ErrorCode.ConstraintRaw, account="coordinator_instance")
    if instance.coordinator_account != accounts.coordinator_account.key:
        raise AnchorError(ErrorCode.ConstraintRaw, account="coordinator_account")
    if not is_halted:
        raise AnchorError(CoordinatorProgramError.CloseCoordinatorNotHalted)
    close_account(accounts.coordinator_instance, accounts.spill)
    close_account(accounts.coordinator_account, accounts.spill)


INSTRUCTION = Instruction(
    "free_coordinator",
    ACCOUNTS,
    {"params": NoArgs},
    free_coordinator,
)
