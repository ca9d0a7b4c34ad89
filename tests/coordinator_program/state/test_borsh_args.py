"""Borsh codecs of the coordinator's instruction arguments: round trips, reference byte order, and every error kind."""

from __future__ import annotations

import contextlib
import copy
import struct
from enum import IntEnum
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck as HypothesisHealthCheck
from hypothesis import given, settings
from hypothesis import strategies as st
from solders.pubkey import Pubkey

from coordinator_program.core.types import Committee, CommitteeProof, NodeIdentity
from coordinator_program.state.borsh import CArray, CEnum, CFixedString, CFixedVec, CStruct, CTaggedUnion
from coordinator_program.state.borsh_args import (
    CHECKPOINT,
    COMMITTEE_PROOF,
    COORDINATOR_CONFIG,
    COORDINATOR_PROGRESS,
    HEALTH_CHECK,
    HUB_REPO,
    INSTRUCTION_ARGS,
    MODEL,
    NODE_IDENTITY,
    RUN_METADATA,
    WITNESS,
    WITNESS_BLOOM,
    WITNESS_METADATA,
    WITNESS_PROOF,
    InitCoordinatorParams,
    SetPausedArgs,
    decode_instruction_args,
    instruction_arg_types,
)
from coordinator_program.state.coordinator_account import COORDINATOR_ACCOUNT_SIZE, CoordinatorAccount, load
from emulator.anchor.borsh import (
    BOOL,
    PUBKEY,
    STRING,
    U16,
    BorshEncodeError,
    BorshEndOfData,
    BorshInvalidBool,
    BorshInvalidEnumTag,
    BorshInvalidFloat,
    BorshInvalidOption,
    BorshInvalidUtf8,
    BorshTrailingData,
    BorshType,
    FloatType,
    IntType,
    Option,
    StructType,
    borsh_type,
    decode,
    encode,
)

FIXTURE = Path("/work/shared/fixtures/coordinator-account-v1.bin")
MODEL_START, MODEL_END = 416, 968
UNUSED_MODEL_UNION_BYTES = [(848, 880), (884, 888), (920, 936), (965, 968)]

_FORMATS = {"u8": "B", "u16": "H", "u32": "I", "u64": "Q", "i32": "i", "f32": "f", "f64": "d"}


def borsh_bytes(codec: BorshType[Any]) -> st.SearchStrategy[bytes]:
    """Valid Borsh encodings for ``codec``'s type (floats without NaN, whose payload Python may not keep)."""
    if isinstance(codec, IntType | FloatType):
        fmt = "<" + _FORMATS[str(codec.idl())]
        if isinstance(codec, IntType):
            values: st.SearchStrategy[Any] = st.integers(codec.min_value, codec.max_value)
        else:
            values = st.floats(width=32 if codec.idl() == "f32" else 64, allow_nan=False)
        return values.map(lambda value: struct.pack(fmt, value))
    if codec is BOOL:
        return st.sampled_from([b"\0", b"\1"])
    if codec is STRING:
        return st.text(max_size=40).map(lambda text: struct.pack("<I", len(text.encode())) + text.encode())
    if codec is PUBKEY:
        return st.binary(min_size=32, max_size=32)
    if isinstance(codec, Option):  # COption too
        return st.just(b"\0") | borsh_bytes(codec.item).map(lambda inner: b"\1" + inner)
    if isinstance(codec, CEnum):
        return st.sampled_from([bytes([member]) for member in codec.members])
    if isinstance(codec, CFixedString):
        capacity = codec.string_type.CAPACITY
        return st.binary(min_size=capacity, max_size=capacity)
    if isinstance(codec, CArray):
        return _concat([borsh_bytes(codec.item)] * codec.array_type._length_)
    if isinstance(codec, CFixedVec):
        return _concat([borsh_bytes(codec.item)] * codec.vec_type.CAPACITY + [st.binary(min_size=8, max_size=8)])
    if isinstance(codec, CStruct | StructType):
        return _concat([borsh_bytes(field_codec) for _, field_codec in codec.fields])
    if isinstance(codec, CTaggedUnion):
        return st.one_of([_variant_bytes(tag, inner) for tag, inner in codec.variants.items()])
    raise TypeError(f"no strategy for {codec!r}")


