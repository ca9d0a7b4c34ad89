"""``witness(proof, blooms, merkle, metadata)``: an elected witness of the current round attests to it, then ticks.

The metadata (evals, prompt results) is accepted and ignored, as in the reference.
"""

from __future__ import annotations

from coordinator_program import core
from coordinator_program.account_groups import PERMISSIONLESS_ACCOUNTS
from coordinator_program.client_turn import client_turn
from coordinator_program.core.types import MerkleRoot, Witness, WitnessBloom, WitnessMetadata, WitnessProof
from coordinator_program.instance_state import clock_now, core_errors
from coordinator_program.state.borsh_args import instruction_arg_types
from emulator.anchor import Accounts, Instruction
from emulator.program import InvokeContext

__all__ = ["INSTRUCTION", "witness_of"]


def witness_of(
    proof: WitnessProof, participant_bloom: WitnessBloom, broadcast_bloom: WitnessBloom, broadcast_merkle: MerkleRoot
) -> Witness:
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
    proof: WitnessProof,
    participant_bloom: WitnessBloom,
    broadcast_bloom: WitnessBloom,
    broadcast_merkle: MerkleRoot,
    metadata: WitnessMetadata,
) -> None:
    del metadata
    with client_turn(ctx, accounts) as turn, core_errors(ctx):
        attestation = witness_of(proof, participant_bloom, broadcast_bloom, broadcast_merkle)
        core.witness(turn.state.coordinator, turn.signer, attestation, clock_now(ctx.clock))


INSTRUCTION = Instruction(
    "witness",
    PERMISSIONLESS_ACCOUNTS,
    instruction_arg_types("witness"),
    witness,
)
