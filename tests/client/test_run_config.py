"""Reading a run's state.toml: the coordinator's types, its checks, and errors that name file, field and rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tomli
import tomli_w
from hypothesis import example, given
from hypothesis import strategies as st

from coordinator_program.core import ConfigError, config_error, model_error
from coordinator_program.core.types import (
    AdamW,
    CheckpointTag,
    CoordinatorConfig,
    Distro,
    FixedString64,
    FixedString192,
    GcpLocation,
    GcsRepo,
    HttpLLMTrainingDataLocation,
    HttpTrainingDataLocationTag,
    HubRepo,
    LLMTrainingDataLocationTag,
    Model,
    NumberedFiles,
    OptimizerDefinitionTag,
    RunState,
)
from coordinator_program.errors import CoordinatorProgramError
from coordinator_program.state.borsh_args import COORDINATOR_CONFIG, MODEL
from coordinator_program.state.coordinator_account import RunMetadata
from emulator.anchor.borsh import encode
from emulator.errors import custom_error_code
from formats.run_config import RunConfigError, load_run_config, parse_run_config, updated_metadata
from formats.run_config.rules import config_problem, locate_model_rule, model_problem
from formats.run_config.serde import from_serde, to_serde
from formats.run_config.small_run import small_run
from tests.coordinator_program.program.chain import CoordinatorChain

REPO = Path(__file__).resolve().parents[2]
CONFIG_FILES = sorted((REPO / "config").glob("*/state.toml"))

BASE = """\
[config]
warmup_time = 5
cooldown_time = 5
max_round_train_time = 5
round_witness_time = 2
epoch_time = 60
waiting_for_members_extra_time = 3
min_clients = 2
init_min_clients = 2
witness_nodes = 1
global_batch_size_start = 4
global_batch_size_end = 4
global_batch_size_warmup_tokens = 0
total_steps = 10
verification_percent = 0

[model.LLM]
architecture = "HfLlama"
data_type = "Pretraining"
max_seq_len = 512
cold_start_warmup_steps = 0
data_location = "Dummy"
checkpoint = { Hub = { repo_id = "org/model" } }
lr_schedule = { Constant = { base_lr = 0.0004, warmup_init_lr = 0.0, warmup_steps = 2 } }
optimizer = { AdamW = { betas = [0.9, 0.95], weight_decay = 0.1, eps = 1e-8 } }
"""


def edited(old: str, new: str) -> str:
    """BASE with its one occurrence of ``old`` (not preceded by a word character) replaced by ``new``."""
    pattern = re.compile(r"(?<!\w)" + re.escape(old))
    assert len(pattern.findall(BASE)) == 1, old
    return pattern.sub(lambda _: new, BASE)


def error_of(text: str) -> RunConfigError:
    with pytest.raises(RunConfigError) as info:
        parse_run_config(text, "state.toml")
    assert "\n" not in str(info.value)
    return info.value


@pytest.fixture(scope="module")
def chain() -> CoordinatorChain:
    """An initialised, still Uninitialized (halted) run: every update that fails leaves it so."""
    chain = CoordinatorChain(run_id="config")
    chain.create_coordinator_account()
    assert chain.init().err is None
    return chain


# -- the configuration files ------------------------------------------------------------------------------------


def test_the_three_run_configurations_exist() -> None:
    assert {path.parent.name for path in CONFIG_FILES} >= {"test", "tiny-llama", "treasurer-example"}


@pytest.mark.parametrize("path", CONFIG_FILES, ids=lambda path: path.parent.name)
def test_config_file_is_accepted_by_the_coordinator_program(path: Path) -> None:
    run_config = load_run_config(path)
    chain = CoordinatorChain(run_id=path.parent.name)
    chain.create_coordinator_account()
    assert chain.init().err is None
    result = chain.update(config=run_config.config, model=run_config.model)
    assert result.err is None, result.logs
    assert chain.set_paused(False).err is None
    assert chain.coordinator().run_state == RunState.WaitingForMembers


def test_test_config_has_the_reference_sample_values() -> None:
    run_config = load_run_config(REPO / "config" / "test" / "state.toml")
    config = run_config.config
    assert (config.warmup_time, config.cooldown_time, config.epoch_time) == (5, 5, 60)
    assert (config.max_round_train_time, config.round_witness_time) == (5, 2)
    assert (config.min_clients, config.init_min_clients, config.witness_nodes) == (2, 2, 1)
    assert (config.global_batch_size_start, config.global_batch_size_end) == (4, 4)
    assert (config.global_batch_size_warmup_tokens, config.total_steps) == (0, 10)
    assert config.waiting_for_members_extra_time == 3
    assert run_config.model.llm.max_seq_len == 512


def test_tiny_llama_points_at_its_model_config() -> None:
    llm = load_run_config(REPO / "config" / "tiny-llama" / "state.toml").model.llm
    assert llm.checkpoint.kind is CheckpointTag.Hub
    assert (REPO / llm.checkpoint.variant().repo_id.value / "config.json").is_file()
    assert llm.data_location.kind is LLMTrainingDataLocationTag.Local


@pytest.mark.parametrize("path", CONFIG_FILES, ids=lambda path: path.parent.name)
def test_serde_shape_round_trips_the_file(path: Path) -> None:
    """What json-dump-run prints of a loaded file is the file's own [config] and [model] (absent options = null)."""
    document = tomli.loads(path.read_text())
    run_config = load_run_config(path)
    assert to_serde(COORDINATOR_CONFIG, run_config.config) == document["config"]
    model = to_serde(MODEL, run_config.model)
    assert from_serde(MODEL, model, "model", "json").llm.max_seq_len == run_config.model.llm.max_seq_len
    assert encode(MODEL, from_serde(MODEL, model, "model", "json")) == encode(MODEL, run_config.model)


