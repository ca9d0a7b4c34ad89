"""``warmup_witness(proof, blooms, merkle)``: a registered client attests to Warmup; W of them start training.

The seed of the first round comes from this transaction's clock. Neither committee nor epoch membership is
checked (the hardened program checks membership, see :mod:`coordinator_program.mode`), and a late one during
RoundTrain succeeds without effect (it still ticks and bumps the nonce).
"""

from __future__ import annotations

from coordinator_program import core
from coordinator_program.account_groups import PERMISSIONLESS_ACCOUNTS
from coordinator_program.client_turn import client_turn
from coordinator_program.core.types import MerkleRoot, WitnessBloom, WitnessProof
from coordinator_program.instance_state import clock_now, clock_seed, core_errors
from coordinator_program.logic.witness import witness_of
from coordinator_program.mode import mode_of
from coordinator_program.state.borsh_args import instruction_arg_types
from emulator.anchor import Accounts, Instruction
from emulator.program import InvokeContext

__all__ = ["INSTRUCTION"]


def warmup_witness(
    ctx: InvokeContext,
    accounts: Accounts,
    proof: WitnessProof,
    participant_bloom: WitnessBloom,
    broadcast_bloom: WitnessBloom,
    broadcast_merkle: MerkleRoot,
) -> None:
    with client_turn(ctx, accounts) as turn:
        attestation = witness_of(proof, participant_bloom, broadcast_bloom, broadcast_merkle)
        check_membership = mode_of(ctx).checks_warmup_witness_membership
        with core_errors(ctx):
            core.warmup_witness(
                turn.state.coordinator,
                turn.signer,
                attestation,
                clock_now(ctx.clock),
                clock_seed(ctx.clock),
                check_membership=check_membership,
            )


INSTRUCTION = Instruction(
    "warmup_witness",
    PERMISSIONLESS_ACCOUNTS,
    instruction_arg_types("warmup_witness"),
    warmup_witness,
)
