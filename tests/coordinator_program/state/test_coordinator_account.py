"""The coordinator account view is byte-compatible with the reference program's v1 ``CoordinatorAccount``."""

from __future__ import annotations

import ctypes
import hashlib
from pathlib import Path

import pytest

from coordinator_program.core.types import (
    LLM,
    CheckpointTag,
    CosineLR,
    Distro,
    GcpLocation,
    HttpLLMTrainingDataLocation,
    HttpTrainingDataLocationTag,
    HubRepo,
    LearningRateScheduleTag,
    LLMArchitecture,
    LLMTrainingDataLocationTag,
    LLMTrainingDataType,
    ModelTag,
    OptimizerDefinitionTag,
    RunState,
    ShuffleTag,
    TokenSize,
)
from coordinator_program.state.coordinator_account import (
    COORDINATOR_ACCOUNT_DISCRIMINATOR,
    COORDINATOR_ACCOUNT_SIZE,
    ClientsState,
    CoordinatorAccount,
    CoordinatorAccountDiscriminatorError,
    CoordinatorAccountSizeError,
    CoordinatorAccountVersionError,
    CoordinatorInstanceState,
    RunMetadata,
    SolanaClient,
    load,
)

FIXTURE = Path("/work/shared/fixtures/coordinator-account-v1.bin")

# Bytes of the fixture inside enum unions that the active variant does not use: the reference program copied
# them from its stack, so a field-by-field rebuild (which zeroes unions) cannot and need not reproduce them.
UNUSED_UNION_BYTES = [
    (848, 880),  # data_location Http: Shuffle::DontShuffle leaves the 32-byte seed slot unused
    (884, 888),  # lr_schedule: the 4 bytes between the u32 tag and the f64 payload
    (920, 936),  # lr_schedule Cosine (32 bytes) inside a 48-byte union
    (965, 968),  # optimizer Distro: tail padding after quantize_1bit
]

# warmup, cooldown, max_round_train, round_witness, warmup_tokens, epoch, total_steps, init_min, min, witness_nodes,
# batch start, batch end, verification_percent, waiting_for_members_extra_time (declared order).
SCENARIO_FOUR_CONFIG = [15, 30, 15, 1, 0, 60, 25000, 1, 1, 0, 2048, 2048, 0, 3]


@pytest.fixture
def fixture_bytes() -> bytearray:
    return bytearray(FIXTURE.read_bytes())


def _absolute(path: str) -> int:
    """The absolute offset of a dotted field path inside ``CoordinatorAccount``."""
    struct_type: type = CoordinatorAccount
    offset = 0
    for name in path.split("."):
        field = getattr(struct_type, name)
        offset += field.offset
        struct_type = dict(struct_type._fields_)[name]  # type: ignore[attr-defined]
    return offset


@pytest.mark.parametrize(
    ("path", "offset"),
    [
        ("version", 8),
        ("state.metadata", 16),
        ("state.coordinator", 376),
        ("state.coordinator.run_id", 376),
        ("state.coordinator.run_state", 408),
        ("state.coordinator.model", 416),
        ("state.coordinator.config", 968),
        ("state.coordinator.progress", 1032),
        ("state.coordinator.progress.epoch", 1032),
        ("state.coordinator.progress.step", 1036),
        ("state.coordinator.progress.epoch_start_data_index", 1040),
        ("state.coordinator.epoch_state", 1048),
        ("state.coordinator.run_state_start_unix_timestamp", 94_408),
        ("state.coordinator.pending_pause", 94_416),
        ("state.clients_state", 94_424),
        ("state.clients_state.next_active", 119_008),
        ("state.clients_state.current_epoch_rates", 119_016),
        ("state.clients_state.future_epoch_rates", 119_032),
        ("state.is_warmup_first_tick", 119_048),
        ("state.is_training_first_tick", 119_049),
        ("state.client_version", 119_050),
        ("nonce", 119_152),
    ],
)
def test_absolute_offsets_match_reference(path: str, offset: int) -> None:
    assert _absolute(path) == offset