def test_every_model_form_of_the_spec_parses() -> None:
    numbered_files = {"url_template": "https://data/{}.ds", "start_index": 3, "n_left_pad_zeros": 4, "num_files": 10}
    http = {
        "token_size_in_bytes": "FourBytes",
        "shuffle": {"Seeded": [7] * 32},
        "location": {"NumberedFiles": numbered_files},
    }
    schedule = {
        "base_lr": 4.0e-4,
        "warmup_init_lr": 0.0,
        "warmup_steps": 250,
        "stable_steps": 1000,
        "cosine_decay_steps": 500,
        "cosine_decay_final_lr": 4.0e-5,
        "linear_decay_steps": 100,
        "linear_decay_final_lr": 0.0,
    }
    distro = {
        "clip_grad_norm": 1.0,
        "weight_decay": 0.1,
        "compression_decay": 0.995,
        "compression_chunk": 64,
        "compression_topk": 4,
        "quantize_1bit": True,
    }
    forms = {
        "architecture": "HfDeepseek",
        "data_type": "Finetuning",
        "max_seq_len": 2048,
        "checkpoint": {"Gcs": {"bucket": "llama220minit", "prefix": "step-1"}},
        "data_location": {"Http": http},
        "lr_schedule": {"WarmupStableDecay": schedule},
        "optimizer": {"Distro": distro},
    }
    text = tomli_w.dumps(small_run(llm=forms))
    llm = parse_run_config(text).model.llm
    assert llm.checkpoint.kind is CheckpointTag.Gcs
    assert (llm.checkpoint.variant().bucket.value, llm.checkpoint.variant().prefix.get().value) == (
        "llama220minit",
        "step-1",
    )
    http = llm.data_location.variant()
    files = http.location.variant()
    assert (files.url_template.value, files.start_index, files.n_left_pad_zeros, files.num_files) == (
        "https://data/{}.ds",
        3,
        4,
        10,
    )
    assert list(http.shuffle.variant()) == [7] * 32
    assert llm.lr_schedule.variant().stable_steps == 1000
    distro = llm.optimizer.variant()
    assert (distro.compression_topk, bool(distro.quantize_1bit)) == (4, True)
    assert distro.weight_decay.get() == pytest.approx(0.1)


def test_an_absent_option_is_none() -> None:
    adamw = parse_run_config(BASE).model.llm.optimizer.variant()
    assert adamw.clip_grad_norm.get() is None
    assert list(adamw.betas) == pytest.approx([0.9, 0.95])


def test_centralized_state_keys_are_ignored() -> None:
    text = 'run_id = "test"\nrun_state = "WaitingForMembers"\n' + BASE
    assert parse_run_config(text).config.epoch_time == 60


