"""``tick()``: anyone advances the run to the clock's time (Halted while the run is halted)."""

from __future__ import annotations

from coordinator_program.account_groups import PERMISSIONLESS_ACCOUNTS, permissionless_accounts
from coordinator_program.instance_state import bump_nonce
from coordinator_program.instance_state import tick as instance_tick
from emulator.anchor import Accounts, Instruction
from emulator.program import InvokeContext

__all__ = ["INSTRUCTION"]


def tick(ctx: InvokeContext, accounts: Accounts) -> None:
    account = permissionless_accounts(ctx, accounts)
    bump_nonce(ctx, account)
    instance_tick(ctx, account.state)


INSTRUCTION = Instruction("tick", PERMISSIONLESS_ACCOUNTS, {}, tick)