def _variant_bytes(tag: int, inner: BorshType[Any] | None) -> st.SearchStrategy[bytes]:
    prefix = bytes([tag])
    return st.just(prefix) if inner is None else borsh_bytes(inner).map(lambda data: prefix + data)


def _concat(parts: list[st.SearchStrategy[bytes]]) -> st.SearchStrategy[bytes]:
    return st.tuples(*parts).map(b"".join)


ROUND_TRIP_CODECS = {
    "RunMetadata": RUN_METADATA,
    "CoordinatorConfig": COORDINATOR_CONFIG,
    "CoordinatorProgress": COORDINATOR_PROGRESS,
    "Checkpoint": CHECKPOINT,
    "Model": MODEL,
    "Witness": WITNESS,
    "WitnessMetadata": WITNESS_METADATA,
    "HealthCheck": HEALTH_CHECK,
    **{f"args:{name}": borsh_type(args) for name, args in INSTRUCTION_ARGS.items()},
}


@pytest.mark.parametrize("name", list(ROUND_TRIP_CODECS))
def test_decode_then_encode_reproduces_valid_borsh(name: str) -> None:
    codec = ROUND_TRIP_CODECS[name]

    @settings(max_examples=25, deadline=None, suppress_health_check=[HypothesisHealthCheck.too_slow])
    @given(borsh_bytes(codec))
    def round_trip(data: bytes) -> None:
        assert encode(codec, decode(codec, data)) == data

    round_trip()


@pytest.fixture
def fixture_account() -> CoordinatorAccount:
    return load(bytearray(FIXTURE.read_bytes()))


def test_config_borsh_equals_its_unpadded_memory(fixture_account: CoordinatorAccount) -> None:
    config = fixture_account.state.coordinator.config
    assert encode(COORDINATOR_CONFIG, config) == bytes(FIXTURE.read_bytes()[968:1032])


def test_hub_repo_borsh_puts_repo_id_before_revision(fixture_account: CoordinatorAccount) -> None:
    hub = fixture_account.state.coordinator.model.llm.checkpoint.variant()
    encoded = encode(HUB_REPO, hub)
    assert encoded == b"emozilla/llama2-1.1b-gqa-init".ljust(64, b"\0") + b"\0"
    hub.revision.set(type(hub.repo_id).from_str("main"))
    assert encode(HUB_REPO, hub)[64:] == b"\1" + b"main".ljust(64, b"\0")


def test_fixture_model_encodes_with_u8_tags(fixture_account: CoordinatorAccount) -> None:
    encoded = encode(MODEL, fixture_account.state.coordinator.model)
    # Model::LLM, max_seq_len 2048, cold start 0, HfLlama, Checkpoint::Hub, then the HubRepo.
    assert encoded[:11] == b"\0" + struct.pack("<II", 2048, 0) + b"\0" + b"\2"
    assert encoded[11 : 11 + 65] == b"emozilla/llama2-1.1b-gqa-init".ljust(64, b"\0") + b"\0"
    # Distro(clip Some(1.0), wd None, 0.999, topk 2, chunk 64, no quantization) ends the encoding.
    assert encoded.endswith(b"\2" + b"\1" + struct.pack("<f", 1.0) + b"\0" + struct.pack("<fHH", 0.999, 2, 64) + b"\0")
    assert len(encoded) == 386


def test_nan_anywhere_in_a_model_is_invalid_float(fixture_account: CoordinatorAccount) -> None:
    """borsh-rs refuses NaN floats, so the reference cannot decode a model whose Distro decay is NaN."""
    encoded = bytearray(encode(MODEL, fixture_account.state.coordinator.model))
    decay_at = len(encoded) - struct.calcsize("<fHH") - 1
    assert struct.unpack_from("<f", encoded, decay_at)[0] == pytest.approx(0.999)
    struct.pack_into("<f", encoded, decay_at, float("nan"))
    with pytest.raises(BorshInvalidFloat):
        decode(MODEL, bytes(encoded))