def test_a_long_string_is_truncated_as_the_reference_does() -> None:
    """Spec §2.4: FixedStrings in the TOML are silently cut to capacity (``from_str_truncated``)."""
    repo = "o/" + "m" * 80
    llm = parse_run_config(edited('repo_id = "org/model"', f'repo_id = "{repo}"')).model.llm
    assert llm.checkpoint.variant().repo_id.value == repo[:64]


# -- errors: reading and shape -----------------------------------------------------------------------------------


def test_malformed_toml_names_line_and_column() -> None:
    error = error_of(edited("epoch_time = 60", "epoch_time = = 60"))
    assert error.field is None
    assert str(error) == "state.toml: is not valid TOML: Invalid value (line 6, column 14)"


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(RunConfigError) as info:
        load_run_config(tmp_path / "absent.toml")
    assert str(info.value) == f"{tmp_path / 'absent.toml'}: cannot be read: No such file or directory"


def test_missing_section() -> None:
    error = error_of(BASE.split("[model.LLM]")[0])
    assert str(error) == "state.toml: model: is missing: a run configuration needs [config] and [model]"


def test_missing_field() -> None:
    error = error_of(edited("epoch_time = 60\n", ""))
    assert (error.source, error.field, error.rule) == ("state.toml", "config.epoch_time", "is missing")
    assert str(error) == "state.toml: config.epoch_time: is missing"


def test_missing_field_inside_a_variant() -> None:
    error = error_of(edited("weight_decay = 0.1, ", ""))
    assert str(error) == "state.toml: model.LLM.optimizer.AdamW.weight_decay: is missing"


def test_unknown_key_in_a_section() -> None:
    error = error_of(edited("global_batch_size_end = 4", "global_batch_size_end = 4\nglobal_batch_size_edn = 4"))
    assert error.field == "config.global_batch_size_edn"
    assert error.rule.startswith("is not a field here (expected warmup_time, cooldown_time, ")
    assert error.rule.endswith("; did you mean 'global_batch_size_end'?")


def test_unknown_key_in_an_optimizer_is_not_ignored() -> None:
    error = error_of(edited("eps = 1e-8", "eps = 1e-8, clip_grad_nrom = 1.0"))
    assert error.field == "model.LLM.optimizer.AdamW.clip_grad_nrom"
    assert error.rule.endswith("did you mean 'clip_grad_norm'?")


def test_section_of_the_wrong_type() -> None:
    error = error_of("config = 1\n" + BASE[BASE.index("[model.LLM]") :])
    assert str(error) == "state.toml: config: must be a table, not an integer"