def test_sizes_match_reference() -> None:
    assert ctypes.sizeof(CoordinatorAccount) == COORDINATOR_ACCOUNT_SIZE == 119_160
    assert ctypes.sizeof(RunMetadata) == 360
    assert ctypes.sizeof(SolanaClient) == 96
    assert ctypes.sizeof(ClientsState) == 24_624
    assert ctypes.sizeof(CoordinatorInstanceState) == 119_136
    assert [SolanaClient.earned.offset, SolanaClient.slashed.offset, SolanaClient.active.offset] == [72, 80, 88]


def test_discriminator_is_anchor_account_hash() -> None:
    assert hashlib.sha256(b"account:CoordinatorAccount").digest()[:8] == COORDINATOR_ACCOUNT_DISCRIMINATOR
    assert COORDINATOR_ACCOUNT_DISCRIMINATOR.hex() == "ef21b1372c9b562b"


def test_load_rejects_wrong_size(fixture_bytes: bytearray) -> None:
    with pytest.raises(CoordinatorAccountSizeError):
        load(fixture_bytes + b"\0")


def test_load_rejects_wrong_discriminator(fixture_bytes: bytearray) -> None:
    fixture_bytes[0] ^= 1
    with pytest.raises(CoordinatorAccountDiscriminatorError):
        load(fixture_bytes)


def test_load_rejects_zeroed_account() -> None:
    with pytest.raises(CoordinatorAccountDiscriminatorError):
        load(bytearray(COORDINATOR_ACCOUNT_SIZE))


def test_load_rejects_other_version(fixture_bytes: bytearray) -> None:
    fixture_bytes[8] = 2
    with pytest.raises(CoordinatorAccountVersionError):
        load(fixture_bytes)


def test_load_is_a_live_view(fixture_bytes: bytearray) -> None:
    account = load(fixture_bytes)
    account.nonce = 0x0102
    assert fixture_bytes[119_152:119_154] == b"\x02\x01"
    fixture_bytes[408] = RunState.Paused
    assert account.state.coordinator.run_state_kind is RunState.Paused


def test_fixture_decodes_to_memnet_data_layout_values(fixture_bytes: bytearray) -> None:
    account = load(fixture_bytes)
    state = account.state
    assert account.version == 1
    assert account.nonce == 2
    assert not state.is_warmup_first_tick
    assert not state.is_training_first_tick
    assert state.client_version.value == "test"

    assert state.metadata.name.value == ""
    assert state.metadata.description.value == ""
    assert state.metadata.num_parameters == 1_100_000_000
    assert state.metadata.vocab_size == 32768

    coordinator = state.coordinator
    assert coordinator.run_id.value == "test"
    assert coordinator.run_state_kind is RunState.Uninitialized
    assert coordinator.run_state_start_unix_timestamp == 0
    assert not coordinator.pending_pause

    assert coordinator.model.kind is ModelTag.LLM
    llm = coordinator.model.llm
    assert llm.max_seq_len == 2048
    assert llm.cold_start_warmup_steps == 0
    assert llm.architecture_kind is LLMArchitecture.HfLlama
    assert llm.checkpoint.kind is CheckpointTag.Hub
    hub = llm.checkpoint.variant()
    assert hub.repo_id.value == "emozilla/llama2-1.1b-gqa-init"
    assert hub.revision.get() is None
    assert llm.data_type_kind is LLMTrainingDataType.Pretraining

    assert llm.data_location.kind is LLMTrainingDataLocationTag.Http
    http = llm.data_location.variant()
    assert http.location.kind is HttpTrainingDataLocationTag.Gcp
    gcp = http.location.variant()
    assert gcp.bucket_name.value == "nous-pretraining-public-us"
    assert gcp.filter_directory.value == "fineweb-edu-tokenized-llama2"
    assert http.token_size_kind is TokenSize.TwoBytes
    assert http.shuffle.kind is ShuffleTag.DontShuffle

    assert llm.lr_schedule.kind is LearningRateScheduleTag.Cosine
    cosine = llm.lr_schedule.variant()
    assert (cosine.base_lr, cosine.warmup_steps, cosine.warmup_init_lr) == (0.0004, 250, 0.0)
    assert (cosine.total_steps, cosine.final_lr) == (25000, 0.00004)

    assert llm.optimizer.kind is OptimizerDefinitionTag.Distro
    distro = llm.optimizer.variant()
    assert distro.clip_grad_norm.get() == 1.0
    assert distro.weight_decay.get() is None
    assert distro.compression_decay == ctypes.c_float(0.999).value
    assert (distro.compression_topk, distro.compression_chunk, distro.quantize_1bit) == (2, 64, False)

    config = coordinator.config
    assert [getattr(config, name) for name, _ in config._fields_] == SCENARIO_FOUR_CONFIG
    assert (coordinator.progress.epoch, coordinator.progress.step, coordinator.progress.epoch_start_data_index) == (
        0,
        0,
        0,
    )
    assert bytes(coordinator.epoch_state) == bytes(ctypes.sizeof(coordinator.epoch_state))

    clients_state = state.clients_state
    assert len(clients_state.clients) == 0
    assert clients_state.next_active == 0
    current, future = clients_state.current_epoch_rates, clients_state.future_epoch_rates
    assert (current.earning_rate_total_shared, current.slashing_rate_per_client) == (0, 0)
    assert (future.earning_rate_total_shared, future.slashing_rate_per_client) == (1_000_000, 0)


