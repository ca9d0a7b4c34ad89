"""The core types match the reference's repr(C) layout and reproduce its container semantics."""

from __future__ import annotations

import ctypes

import pytest

from coordinator_program.core.types import (
    LLM,
    AdamW,
    Checkpoint,
    CheckpointTag,
    Client,
    ClientFixedVec,
    ClientState,
    Coordinator,
    CoordinatorConfig,
    CoordinatorEpochState,
    CoordinatorProgress,
    Distro,
    FixedString32,
    FixedString64,
    FixedStringError,
    FixedVec,
    FixedVecFullError,
    HttpLLMTrainingDataLocation,
    HttpTrainingDataLocation,
    HubRepo,
    InvalidTagError,
    LearningRateSchedule,
    LLMTrainingDataLocation,
    Model,
    NodeIdentity,
    OptimizerDefinition,
    OptionF32,
    OptionFixedString64,
    Round,
    RunState,
    Shuffle,
    ShuffleTag,
    Witness,
    WitnessBloom,
    WitnessFixedVec,
    WitnessProof,
    fixed_string,
    fixed_vec,
)

SIZES = [
    (NodeIdentity, 64),
    (Client, 72),
    (WitnessProof, 24),
    (WitnessBloom, 192),
    (Witness, 440),
    (WitnessFixedVec, 32 * 440 + 8),
    (Round, 14_112),
    (ClientFixedVec, 256 * 72 + 8),
    (CoordinatorConfig, 64),
    (CoordinatorProgress, 16),
    (CoordinatorEpochState, 93_360),
    (Coordinator, 94_048),
    (Model, 552),
    (LLM, 544),
    (Checkpoint, 136),
    (HubRepo, 129),
    (HttpTrainingDataLocation, 260),
    (Shuffle, 36),
    (HttpLLMTrainingDataLocation, 300),
    (LLMTrainingDataLocation, 304),
    (LearningRateSchedule, 56),
    (AdamW, 24),
    (Distro, 28),
    (OptimizerDefinition, 32),
    (OptionF32, 8),
    (OptionFixedString64, 65),
]

OFFSETS = [
    (Coordinator, "run_id", 0),
    (Coordinator, "run_state", 32),
    (Coordinator, "model", 40),
    (Coordinator, "config", 592),
    (Coordinator, "progress", 656),
    (Coordinator, "epoch_state", 672),
    (Coordinator, "run_state_start_unix_timestamp", 94_032),
    (Coordinator, "pending_pause", 94_040),
    (CoordinatorProgress, "epoch", 0),
    (CoordinatorProgress, "step", 4),
    (CoordinatorProgress, "epoch_start_data_index", 8),
    (CoordinatorEpochState, "rounds", 0),
    (CoordinatorEpochState, "clients", 56_448),
    (CoordinatorEpochState, "exited_clients", 74_888),
    (CoordinatorEpochState, "rounds_head", 93_328),
    (CoordinatorEpochState, "start_step", 93_332),
    (CoordinatorEpochState, "last_step", 93_336),
    (CoordinatorEpochState, "start_timestamp", 93_344),
    (CoordinatorEpochState, "first_round", 93_352),
    (CoordinatorEpochState, "cold_start_epoch", 93_353),
    (Round, "witnesses", 0),
    (Round, "data_index", 14_088),
    (Round, "random_seed", 14_096),
    (Round, "height", 14_104),
    (Round, "clients_len", 14_108),
    (Round, "tie_breaker_tasks", 14_110),
    (Witness, "proof", 0),
    (Witness, "participant_bloom", 24),
    (Witness, "broadcast_bloom", 216),
    (Witness, "broadcast_merkle", 408),
    (WitnessProof, "witness", 16),
    (WitnessBloom, "keys", 0),
    (WitnessBloom, "bits", 64),
    (Client, "state", 64),
    (Client, "exited_height", 68),
    (LLM, "cold_start_warmup_steps", 4),
    (LLM, "architecture", 8),
    (LLM, "checkpoint", 12),
    (LLM, "data_type", 148),
    (LLM, "data_location", 152),
    (LLM, "lr_schedule", 456),
    (LLM, "optimizer", 512),
    (Model, "payload", 8),
    (Checkpoint, "payload", 4),
    (LearningRateSchedule, "payload", 8),
    (OptimizerDefinition, "payload", 4),
    (HubRepo, "revision", 0),
    (HubRepo, "repo_id", 65),
    (OptionF32, "value", 4),
    (CoordinatorConfig, "epoch_time", 40),
    (CoordinatorConfig, "total_steps", 48),
    (CoordinatorConfig, "init_min_clients", 52),
    (CoordinatorConfig, "global_batch_size_end", 60),
    (CoordinatorConfig, "verification_percent", 62),
    (CoordinatorConfig, "waiting_for_members_extra_time", 63),
]