def test_decoded_model_assigns_into_the_account(fixture_account: CoordinatorAccount) -> None:
    decoded = decode(MODEL, encode(MODEL, fixture_account.state.coordinator.model))
    fresh_bytes = bytearray(COORDINATOR_ACCOUNT_SIZE)
    fresh = CoordinatorAccount.from_buffer(fresh_bytes)
    fresh.state.coordinator.model = decoded
    expected = bytearray(FIXTURE.read_bytes())
    for start, stop in UNUSED_MODEL_UNION_BYTES:
        expected[start:stop] = bytes(stop - start)
    assert fresh_bytes[MODEL_START:MODEL_END] == expected[MODEL_START:MODEL_END]


def test_witness_encoding_has_no_padding() -> None:
    assert len(encode(WITNESS, WITNESS.struct_type())) == 17 + 192 + 192 + 32


def test_witness_arguments_decode_every_word_and_float() -> None:
    """Blooms, proofs and metadata decode as one copy of their bytes: every word lands where the reference put it."""
    words = struct.pack("<24Q", *range(1, 25))
    metadata = struct.pack("<Ifff", 9, 1.5, 2.5, 3.5) + b"e" * 32 + struct.pack("<f", 0.25) + bytes(36 * 7)
    metadata += struct.pack("<Q", 1) + struct.pack("<16i", *range(-8, 8)) + struct.pack("<QBf", 16, 3, 0.5)
    data = struct.pack("<QQB", 5, 6, 1) + words + words[::-1] + b"m" * 32 + metadata
    decoded = decode(INSTRUCTION_ARGS["witness"], data)
    assert (decoded.proof.position, decoded.proof.index, decoded.proof.witness) == (5, 6, 1)
    assert list(decoded.participant_bloom.keys) + list(decoded.participant_bloom.bits) == list(range(1, 25))
    assert bytes(decoded.broadcast_bloom) == words[::-1]
    assert bytes(decoded.broadcast_merkle.inner) == b"m" * 32
    assert (decoded.metadata.step, decoded.metadata.loss, decoded.metadata.efficency) == (9, 3.5, 0.5)
    assert (bytes(decoded.metadata.evals[0].name.raw), decoded.metadata.evals[0].value) == (b"e" * 32, 0.25)
    assert list(decoded.metadata.prompt_results) == list(range(-8, 8))
    assert encode(INSTRUCTION_ARGS["witness"], decoded) == data


def test_nan_in_a_witness_eval_is_invalid_float() -> None:
    metadata = struct.pack("<Ifff", 0, 0, 0, 0) + bytes(32) + struct.pack("<f", float("nan")) + bytes(36 * 7 + 8)
    data = bytes(17 + 192 * 2 + 32) + metadata + bytes(64 + 8 + 1 + 4)
    with pytest.raises(BorshInvalidFloat):
        decode(INSTRUCTION_ARGS["witness"], data)


def test_health_check_is_identity_then_committee_proof() -> None:
    identity = NodeIdentity.from_keys(b"\1" * 32, b"\2" * 32)
    proof = CommitteeProof(committee=Committee.Trainer, position=5, index=6)
    data = b"\1" * 32 + b"\2" * 32 + b"\2" + struct.pack("<QQ", 5, 6)
    decoded = decode(INSTRUCTION_ARGS["health_check"], data)
    assert decoded.id == identity
    assert decoded.proof.committee_kind is Committee.Trainer
    assert encode(COMMITTEE_PROOF, proof) == data[64:]


def test_init_coordinator_params_round_trip() -> None:
    params = InitCoordinatorParams(Pubkey.new_unique(), Pubkey.new_unique(), "run", "v1")
    codec = INSTRUCTION_ARGS["init_coordinator"]
    data = encode(codec, params)
    assert data[64:] == b"\3\0\0\0run\2\0\0\0v1"
    assert decode(codec, data) == params


