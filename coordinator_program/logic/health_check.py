"""``health_check(id, committee, position, index)``: a registered client reports a trainer the witnesses missed.

One report per transaction (the reference passes a one-element list to the core). All or nothing: a healthy
target fails the instruction.
"""

from __future__ import annotations

from coordinator_program import core
from coordinator_program.account_groups import PERMISSIONLESS_ACCOUNTS
from coordinator_program.client_turn import client_turn
from coordinator_program.core.types import Committee, CommitteeProof, NodeIdentity
from coordinator_program.instance_state import core_errors
from coordinator_program.state.borsh import CEnum
from coordinator_program.state.borsh_args import NODE_IDENTITY
from emulator.anchor import U64, Accounts, Instruction
from emulator.program import InvokeContext

__all__ = ["INSTRUCTION"]


def health_check(
    ctx: InvokeContext, accounts: Accounts, id: NodeIdentity, committee: Committee, position: int, index: int
) -> None:
    proof = CommitteeProof(committee=int(committee), position=position, index=index)
    with client_turn(ctx, accounts) as turn, core_errors(ctx):
        core.health_check(turn.state.coordinator, turn.signer, [(bytes(id.signer), proof)])


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
