"""``health_check(id, committee, position, index)``: a registered client reports a trainer the witnesses missed.

One report per transaction (the reference passes a one-element list to the core). All or nothing: a healthy
target fails the instruction.
"""

from __future__ import annotations

from typing import Any

from coordinator_program import core
from coordinator_program.account_groups import PERMISSIONLESS_ACCOUNTS, permissionless_accounts
from coordinator_program.core.types import Committee, CommitteeProof
from coordinator_program.instance_state import bump_nonce, core_errors, tick
from coordinator_program.state.borsh import CEnum
from coordinator_program.state.borsh_args import NODE_IDENTITY
from coordinator_program.state.clients_state import registered_client
from emulator.anchor import U64, Accounts, Instruction
from emulator.program import InvokeContext

__all__ = ["INSTRUCTION"]


def health_check(
    ctx: InvokeContext, accounts: Accounts, id: Any, committee: Committee, position: int, index: int
) -> None:
    account = permissionless_accounts(ctx, accounts)
    bump_nonce(ctx, account)
    state = account.state
    signer = bytes(accounts.user.key)
    registered_client(state.clients_state, signer)
    proof = CommitteeProof(committee=int(committee), position=position, index=index)
    with core_errors(ctx):
        core.health_check(state.coordinator, signer, [(bytes(id.signer), proof)])
    tick(ctx, state)


INSTRUCTION = Instruction(
    "health_check",
    PERMISSIONLESS_ACCOUNTS,
    {
        "id": NODE_IDENTITY,
        "committee": CEnum(Committee),
        "position": U64,
        "index": U64,
    },
    health_check,
)
