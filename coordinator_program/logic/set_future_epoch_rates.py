"""``set_future_epoch_rates(earning, slashing)``: the owner sets the rates of the next epoch (any state)."""

from __future__ import annotations

from coordinator_program.account_groups import OWNER_ACCOUNTS, owner_accounts
from coordinator_program.instance_state import bump_nonce
from coordinator_program.state.borsh_args import instruction_arg_types
from coordinator_program.state.points import set_future_epoch_rates as set_rates
from emulator.anchor import Accounts, Instruction
from emulator.program import InvokeContext

__all__ = ["INSTRUCTION"]


def set_future_epoch_rates(
    ctx: InvokeContext,
    accounts: Accounts,
    epoch_earning_rate_total_shared: int | None,
    epoch_slashing_rate_per_client: int | None,
) -> None:
    account = owner_accounts(ctx, accounts)
    bump_nonce(ctx, account)
    set_rates(account.state.clients_state, epoch_earning_rate_total_shared, epoch_slashing_rate_per_client)


INSTRUCTION = Instruction(
    "set_future_epoch_rates",
    OWNER_ACCOUNTS,
    instruction_arg_types("set_future_epoch_rates"),
    set_future_epoch_rates,
)