def test_unknown_top_level_key() -> None:
    error = error_of("[data]\ndir = 'x'\n" + BASE)
    assert str(error) == "state.toml: data: is not a known key (a run configuration has [config] and [model])"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("epoch_time = 60", 'epoch_time = "60"', "config.epoch_time: must be an integer (u64), not a string"),
        ("total_steps = 10", "total_steps = true", "config.total_steps: must be an integer (u32), not a boolean"),
        ("min_clients = 2", "min_clients = 2.0", "config.min_clients: must be an integer (u16), not a float"),
        (
            "base_lr = 0.0004",
            'base_lr = "4e-4"',
            "model.LLM.lr_schedule.Constant.base_lr: must be a number (f64), not a string",
        ),
        (
            'architecture = "HfLlama"',
            "architecture = 0",
            "model.LLM.architecture: must be one of HfLlama, HfDeepseek, HfAuto, Torchtitan (a string), "
            "not an integer",
        ),
    ],
)
def test_wrong_type(old: str, new: str, message: str) -> None:
    assert str(error_of(edited(old, new))) == f"state.toml: {message}"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "epoch_time = 60",
            "epoch_time = -1",
            "config.epoch_time: must be an integer from 0 to 18446744073709551615 (u64), got -1",
        ),
        (
            "min_clients = 2",
            "min_clients = 70000",
            "config.min_clients: must be an integer from 0 to 65535 (u16), got 70000",
        ),
        (
            "total_steps = 10",
            "total_steps = 4294967296",
            "config.total_steps: must be an integer from 0 to 4294967295 (u32), got 4294967296",
        ),
        (
            "waiting_for_members_extra_time = 3",
            "waiting_for_members_extra_time = 256",
            "config.waiting_for_members_extra_time: must be an integer from 0 to 255 (u8), got 256",
        ),
        (
            "weight_decay = 0.1",
            "weight_decay = 1e39",
            "model.LLM.optimizer.AdamW.weight_decay: must fit in an f32 (magnitude at most 3.4028235e+38), got 1e+39",
        ),
        (
            "base_lr = 0.0004",
            "base_lr = nan",
            "model.LLM.lr_schedule.Constant.base_lr: must be a finite number (f64), got nan",
        ),
    ],
)
def test_out_of_range(old: str, new: str, message: str) -> None:
    assert str(error_of(edited(old, new))) == f"state.toml: {message}"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'architecture = "HfLlama"',
            'architecture = "HfLama"',
            "model.LLM.architecture: unknown variant 'HfLama', expected one of HfLlama, HfDeepseek, HfAuto, "
            "Torchtitan; did you mean 'HfLlama'?",
        ),
        (
            'checkpoint = { Hub = { repo_id = "org/model" } }',
            'checkpoint = { Hbu = { repo_id = "org/model" } }',
            "model.LLM.checkpoint: unknown variant 'Hbu', expected one of Ephemeral, Dummy, Hub, P2P, Gcs, P2PGcs; "
            "did you mean 'Hub'?",
        ),
        (
            'checkpoint = { Hub = { repo_id = "org/model" } }',
            'checkpoint = "Hub"',
            "model.LLM.checkpoint: variant 'Hub' needs data: write it as a table keyed by 'Hub'",
        ),
        (
            'data_location = "Dummy"',
            "data_location = { Dummy = {} }",
            "model.LLM.data_location.Dummy: takes no data: write model.LLM.data_location = 'Dummy'",
        ),
        (
            'checkpoint = { Hub = { repo_id = "org/model" } }',
            'checkpoint = { Hub = { repo_id = "a" }, P2P = { repo_id = "b" } }',
            "model.LLM.checkpoint: must name exactly one variant (one of Ephemeral, Dummy, Hub, P2P, Gcs, P2PGcs), "
            "got 2 keys",
        ),
        (
            "betas = [0.9, 0.95]",
            "betas = [0.9, 0.95, 0.99]",
            "model.LLM.optimizer.AdamW.betas: must have exactly 2 items, got 3",
        ),
        (
            "betas = [0.9, 0.95]",
            'betas = [0.9, "x"]',
            "model.LLM.optimizer.AdamW.betas[1]: must be a number (f32), not a string",
        ),
    ],
)
def test_enum_and_array_shape(old: str, new: str, message: str) -> None:
    assert str(error_of(edited(old, new))) == f"state.toml: {message}"


# -- errors: the coordinator's own rules -------------------------------------------------------------------------


CONFIG_RULES = [
    ("epoch_time = 60", "epoch_time = 0", "config.epoch_time: must be greater than 0", ConfigError.EpochTime),
    (
        "warmup_time = 5",
        "warmup_time = 60",
        "config.warmup_time: must be less than epoch_time (60)",
        ConfigError.WarmupTime,
    ),
    (
        "max_round_train_time = 5",
        "max_round_train_time = 60",
        "config.max_round_train_time: must be greater than 0 and less than epoch_time (60)",
        ConfigError.MaxRoundTrainTime,
    ),
    (
        "round_witness_time = 2",
        "round_witness_time = 0",
        "config.round_witness_time: must be greater than 0",
        ConfigError.RoundWitnessTime,
    ),
    ("min_clients = 2", "min_clients = 0", "config.min_clients: must be greater than 0", ConfigError.MinClients),
    (
        "init_min_clients = 2",
        "init_min_clients = 1",
        "config.init_min_clients: must be at least min_clients (2) and at most 256",
        ConfigError.InitMinClients,
    ),
    (
        "global_batch_size_start = 4",
        "global_batch_size_start = 0",
        "config.global_batch_size_start: must be greater than 0",
        ConfigError.GlobalBatchSize,
    ),
    (
        "global_batch_size_end = 4",
        "global_batch_size_end = 2",
        "config.global_batch_size_end: must be at least global_batch_size_start (4)",
        ConfigError.GlobalBatchSize,
    ),
    ("total_steps = 10", "total_steps = 0", "config.total_steps: must be greater than 0", ConfigError.TotalSteps),
    (
        "witness_nodes = 1",
        "witness_nodes = 3",
        "config.witness_nodes: must be at most min_clients (2) and at most 32 (0 means all clients, up to 32)",
        ConfigError.WitnessNodes,
    ),
    (
        "cooldown_time = 5",
        "cooldown_time = 0",
        "config.cooldown_time: must be greater than 0",
        ConfigError.CooldownTime,
    ),
    (
        "waiting_for_members_extra_time = 3",
        "waiting_for_members_extra_time = 0",
        "config.waiting_for_members_extra_time: must be greater than 0",
        ConfigError.WaitingForMembersExtraTime,
    ),
]


