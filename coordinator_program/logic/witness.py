"""``witness(proof, blooms, merkle, metadata)``: an elected witness of the current round attests to it, then ticks.

The metadata (evals, prompt results) is accepted and ignored, as in the reference.
"""

from __future__ import annotations

from typing import Any

from coordinator_program import core
from coordinator_program.account_groups import PERMISSIONLESS_ACCOUNTS, permissionless_accounts
from coordinator_program.core.types import Witness
from coordinator_program.instance_state import bump_nonce, clock_now, core_errors, tick
from coordinator_program.state.borsh_args import instruction_arg_types
from coordinator_program.state.clients_state import registered_client
from emulator.anchor import Accounts, Instruction
from emulator.program import InvokeContext

__all__ = ["INSTRUCTION", "witness_of"]


def witness_of(proof: Any, participant_bloom: Any, broadcast_bloom: Any, broadcast_merkle: Any) -> Witness:
    """The core ``Witness`` the arguments describe."""
    return Witness(
        proof=proof,
        participant_bloom=participant_bloom,
        broadcast_bloom=broadcast_bloom,
        broadcast_merkle=broadcast_merkle,
    )


def witness(
    ctx: InvokeContext,
    accounts: Accounts,
    proof: Any,
    participant_bloom: Any,
    broadcast_bloom: Any,
    broadcast_merkle: Any,
    metadata: Any,
) -> None:
    del metadata
    account = permissionless_accounts(ctx, accounts)
    bump_nonce(ctx, account)
    state = account.state
    signer = bytes(accounts.user.key)
    registered_client(state.clients_state, signer)
    attestation = witness_of(proof, participant_bloom, broadcast_bloom, broadcast_merkle)
    with core_errors(ctx):
        core.witness(state.coordinator, signer, attestation, clock_now(ctx.clock))
    tick(ctx, state)


INSTRUCTION = Instruction(
    "witness",
    PERMISSIONLESS_ACCOUNTS,
    instruction_arg_types("witness"),
    witness,
)
