"""Test support: build a coordinator state the way the program does and drive it with a manual clock."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from coordinator_program.core import committee_selection, resume, tick, warmup_witness, witness
from coordinator_program.core.bloom import bloom_add
from coordinator_program.core.tick import TickResult
from coordinator_program.core.types import (
    CheckpointTag,
    Coordinator,
    GcsRepo,
    HubRepo,
    NodeIdentity,
    OptimizerDefinitionTag,
    RunState,
    Witness,
)
from coordinator_program.core.types.model import Distro

T0 = 1_700_000_000


def identity(n: int) -> NodeIdentity:
    """A distinct identity per ``n`` (signer and p2p key differ so tests can tell them apart)."""
    signer = hashlib.sha256(b"signer" + n.to_bytes(4, "little")).digest()
    return NodeIdentity.from_keys(signer, hashlib.sha256(b"p2p" + n.to_bytes(4, "little")).digest())


def signer_of(node: NodeIdentity) -> bytes:
    return bytes(node.signer)


def new_coordinator(
    *,
    warmup_time: int = 10,
    cooldown_time: int = 999,
    max_round_train_time: int = 15,
    round_witness_time: int = 10,
    epoch_time: int = 30,
    total_steps: int = 100,
    init_min_clients: int = 1,
    min_clients: int = 1,
    witness_nodes: int = 1,
    batch_start: int = 1,
    batch_end: int = 1,
    warmup_tokens: int = 0,
    extra_time: int = 3,
    max_seq_len: int = 4096,
    cold_start_warmup_steps: int = 0,
    checkpoint: CheckpointTag = CheckpointTag.Dummy,
    repo_id: str = "",
) -> Coordinator:
    """A zeroed (Uninitialized) coordinator with scenario 2's config unless overridden, and a Distro model."""
    coordinator = Coordinator()
    config = coordinator.config
    config.warmup_time = warmup_time
    config.cooldown_time = cooldown_time
    config.max_round_train_time = max_round_train_time
    config.round_witness_time = round_witness_time
    config.epoch_time = epoch_time
    config.total_steps = total_steps
    config.init_min_clients = init_min_clients
    config.min_clients = min_clients
    config.witness_nodes = witness_nodes
    config.global_batch_size_start = batch_start
    config.global_batch_size_end = batch_end
    config.global_batch_size_warmup_tokens = warmup_tokens
    config.verification_percent = 0
    config.waiting_for_members_extra_time = extra_time
    llm = coordinator.model.llm
    llm.max_seq_len = max_seq_len
    llm.cold_start_warmup_steps = cold_start_warmup_steps
    repo = HubRepo()
    repo.repo_id.value = repo_id
    if checkpoint in (CheckpointTag.Gcs, CheckpointTag.P2PGcs):
        gcs = GcsRepo()
        gcs.bucket.value = repo_id
        llm.checkpoint.set_variant(checkpoint, gcs)
    elif checkpoint is CheckpointTag.Ephemeral:
        llm.checkpoint.set_variant(checkpoint)
    else:
        llm.checkpoint.set_variant(checkpoint, repo)
    llm.optimizer.set_variant(OptimizerDefinitionTag.Distro, Distro(compression_decay=0.999, compression_topk=2))
    return coordinator


def unpause(coordinator: Coordinator, now: int) -> None:
    """What the program's ``set_paused(false)`` does to the core from Uninitialized: Paused, step 1, resume."""
    coordinator.run_state = RunState.Paused
    coordinator.progress.step = 1
    resume(coordinator, now)


def elected_witness(coordinator: Coordinator, index: int) -> Witness | None:
    """The witness client ``index`` sends in the current round, or None if it is not elected."""
    position, elected = committee_selection(coordinator, 0).get_witness(index)
    if not elected:
        return None
    message = Witness()
    message.proof.position = position
    message.proof.index = index
    message.proof.witness = 1
    return message


def participant_witness(coordinator: Coordinator, index: int, seen: list[bytes], keys: range) -> Witness:
    """An elected witness whose participant bloom holds ``sha256(signer)`` of every signer in ``seen``."""
    message = elected_witness(coordinator, index)
    assert message is not None, f"client {index} is not a witness"
    for key_slot, key in enumerate(keys):
        message.participant_bloom.keys[key_slot] = key
    for signer in seen:
        bloom_add(message.participant_bloom, hashlib.sha256(signer).digest())
    return message


def warmup_message(index: int) -> Witness:
    """The client convention for a warmup witness: position = index, witness false, empty blooms."""
    message = Witness()
    message.proof.position = index
    message.proof.index = index
    message.proof.witness = 0
    return message


@dataclass
class Run:
    """A coordinator, its registered clients (the pending list) and a manual clock."""

    coordinator: Coordinator
    members: list[NodeIdentity]
    now: int = T0
    seed: int = 1
    results: list[TickResult] = field(default_factory=list)

    def advance(self, seconds: int) -> None:
        self.now += seconds

    def tick(self) -> TickResult:
        self.seed += 1
        result = tick(self.coordinator, self.members, self.now, self.seed)
        self.results.append(result)
        return result

    @property
    def state(self) -> RunState:
        return RunState(self.coordinator.run_state)

    def send_elected_witnesses(self) -> int:
        """Every elected client of the current round witnesses (default blooms); returns how many did."""
        sent = 0
        for index, client in enumerate(list(self.coordinator.epoch_state.clients)):
            message = elected_witness(self.coordinator, index)
            if message is not None:
                witness(self.coordinator, bytes(client.id.signer), message, self.now)
                sent += 1
        return sent

    def send_warmup_witnesses(self) -> None:
        for index, client in enumerate(list(self.coordinator.epoch_state.clients)):
            if self.state is not RunState.Warmup:
                return
            warmup_witness(self.coordinator, bytes(client.id.signer), warmup_message(index), self.now, self.seed)