@pytest.mark.parametrize(("old", "new", "message", "error"), CONFIG_RULES, ids=[rule[1] for rule in CONFIG_RULES])
def test_config_rule_names_field_and_rule_and_the_program_agrees(
    chain: CoordinatorChain, old: str, new: str, message: str, error: ConfigError
) -> None:
    text = edited(old, new)
    assert str(error_of(text)) == f"state.toml: {message} (coordinator config check {error.name})"
    document = tomli.loads(text)
    config = from_serde(COORDINATOR_CONFIG, document["config"], "config", "test")
    assert config_error(config) is error
    model = from_serde(MODEL, document["model"], "model", "test")
    assert (
        custom_error_code(chain.update(config=config, model=model).err)
        == CoordinatorProgramError.ConfigSanityCheckFailed
    )


MODEL_RULES = [
    ("max_seq_len = 512", "max_seq_len = 0", "model.LLM.max_seq_len: must be greater than 0"),
    (
        'checkpoint = { Hub = { repo_id = "org/model" } }',
        'checkpoint = "Ephemeral"',
        "model.LLM.checkpoint: must not be Ephemeral: a run needs a checkpoint to load its model from",
    ),
    ('repo_id = "org/model"', 'repo_id = ""', "model.LLM.checkpoint.Hub.repo_id: must not be empty"),
    (
        'checkpoint = { Hub = { repo_id = "org/model" } }',
        'checkpoint = { P2PGcs = { bucket = "" } }',
        "model.LLM.checkpoint.P2PGcs.bucket: must not be empty",
    ),
    (
        'data_location = "Dummy"',
        'data_location = { Server = "" }',
        "model.LLM.data_location.Server: must not be empty",
    ),
    (
        'data_location = "Dummy"',
        'data_location = { Http = { token_size_in_bytes = "TwoBytes", shuffle = "DontShuffle", location = '
        '{ NumberedFiles = { url_template = "u{}", start_index = 0, n_left_pad_zeros = 0, num_files = 0 } } } }',
        "model.LLM.data_location.Http.location.NumberedFiles.num_files: must be greater than 0",
    ),
    (
        "optimizer = { AdamW = { betas = [0.9, 0.95], weight_decay = 0.1, eps = 1e-8 } }",
        'optimizer = "Dummy"',
        "model.LLM.optimizer: must not be Dummy: the coordinator needs a real optimizer (AdamW or Distro)",
    ),
]


@pytest.mark.parametrize(("old", "new", "message"), MODEL_RULES, ids=[rule[1][:40] for rule in MODEL_RULES])
def test_model_rule_names_field_and_rule_and_the_program_agrees(
    chain: CoordinatorChain, old: str, new: str, message: str
) -> None:
    text = edited(old, new)
    assert str(error_of(text)) == f"state.toml: {message} (coordinator model check)"
    document = tomli.loads(text)
    config = from_serde(COORDINATOR_CONFIG, document["config"], "config", "test")
    model = from_serde(MODEL, document["model"], "model", "test")
    assert (
        custom_error_code(chain.update(config=config, model=model).err)
        == CoordinatorProgramError.ModelSanityCheckFailed
    )


def test_cold_start_rule(chain: CoordinatorChain) -> None:
    text = edited("cold_start_warmup_steps = 0", "cold_start_warmup_steps = 12")  # (60 - 5) // 5 = 11
    assert str(error_of(text)) == (
        "state.toml: model.LLM.cold_start_warmup_steps: must be at most 11, the training rounds that fit in one "
        "epoch ((epoch_time - warmup_time) // max_round_train_time) (coordinator cold-start check)"
    )
    document = tomli.loads(text)
    config = from_serde(COORDINATOR_CONFIG, document["config"], "config", "test")
    model = from_serde(MODEL, document["model"], "model", "test")
    assert (
        custom_error_code(chain.update(config=config, model=model).err)
        == CoordinatorProgramError.ConfigSanityCheckFailed
    )
    assert parse_run_config(edited("cold_start_warmup_steps = 0", "cold_start_warmup_steps = 11"))


