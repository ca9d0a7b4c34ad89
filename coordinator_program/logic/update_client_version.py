"""``update_client_version(new_version)``: the owner sets the client version clients must run (halted runs only).

It does not bump the nonce. A version over 96 bytes panics (``FixedString::try_from(..).unwrap()``).
"""

from __future__ import annotations

from coordinator_program.account_groups import OWNER_ACCOUNTS, owner_accounts
from coordinator_program.core import halted
from coordinator_program.errors import CoordinatorProgramError, panic
from coordinator_program.instance_state import core_errors
from coordinator_program.state.borsh_args import instruction_arg_types
from coordinator_program.state.coordinator_account import CLIENT_VERSION_MAX_LEN
from emulator.anchor import Accounts, AnchorError, Instruction
from emulator.program import InvokeContext

__all__ = ["INSTRUCTION"]


def update_client_version(ctx: InvokeContext, accounts: Accounts, new_version: str) -> None:
    account = owner_accounts(ctx, accounts)
    state = account.state
    with core_errors(ctx):
        if not halted(state.coordinator):
            raise AnchorError(CoordinatorProgramError.UpdateConfigNotHalted)
    if len(new_version.encode("utf-8")) > CLIENT_VERSION_MAX_LEN:
        panic(ctx, "called `Result::unwrap()` on an `Err` value")
    state.client_version.value = new_version
    ctx.log(f"new version: {new_version}")


INSTRUCTION = Instruction(
    "update_client_version",
    OWNER_ACCOUNTS,
    instruction_arg_types("update_client_version"),
    update_client_version,
)