# --- one test per error kind --------------------------------------------------------------------------------------


def _fixture_model_bytes() -> bytes:
    return encode(MODEL, load(bytearray(FIXTURE.read_bytes())).state.coordinator.model)


def test_short_data_is_end_of_data() -> None:
    with pytest.raises(BorshEndOfData):
        decode(MODEL, _fixture_model_bytes()[:-1])


def test_trailing_data_is_rejected_by_decode() -> None:
    with pytest.raises(BorshTrailingData):
        decode(MODEL, _fixture_model_bytes() + b"\0")


def test_instruction_args_ignore_trailing_data_like_anchor() -> None:
    assert decode_instruction_args(INSTRUCTION_ARGS["set_paused"], b"\1\7\7") == SetPausedArgs(paused=True)


@pytest.mark.parametrize(
    ("position", "value", "what"),
    [(0, 1, "Model"), (9, 4, "LLMArchitecture"), (10, 6, "Checkpoint")],
)
def test_unknown_enum_variant_is_invalid_tag(position: int, value: int, what: str) -> None:
    data = bytearray(_fixture_model_bytes())
    data[position] = value
    with pytest.raises(BorshInvalidEnumTag, match=what):
        decode(MODEL, bytes(data))


def test_unknown_committee_is_invalid_tag() -> None:
    with pytest.raises(BorshInvalidEnumTag, match="Committee"):
        decode(COMMITTEE_PROOF, b"\3" + bytes(16))


def test_bool_byte_above_one_is_invalid_bool() -> None:
    data = bytearray(_fixture_model_bytes())
    data[-1] = 2  # Distro.quantize_1bit
    with pytest.raises(BorshInvalidBool):
        decode(MODEL, bytes(data))
    with pytest.raises(BorshInvalidBool):
        decode(INSTRUCTION_ARGS["set_paused"], b"\2")


def test_option_tag_above_one_is_invalid_option() -> None:
    with pytest.raises(BorshInvalidOption):
        decode(INSTRUCTION_ARGS["set_future_epoch_rates"], b"\2" + bytes(8) + b"\0")
    data = bytearray(_fixture_model_bytes())
    data[11 + 64] = 2  # HubRepo.revision
    with pytest.raises(BorshInvalidOption):
        decode(MODEL, bytes(data))


def test_string_that_is_not_utf8_is_invalid_utf8() -> None:
    with pytest.raises(BorshInvalidUtf8):
        decode(INSTRUCTION_ARGS["update_client_version"], b"\2\0\0\0\xff\xfe")


def test_string_length_past_the_data_is_end_of_data() -> None:
    with pytest.raises(BorshEndOfData):
        decode(STRING, b"\xff\xff\xff\xff")


def test_out_of_range_value_is_encode_error() -> None:
    with pytest.raises(BorshEncodeError):
        encode(U16, 70_000)


@given(st.binary(max_size=64))
@settings(max_examples=200, deadline=None)
def test_arbitrary_bytes_decode_or_raise_a_borsh_error(data: bytes) -> None:
    for codec in (INSTRUCTION_ARGS["update"], INSTRUCTION_ARGS["set_future_epoch_rates"], CHECKPOINT):
        with contextlib.suppress(
            BorshEndOfData, BorshInvalidEnumTag, BorshInvalidOption, BorshInvalidBool, BorshInvalidUtf8
        ):
            decode_instruction_args(codec, data)


# --- the ctypes types are the Anchor codec's types ------------------------------------------------------------------


def test_a_committee_is_written_from_the_int_its_ctypes_field_holds() -> None:
    proof = CommitteeProof(committee=Committee.Trainer, position=5, index=6)
    assert isinstance(proof.committee, int) and not isinstance(proof.committee, Committee)
    assert encode(COMMITTEE_PROOF, proof)[0] == 2
    with pytest.raises(BorshEncodeError, match="Committee"):
        encode(CEnum(Committee), 3)


def test_an_enum_whose_values_are_not_its_variant_indices_is_refused() -> None:
    class Sparse(IntEnum):
        A = 0
        B = 2

    with pytest.raises(TypeError, match="variant index"):
        CEnum(Sparse)