def _write_scenario_four(account: CoordinatorAccount) -> None:
    """Set every non-zero value of the fixture through the typed API (no byte copies)."""
    account.discriminator[:] = list(COORDINATOR_ACCOUNT_DISCRIMINATOR)
    account.version = 1
    account.nonce = 2
    state = account.state
    state.client_version.value = "test"
    state.metadata.num_parameters = 1_100_000_000
    state.metadata.vocab_size = 32768
    state.clients_state.future_epoch_rates.earning_rate_total_shared = 1_000_000

    coordinator = state.coordinator
    coordinator.run_id.value = "test"
    coordinator.run_state = RunState.Uninitialized
    config = coordinator.config
    for (name, _), value in zip(config._fields_, SCENARIO_FOUR_CONFIG, strict=True):
        setattr(config, name, value)

    model = coordinator.model
    model.set_variant(ModelTag.LLM, LLM())
    llm = model.llm
    llm.max_seq_len = 2048
    llm.architecture = LLMArchitecture.HfLlama
    llm.data_type = LLMTrainingDataType.Pretraining

    hub = HubRepo()
    hub.repo_id.value = "emozilla/llama2-1.1b-gqa-init"
    hub.revision.set(None)
    llm.checkpoint.set_variant(CheckpointTag.Hub, hub)

    http = HttpLLMTrainingDataLocation()
    gcp = GcpLocation()
    gcp.bucket_name.value = "nous-pretraining-public-us"
    gcp.filter_directory.value = "fineweb-edu-tokenized-llama2"
    http.location.set_variant(HttpTrainingDataLocationTag.Gcp, gcp)
    http.token_size_in_bytes = TokenSize.TwoBytes
    http.shuffle.set_variant(ShuffleTag.DontShuffle)
    llm.data_location.set_variant(LLMTrainingDataLocationTag.Http, http)

    cosine = CosineLR(base_lr=0.0004, warmup_init_lr=0.0, final_lr=0.00004, warmup_steps=250, total_steps=25000)
    llm.lr_schedule.set_variant(LearningRateScheduleTag.Cosine, cosine)

    distro = Distro()
    distro.clip_grad_norm.set(1.0)
    distro.weight_decay.set(None)
    distro.compression_decay = 0.999
    distro.compression_topk = 2
    distro.compression_chunk = 64
    distro.quantize_1bit = False
    llm.optimizer.set_variant(OptimizerDefinitionTag.Distro, distro)


def test_rebuilding_the_fixture_field_by_field_gives_its_bytes(fixture_bytes: bytearray) -> None:
    rebuilt = bytearray(COORDINATOR_ACCOUNT_SIZE)
    _write_scenario_four(CoordinatorAccount.from_buffer(rebuilt))

    different = {index for index in range(COORDINATOR_ACCOUNT_SIZE) if rebuilt[index] != fixture_bytes[index]}
    unused = {index for start, stop in UNUSED_UNION_BYTES for index in range(start, stop)}
    assert different <= unused
    assert different, "the fixture carries stack bytes in unused union space"

    for start, stop in UNUSED_UNION_BYTES:
        fixture_bytes[start:stop] = bytes(stop - start)
    assert rebuilt == fixture_bytes
