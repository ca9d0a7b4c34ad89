"""``warmup_witness(proof, blooms, merkle)``: a registered client attests to Warmup; W of them start training.

The seed of the first round comes from this transaction's clock. Neither committee nor epoch membership is
checked (the hardened program checks membership, see :mod:`coordinator_program.mode`), and a late one during
RoundTrain succeeds without effect (it still ticks and bumps the nonce).
"""

from __future__ import annotations

from typing import Any

from coordinator_program import core
from coordinator_program.account_groups import PERMISSIONLESS_ACCOUNTS, permissionless_accounts
from coordinator_program.instance_state import bump_nonce, clock_now, clock_seed, core_errors, tick
from coordinator_program.logic.witness import witness_of
from coordinator_program.mode import mode_of
from coordinator_program.state.borsh_args import instruction_arg_types
from coordinator_program.state.clients_state import registered_client
from emulator.anchor import Accounts, Instruction
from emulator.program import InvokeContext

__all__ = ["INSTRUCTION"]


def warmup_witness(
    ctx: InvokeContext,
    accounts: Accounts,
    proof: Any,
    participant_bloom: Any,
    broadcast_bloom: Any,
    broadcast_merkle: Any,
) -> None:
    account = permissionless_accounts(ctx, accounts)
    bump_nonce(ctx, account)
    state = account.state
    signer = bytes(accounts.user.key)
    registered_client(state.clients_state, signer)
    attestation = witness_of(proof, participant_bloom, broadcast_bloom, broadcast_merkle)
    check_membership = mode_of(ctx).checks_warmup_witness_membership
    with core_errors(ctx):
        core.warmup_witness(
            state.coordinator,
            signer,
            attestation,
            clock_now(ctx.clock),
            clock_seed(ctx.clock),
            check_membership=check_membership,
        )
    tick(ctx, state)


INSTRUCTION = Instruction(
    "warmup_witness",
    PERMISSIONLESS_ACCOUNTS,
    instruction_arg_types("warmup_witness"),
    warmup_witness,
)
