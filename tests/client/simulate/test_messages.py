"""The simulated clients' transactions from templates are the bytes solders compiles, with stand-in signatures."""

from __future__ import annotations

import ctypes

import pytest
from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey

from client.instructions import coordinator
from client.instructions.coordinator import RunKeys
from client.simulate.messages import StandInTransactions, stand_in_signatures, stand_in_transaction
from coordinator_program.core.types import MerkleRoot, NodeIdentity, WitnessBloom, WitnessMetadata, WitnessProof
from coordinator_program.program import INTERFACE

RUN = RunKeys(Pubkey.new_unique(), Pubkey.new_unique())
AUTHORIZATION = Pubkey.new_unique()


def _instruction_of(name: str, user: Pubkey, data: bytes) -> Instruction:
    keys = {"user": user, "coordinator_instance": RUN.instance, "coordinator_account": RUN.account}
    return coordinator.instruction_of(name, keys | {"authorization": AUTHORIZATION}, data)


def _instructions(user: Pubkey) -> dict[str, list[Instruction]]:
    """Instructions of each name a simulated client sends, the same shape with different data."""
    identity = NodeIdentity.from_keys(bytes(user), bytes(user))
    size = ctypes.sizeof(WitnessBloom)
    blooms = [WitnessBloom(), WitnessBloom.from_buffer_copy(bytes(i % 251 for i in range(size)))]
    return {
        "tick": [coordinator.tick(user, RUN)],
        "join_run": [coordinator.join_run(user, AUTHORIZATION, RUN, identity)],
        "witness": [
            coordinator.witness(user, RUN, WitnessProof(position=p, index=i, witness=1), bloom)
            for p, i, bloom in [(0, 0, blooms[0]), (3, 200, blooms[1]), (31, 5, blooms[1])]
        ],
    }


@pytest.mark.parametrize("name", ["tick", "join_run", "witness"])
def test_a_template_gives_the_transaction_solders_compiles(name: str) -> None:
    stand_ins = StandInTransactions(_instruction_of)
    user = Keypair().pubkey()
    for instruction in _instructions(user)[name]:
        for blockhash in (Hash.new_unique(), Hash.new_unique()):
            expected = stand_in_transaction(Message.new_with_blockhash([instruction], user, blockhash))
            assert stand_ins.transaction(name, user, instruction.data, blockhash) == expected


def test_stand_in_signatures_are_deterministic_and_differ_between_messages() -> None:
    user = Keypair().pubkey()
    first, second = (instruction.data for instruction in _instructions(user)["witness"][:2])
    blockhash = Hash.new_unique()
    stand_ins = StandInTransactions(_instruction_of)
    one = stand_ins.transaction("witness", user, first, blockhash)
    assert one.signatures == stand_ins.transaction("witness", user, first, blockhash).signatures
    assert one.signatures != stand_ins.transaction("witness", user, second, blockhash).signatures
    assert one.verify_with_results() == [False]  # not signed: a stand-in


def test_a_lone_signers_stand_in_is_the_first_of_several() -> None:
    message = bytes(range(200))
    lone = stand_in_signatures(message, 1)
    assert lone == stand_in_signatures(message, 3)[:1]
    assert len(lone[0]) == 64


def test_a_witness_with_an_empty_tail_encodes_as_all_its_arguments_do() -> None:
    size = ctypes.sizeof(WitnessBloom)
    bloom = WitnessBloom.from_buffer_copy(bytes(i % 253 for i in range(size)))
    proof = WitnessProof(position=7, index=200, witness=1)
    everything = INTERFACE.instruction("witness").data(proof, bloom, WitnessBloom(), MerkleRoot(), WitnessMetadata())
    assert coordinator.witness_data(proof, bloom) == everything
    assert coordinator.witness_data(proof) == coordinator.witness_data(proof, WitnessBloom())