@pytest.mark.parametrize(("struct_type", "size"), SIZES, ids=lambda value: getattr(value, "__name__", str(value)))
def test_size_matches_reference(struct_type: type, size: int) -> None:
    assert ctypes.sizeof(struct_type) == size


@pytest.mark.parametrize(
    ("struct_type", "field", "offset"), OFFSETS, ids=lambda value: getattr(value, "__name__", value)
)
def test_field_offset_matches_reference(struct_type: type, field: str, offset: int) -> None:
    assert getattr(struct_type, field).offset == offset


def test_fixed_string_reads_up_to_first_zero_byte() -> None:
    value = FixedString32.from_buffer_copy(b"ab\0cd".ljust(32, b"\0"))
    assert value.value == "ab"
    assert not value.is_empty()


def test_fixed_string_is_empty_looks_only_at_first_byte() -> None:
    assert FixedString32.from_buffer_copy(b"\0x".ljust(32, b"\0")).is_empty()


def test_fixed_string_full_capacity_has_no_terminator() -> None:
    value = FixedString32.from_str("x" * 32)
    assert value.value == "x" * 32


def test_fixed_string_too_long_raises_instead_of_truncating() -> None:
    value = FixedString32.from_str("kept")
    with pytest.raises(FixedStringError, match="doesn't fit in FixedString<32>"):
        value.value = "y" * 33
    assert value.value == "kept"


def test_fixed_string_set_truncated_cuts_bytes() -> None:
    value = FixedString32()
    value.set_truncated("z" * 40)
    assert value.raw == b"z" * 32


def test_fixed_string_setter_zeroes_old_tail() -> None:
    value = FixedString64.from_str("a much longer string")
    value.value = "ab"
    assert value.raw == b"ab".ljust(64, b"\0")


def test_fixed_string_compares_with_str_and_other_strings() -> None:
    assert FixedString32.from_str("run") == "run"
    assert FixedString32.from_str("run") == FixedString32.from_str("run")
    assert fixed_string(32) is FixedString32


def _vec_of(values: list[int]) -> FixedVec:
    vec = fixed_vec(ctypes.c_uint32, 6)()
    vec.extend(values)
    return vec


def test_fixed_vec_push_get_and_full() -> None:
    vec = _vec_of([1, 2, 3, 4, 5, 6])
    assert list(vec) == [1, 2, 3, 4, 5, 6]
    assert vec.is_full()
    with pytest.raises(FixedVecFullError):
        vec.push(7)
    assert vec.get(6) is None
    with pytest.raises(IndexError):
        vec[6]  # noqa: B018


def test_fixed_vec_remove_shifts_and_zeroes_the_freed_slot() -> None:
    vec = _vec_of([1, 2, 3])
    assert vec.remove(0) == 1
    assert list(vec) == [2, 3]
    assert list(vec.data) == [2, 3, 0, 0, 0, 0]
    assert vec.remove(5) is None


def test_fixed_vec_insert_and_pop() -> None:
    vec = _vec_of([1, 2, 3])
    vec.insert(1, 9)
    assert list(vec) == [1, 9, 2, 3]
    with pytest.raises(IndexError):
        vec.insert(9, 1)
    assert vec.pop() == 3
    assert list(vec.data) == [1, 9, 2, 0, 0, 0]


def test_fixed_vec_retain_keeps_order_and_zeroes_tail() -> None:
    vec = _vec_of([1, 2, 3, 4, 5, 6])
    vec.retain(lambda value: value % 2 == 0)
    assert list(vec) == [2, 4, 6]
    assert list(vec.data) == [2, 4, 6, 0, 0, 0]


def test_fixed_vec_clear_zeroes_used_slots() -> None:
    vec = _vec_of([1, 2])
    vec.clear()
    assert len(vec) == 0
    assert list(vec.data) == [0] * 6


def test_fixed_vec_structure_items_are_live_views_and_pop_returns_a_copy() -> None:
    clients = ClientFixedVec()
    client = Client()
    client.id.signer[0] = 7
    clients.push(client)
    clients[0].state = ClientState.Dropped
    assert clients.data[0].state == ClientState.Dropped
    popped = clients.pop()
    assert popped is not None
    assert popped.state_kind is ClientState.Dropped
    assert popped.id.signer[0] == 7
    assert bytes(clients.data[0]) == bytes(72)


