"""Coordinator instructions: the account lists and Borsh arguments of ``coordinator_program.INTERFACE``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from solders.instruction import Instruction
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, create_account

from coordinator_program.core.types import (
    Checkpoint,
    Committee,
    CommitteeProof,
    CoordinatorConfig,
    CoordinatorProgress,
    MerkleRoot,
    Model,
    NodeIdentity,
    WitnessBloom,
    WitnessMetadata,
    WitnessProof,
)
from coordinator_program.program import INTERFACE, PROGRAM_ID
from coordinator_program.state.borsh_args import InitCoordinatorParams, JoinRunParams, NoArgs
from coordinator_program.state.coordinator_account import COORDINATOR_ACCOUNT_SIZE, RunMetadata
from emulator.constants import SYSTEM_PROGRAM_ID

__all__ = [
    "RunKeys",
    "create_coordinator_account",
    "init_coordinator",
    "free_coordinator",
    "update",
    "update_client_version",
    "set_paused",
    "tick",
    "checkpoint",
    "join_run",
    "witness",
    "witness_data",
    "instruction_of",
    "warmup_witness",
    "health_check",
]


@dataclass(frozen=True)
class RunKeys:
    """The two accounts of a coordinator run that every run instruction names."""

    instance: Pubkey
    account: Pubkey


def _build(name: str, keys: dict[str, Pubkey], *args: Any) -> Instruction:
    return INTERFACE.instruction(name).build(PROGRAM_ID, keys, *args)


def instruction_of(name: str, keys: Mapping[str, Pubkey], data: bytes) -> Instruction:
    """Instruction ``name`` with its data already encoded, on the accounts it declares (picked by name from ``keys``):
    for a sender that encodes only the data of each send (the simulator compiles a client's accounts once)."""
    return Instruction(PROGRAM_ID, data, INTERFACE.instruction(name).account_metas(keys))


def _owner_keys(authority: Pubkey, run: RunKeys) -> dict[str, Pubkey]:
    return {"authority": authority, "coordinator_instance": run.instance, "coordinator_account": run.account}


def _user_keys(user: Pubkey, run: RunKeys) -> dict[str, Pubkey]:
    return {"user": user, "coordinator_instance": run.instance, "coordinator_account": run.account}


def create_coordinator_account(payer: Pubkey, account: Pubkey, lamports: int) -> Instruction:
    """System ``create_account`` of the zeroed 119,160-byte account the coordinator program will own."""
    return create_account(
        CreateAccountParams(
            from_pubkey=payer, to_pubkey=account, lamports=lamports, space=COORDINATOR_ACCOUNT_SIZE, owner=PROGRAM_ID
        )
    )


def init_coordinator(payer: Pubkey, run: RunKeys, params: InitCoordinatorParams) -> Instruction:
    keys = {
        "payer": payer,
        "coordinator_instance": run.instance,
        "coordinator_account": run.account,
        "system_program": SYSTEM_PROGRAM_ID,
    }
    return _build("init_coordinator", keys, params)


def free_coordinator(authority: Pubkey, spill: Pubkey, run: RunKeys) -> Instruction:
    keys = _owner_keys(authority, run) | {"spill": spill}
    return _build("free_coordinator", keys, NoArgs())


def update(
    authority: Pubkey,
    run: RunKeys,
    metadata: RunMetadata | None,
    config: CoordinatorConfig | None,
    model: Model | None,
    progress: CoordinatorProgress | None,
) -> Instruction:
    return _build("update", _owner_keys(authority, run), metadata, config, model, progress)


def update_client_version(authority: Pubkey, run: RunKeys, version: str) -> Instruction:
    return _build("update_client_version", _owner_keys(authority, run), version)


def set_paused(authority: Pubkey, run: RunKeys, paused: bool) -> Instruction:
    return _build("set_paused", _owner_keys(authority, run), paused)


def tick(user: Pubkey, run: RunKeys) -> Instruction:
    return _build("tick", _user_keys(user, run))


def checkpoint(user: Pubkey, run: RunKeys, repo: Checkpoint) -> Instruction:
    return _build("checkpoint", _user_keys(user, run), repo)


def join_run(user: Pubkey, authorization: Pubkey, run: RunKeys, client_id: NodeIdentity) -> Instruction:
    keys = _user_keys(user, run) | {"authorization": authorization}
    return _build("join_run", keys, JoinRunParams(client_id))


def _witness_args(
    proof: WitnessProof,
    participant_bloom: WitnessBloom | None,
    broadcast_bloom: WitnessBloom | None,
    broadcast_merkle: MerkleRoot | None,
) -> tuple[object, ...]:
    """The arguments ``witness`` and ``warmup_witness`` share, empty blooms and root where none is given."""
    return (
        proof,
        participant_bloom or WitnessBloom(),
        broadcast_bloom or WitnessBloom(),
        broadcast_merkle or MerkleRoot(),
    )


def witness(
    user: Pubkey,
    run: RunKeys,
    proof: WitnessProof,
    participant_bloom: WitnessBloom | None = None,
    broadcast_bloom: WitnessBloom | None = None,
    broadcast_merkle: MerkleRoot | None = None,
    metadata: WitnessMetadata | None = None,
) -> Instruction:
    """A round's witness; the blooms, merkle root and metadata default to empty ones."""
    data = witness_data(proof, participant_bloom, broadcast_bloom, broadcast_merkle, metadata)
    return instruction_of("witness", _user_keys(user, run), data)


def witness_data(
    proof: WitnessProof,
    participant_bloom: WitnessBloom | None = None,
    broadcast_bloom: WitnessBloom | None = None,
    broadcast_merkle: MerkleRoot | None = None,
    metadata: WitnessMetadata | None = None,
) -> bytes:
    """The data of :func:`witness` alone (see :func:`instruction_of`).

    Borsh writes the arguments one after the other, so without a broadcast bloom, merkle root or metadata (the
    simulator's witnesses) the data is the proof and participant bloom's bytes, then the empty rest encoded once.
    """
    if broadcast_bloom is None and broadcast_merkle is None and metadata is None:
        witness_ix = INTERFACE.instruction("witness")
        head = bytearray(witness_ix.discriminator)
        head_args = (proof, participant_bloom or WitnessBloom())
        for (_, type_), value in zip(witness_ix.arg_types[:2], head_args, strict=True):
            type_.write(value, head)
        return bytes(head) + _empty_witness_tail()
    args = _witness_args(proof, participant_bloom, broadcast_bloom, broadcast_merkle)
    return INTERFACE.instruction("witness").data(*args, metadata or WitnessMetadata())


@cache
def _empty_witness_tail() -> bytes:
    """The encoded empty broadcast bloom, merkle root and metadata: the last three arguments of ``witness``."""
    tail = bytearray()
    for (_, type_), value in zip(
        INTERFACE.instruction("witness").arg_types[2:], (WitnessBloom(), MerkleRoot(), WitnessMetadata()), strict=True
    ):
        type_.write(value, tail)
    return bytes(tail)


def warmup_witness(
    user: Pubkey,
    run: RunKeys,
    proof: WitnessProof,
    participant_bloom: WitnessBloom | None = None,
    broadcast_bloom: WitnessBloom | None = None,
    broadcast_merkle: MerkleRoot | None = None,
) -> Instruction:
    """A client's "model loaded" in Warmup: proof ``{position: index, index, witness: false}``, blooms empty."""
    args = _witness_args(proof, participant_bloom, broadcast_bloom, broadcast_merkle)
    return _build("warmup_witness", _user_keys(user, run), *args)


def health_check(user: Pubkey, run: RunKeys, target: NodeIdentity, proof: CommitteeProof) -> Instruction:
    """Report ``target`` (with its committee proof of the previous round) as not seen by that round's witnesses."""
    return _build(
        "health_check", _user_keys(user, run), target, Committee(proof.committee), proof.position, proof.index
    )