def test_config_rules_come_before_model_rules() -> None:
    text = edited("epoch_time = 60", "epoch_time = 0").replace("max_seq_len = 512", "max_seq_len = 0")
    assert error_of(text).field == "config.epoch_time"


# -- the field locators cannot drift from the program's verdicts -------------------------------------------------

CONFIG_FIELDS = {
    ConfigError.EpochTime: {"config.epoch_time"},
    ConfigError.WarmupTime: {"config.warmup_time"},
    ConfigError.MaxRoundTrainTime: {"config.max_round_train_time"},
    ConfigError.RoundWitnessTime: {"config.round_witness_time"},
    ConfigError.MinClients: {"config.min_clients"},
    ConfigError.InitMinClients: {"config.init_min_clients"},
    ConfigError.GlobalBatchSize: {"config.global_batch_size_start", "config.global_batch_size_end"},
    ConfigError.TotalSteps: {"config.total_steps"},
    ConfigError.WitnessNodes: {"config.witness_nodes"},
    ConfigError.CooldownTime: {"config.cooldown_time"},
    ConfigError.WaitingForMembersExtraTime: {"config.waiting_for_members_extra_time"},
}

EDGE_U64 = st.sampled_from([0, 1, 2, 5, 30, 60, 2**64 - 1])
EDGE_U16 = st.sampled_from([0, 1, 2, 3, 32, 33, 256, 257, 65535])


@given(
    times=st.tuples(EDGE_U64, EDGE_U64, EDGE_U64, EDGE_U64, EDGE_U64),
    clients=st.tuples(EDGE_U16, EDGE_U16, EDGE_U16, EDGE_U16, EDGE_U16),
    total_steps=st.sampled_from([0, 1, 2**32 - 1]),
    extra=st.sampled_from([0, 1, 255]),
)
def test_config_problem_follows_the_program(
    times: tuple[int, ...], clients: tuple[int, ...], total_steps: int, extra: int
) -> None:
    config = CoordinatorConfig()
    (config.warmup_time, config.cooldown_time, config.max_round_train_time, config.round_witness_time) = times[:4]
    config.epoch_time = times[4]
    (config.init_min_clients, config.min_clients, config.witness_nodes) = clients[:3]
    (config.global_batch_size_start, config.global_batch_size_end) = clients[3:]
    config.total_steps = total_steps
    config.waiting_for_members_extra_time = extra
    error = config_error(config)
    problem = config_problem(config)
    if error is None:
        assert problem is None
    else:
        assert problem is not None and problem[0] in CONFIG_FIELDS[error]


def _fixed(string_type: type, raw: bytes) -> object:
    text = string_type()
    text.set_raw(raw)
    return text


STRINGS = st.sampled_from([b"", b"x", b"\0x"])  # "empty" means a zero first byte, whatever follows


@st.composite
def models(draw: st.DrawFn) -> Model:
    """Models over every variant whose check can fail, with empty / non-empty strings and zero / non-zero counts."""
    model = Model()
    llm = model.llm
    llm.max_seq_len = draw(st.sampled_from([0, 1]))
    location = draw(st.sampled_from(list(LLMTrainingDataLocationTag)))
    if location is LLMTrainingDataLocationTag.Dummy:
        llm.data_location.set_variant(location)
    elif location is LLMTrainingDataLocationTag.Server:
        llm.data_location.set_variant(location, _fixed(FixedString64, draw(STRINGS)))
    elif location is LLMTrainingDataLocationTag.Http:
        http = HttpLLMTrainingDataLocation()
        kind = draw(st.sampled_from(list(HttpTrainingDataLocationTag)))
        if kind is HttpTrainingDataLocationTag.SingleUrl:
            http.location.set_variant(kind, _fixed(FixedString192, draw(STRINGS)))
        elif kind is HttpTrainingDataLocationTag.NumberedFiles:
            files = NumberedFiles(num_files=draw(st.sampled_from([0, 1])))
            files.url_template = _fixed(FixedString64, draw(STRINGS))
            http.location.set_variant(kind, files)
        else:
            http.location.set_variant(kind, GcpLocation(bucket_name=_fixed(FixedString64, draw(STRINGS))))
        llm.data_location.set_variant(location, http)
    else:
        llm.data_location.set_variant(location, _fixed(FixedString192, draw(STRINGS)))
    checkpoint = draw(st.sampled_from(list(CheckpointTag)))
    if checkpoint is CheckpointTag.Ephemeral:
        llm.checkpoint.set_variant(checkpoint)
    elif checkpoint in (CheckpointTag.Gcs, CheckpointTag.P2PGcs):
        llm.checkpoint.set_variant(checkpoint, GcsRepo(bucket=_fixed(FixedString64, draw(STRINGS))))
    else:
        llm.checkpoint.set_variant(checkpoint, HubRepo(repo_id=_fixed(FixedString64, draw(STRINGS))))
    optimizer = draw(st.sampled_from(list(OptimizerDefinitionTag)))
    payload = {
        OptimizerDefinitionTag.Dummy: None,
        OptimizerDefinitionTag.AdamW: AdamW(),
        OptimizerDefinitionTag.Distro: Distro(),
    }
    llm.optimizer.set_variant(optimizer, payload[optimizer])
    return model