def test_fixed_vec_finds_a_field_value_only_where_the_field_starts_and_only_in_used_slots() -> None:
    clients = ClientFixedVec()
    signer_offset = Client.id.offset + NodeIdentity.signer.offset
    key, other = bytes([7]) * 32, bytes([8]) * 32
    almost = key[:8] + bytes([9]) * 24  # the same first word: a candidate that the whole comparison rejects
    for signer, p2p in ((other, key), (key, other), (almost, other), (other, other), (key, key)):
        clients.push(Client(id=NodeIdentity.from_keys(signer, p2p)))  # the key also as a p2p identity
    clients.data[6].id = NodeIdentity.from_keys(key, key)  # past len: not an item
    assert list(clients.indices_with(signer_offset, key)) == [1, 4]
    assert list(clients.indices_with(signer_offset + 32, key)) == [0, 4]
    assert list(clients.indices_with(signer_offset, bytes(32))) == []
    with pytest.raises(ValueError, match="do not fit"):
        next(clients.indices_with(ctypes.sizeof(Client) - 8, key))


def test_fixed_vec_finds_a_field_value_at_an_unaligned_offset() -> None:
    vec = fixed_vec(ctypes.c_uint8 * 5, 4)()
    for item in (b"abcde", b"xbcbc", b"ybcde"):
        vec.push((ctypes.c_uint8 * 5).from_buffer_copy(item))
    assert list(vec.indices_with(1, b"bc")) == [0, 1, 2]
    assert list(vec.indices_with(3, b"bc")) == [1]
    assert list(vec.indices_with(1, b"ex")) == []  # straddles two items


def test_fixed_vec_reads_one_integer_field_of_every_used_item() -> None:
    clients = ClientFixedVec()
    for height, state in ((5, ClientState.Healthy), (2**32 + 1, ClientState.Dropped)):
        client = Client(state=state)
        client.id.signer[8:16] = list(height.to_bytes(8, "little"))
        clients.push(client)
    assert clients.field_values(Client.id.offset + NodeIdentity.signer.offset + 8, "Q") == [5, 2**32 + 1]
    assert clients.field_values(Client.state.offset, "B") == [ClientState.Healthy, ClientState.Dropped]
    assert ClientFixedVec().field_values(0, "Q") == []
    with pytest.raises(ValueError, match="does not fit"):
        clients.field_values(ctypes.sizeof(Client) - 4, "Q")
    with pytest.raises(ValueError, match="does not fit"):
        clients.field_values(0, "f")


def test_option_set_none_zeroes_value() -> None:
    option = OptionFixedString64()
    option.set(FixedString64.from_str("rev"))
    assert option.get() == "rev"
    option.set(None)
    assert option.get() is None
    assert bytes(option) == bytes(65)


def test_option_f32_value_at_offset_four() -> None:
    option = OptionF32()
    option.set(1.0)
    assert bytes(option) == b"\x01\0\0\0" + bytes.fromhex("0000803f")


def test_tagged_union_set_variant_zeroes_previous_payload() -> None:
    shuffle = Shuffle()
    seed = (ctypes.c_uint8 * 32)(*range(32))
    shuffle.set_variant(ShuffleTag.Seeded, seed)
    seeded = shuffle.variant()
    assert seeded is not None
    assert bytes(seeded) == bytes(range(32))
    shuffle.set_variant(ShuffleTag.DontShuffle)
    assert bytes(shuffle) == bytes(36)
    assert shuffle.variant() is None


def test_tagged_union_rejects_unknown_tag_and_missing_data() -> None:
    checkpoint = Checkpoint()
    checkpoint.tag = 6
    with pytest.raises(InvalidTagError):
        _ = checkpoint.kind
    with pytest.raises(ValueError, match="needs data"):
        checkpoint.set_variant(CheckpointTag.Hub)
    with pytest.raises(ValueError, match="takes no data"):
        checkpoint.set_variant(CheckpointTag.Ephemeral, HubRepo())


def test_node_identity_equality_uses_signer_only() -> None:
    first = NodeIdentity.from_keys(b"\1" * 32, b"\2" * 32)
    second = NodeIdentity.from_keys(b"\1" * 32, b"\3" * 32)
    assert first == second
    assert hash(first) == hash(second)
    assert first != NodeIdentity.from_keys(b"\4" * 32, b"\2" * 32)


def test_run_state_display_names() -> None:
    assert RunState.RoundTrain.display_name == "Training"
    assert RunState.WaitingForMembers.display_name == "Waiting for members"