def test_a_value_of_the_wrong_type_is_an_encode_error_naming_the_struct() -> None:
    with pytest.raises(BorshEncodeError, match="CoordinatorConfig"):
        encode(COORDINATOR_CONFIG, COORDINATOR_PROGRESS.struct_type())


def test_a_corrupted_union_tag_in_memory_is_an_encode_error(fixture_account: CoordinatorAccount) -> None:
    checkpoint = fixture_account.state.coordinator.model.llm.checkpoint
    checkpoint.tag = 99
    with pytest.raises(BorshEncodeError, match="invalid tag 99"):
        encode(CHECKPOINT, checkpoint)


def test_the_argument_types_feed_the_anchor_dispatcher_and_idl() -> None:
    """An instruction's declared arguments are its argument struct's fields, in order."""
    assert list(instruction_arg_types("witness")) == [
        "proof",
        "participant_bloom",
        "broadcast_bloom",
        "broadcast_merkle",
        "metadata",
    ]
    assert MODEL.idl() == {"defined": "Model"}
    assert borsh_type(INSTRUCTION_ARGS["free_coordinator"]).idl() == {"defined": "FreeCoordinatorParams"}


# --- the byte-copy layouts give what field-by-field coding gives ----------------------------------------------------

COPIED_CODECS = {
    "WitnessProof": WITNESS_PROOF,
    "WitnessBloom": WITNESS_BLOOM,
    "Witness": WITNESS,
    "WitnessMetadata": WITNESS_METADATA,
    "CoordinatorConfig": COORDINATOR_CONFIG,
    "RunMetadata": RUN_METADATA,
    "NodeIdentity": NODE_IDENTITY,
}


def _field_by_field(codec: CStruct) -> CStruct:
    """The same codec without its byte-copy layout: every field coded on its own (the nested ones keep theirs)."""
    plain = copy.copy(codec)
    plain.layout = None
    return plain


def test_the_layouts_skip_padding_and_only_padding() -> None:
    """WitnessProof (17 bytes) is padded to 24 in memory and WitnessMetadata has 3 bytes before ``efficency``."""
    assert WITNESS_PROOF.layout is not None and WITNESS_PROOF.layout.runs == ((0, 17),)
    assert WITNESS.layout is not None and WITNESS.layout.runs == ((0, 17), (24, 416))
    assert WITNESS_METADATA.layout is not None and WITNESS_METADATA.layout.runs == ((0, 385), (388, 4))
    assert HUB_REPO.layout is None  # Borsh order is not memory order
    assert COMMITTEE_PROOF.layout is None  # a u32 in memory, a u8 enum in Borsh


@pytest.mark.parametrize("name", list(COPIED_CODECS))
def test_copied_coding_equals_field_by_field_coding(name: str) -> None:
    codec = COPIED_CODECS[name]
    plain = _field_by_field(codec)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HypothesisHealthCheck.too_slow])
    @given(borsh_bytes(codec))
    def same(data: bytes) -> None:
        copied, by_field = decode(codec, data), decode(plain, data)
        assert bytes(copied) == bytes(by_field)  # padding included: zero both ways
        assert encode(codec, by_field) == encode(plain, copied) == data

    same()


def test_a_nan_in_a_copied_struct_is_an_encode_error_naming_the_field() -> None:
    """The copy checks every float and leaves a NaN to the field-by-field path, which names where it is."""
    metadata = WITNESS_METADATA.struct_type()
    metadata.evals.data[3].value = float("nan")
    where = r"WitnessMetadata\.evals: WitnessEvalResult\.value"
    with pytest.raises(BorshEncodeError, match=where + ": f32 cannot encode NaN"):
        encode(WITNESS_METADATA, metadata)
    metadata.evals.data[3].value = 1.0
    metadata.efficency = float("nan")
    with pytest.raises(BorshEncodeError, match=r"WitnessMetadata\.efficency: f32 cannot encode NaN"):
        encode(WITNESS_METADATA, metadata)