MODEL_FIELD_PREFIXES = {
    "model check failed: max_seq_len is 0.": "model.LLM.max_seq_len",
    "model check failed: bad LLM training data location.": "model.LLM.data_location.",
    "model check failed: bad checkpoint": "model.LLM.checkpoint",
    "model check failed: bad optimizer": "model.LLM.optimizer",
}


@given(models())
def test_model_locator_agrees_with_the_program(model: Model) -> None:
    reason = model_error(model)
    located = locate_model_rule(model)
    if reason is None:
        assert located is None
        assert model_problem(model) is None
    else:
        assert located is not None
        assert located[0].startswith(MODEL_FIELD_PREFIXES[reason])


# -- writing run configs as TOML --------------------------------------------------------------------------------

TOML_KEYS = st.text(max_size=6)
TOML_SCALARS = st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
TOML_ARRAYS = st.recursive(st.lists(TOML_SCALARS, max_size=3), lambda items: st.lists(items, max_size=3), max_leaves=6)
TOML_TABLES = st.recursive(
    st.dictionaries(TOML_KEYS, TOML_SCALARS | TOML_ARRAYS, max_size=3),
    lambda tables: st.dictionaries(TOML_KEYS, TOML_SCALARS | TOML_ARRAYS | tables, max_size=3),
    max_leaves=12,
)


@given(TOML_TABLES)
@example({"config": {"total_steps": 2**64 - 1}, "model": {"LLM": {"checkpoint": {"Hub": {"repo_id": 'a "b"\n'}}}}})
def test_run_config_documents_read_back_as_the_values_written(document: dict[str, object]) -> None:
    """Tests and benchmarks write run configs with tomli-w; tomli reads them back as given (u64s past i64 too)."""
    assert tomli.loads(tomli_w.dumps(document)) == document


def test_the_small_run_and_its_overrides_are_a_valid_run() -> None:
    run = parse_run_config(tomli_w.dumps(small_run(config={"min_clients": 2, "init_min_clients": 2})), "small run")
    assert (run.config.min_clients, run.config.init_min_clients, run.config.epoch_time) == (2, 2, 30)
    assert run.model.llm.optimizer.kind is OptimizerDefinitionTag.Distro


# -- metadata from the command line ------------------------------------------------------------------------------


def test_updated_metadata_overrides_and_reports_no_change() -> None:
    current = RunMetadata(num_parameters=1_100_000_000, vocab_size=32768)
    assert updated_metadata(current) is None
    assert updated_metadata(current, vocab_size=32768) is None
    new = updated_metadata(current, name="tiny", description="a tiny run")
    assert new is not None
    assert (new.name.value, new.description.value, new.num_parameters) == ("tiny", "a tiny run", 1_100_000_000)
    assert current.name.value == ""


def test_updated_metadata_refuses_what_does_not_fit() -> None:
    with pytest.raises(RunConfigError) as info:
        updated_metadata(RunMetadata(), name="n" * 65)
    assert str(info.value) == "command line: --name: must be at most 64 bytes of UTF-8, got 65"
    with pytest.raises(RunConfigError) as info:
        updated_metadata(RunMetadata(), vocab_size=-1)
    assert str(info.value) == (
        "command line: --vocab-size: must be an integer from 0 to 18446744073709551615 (u64), got -1"
    )
