"""The config forms of the reference's documentation (issue #21's table): each is mapped to the on-chain variant
that means the same, or refused before anything is sent; and ``create-run``/``update-config`` refuse a config no
client of this project can train unless ``--force``.

Each CLI case runs ``create-run --config-path`` on an embedded ledger and then looks the run up: a refused config
leaves no run behind, because nothing was sent.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from client.chain.open import ChainTarget
from coordinator_program.core.types import CheckpointTag, HttpTrainingDataLocationTag, LLMTrainingDataLocationTag
from formats.run_config import RunConfigError, parse_run_config
from formats.run_config.small_run import small_run
from tests.client.cli_harness import CliChain
from tests.client.train.data_server import DataServer


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Relative paths in the configs below are relative to here, as a run owner's are to their shell."""
    monkeypatch.chdir(tmp_path)
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    (tokens / "tokens-00000.bin").write_bytes(struct.pack("<300H", *range(300)))
    (tokens / "dataset.json").write_text(json.dumps({"token_size_in_bytes": "TwoBytes"}))
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    return tmp_path


@pytest.fixture
def served(workdir: Path) -> Iterator[DataServer]:
    with DataServer(workdir / "tokens") as server:
        yield server


@pytest.fixture
def cli(workdir: Path) -> CliChain:
    chain = CliChain(ChainTarget(ledger=workdir / "ledger"), workdir)
    chain.funded("owner", "100")
    return chain


def config_text(**llm: Any) -> str:
    return tomli_w.dumps(small_run(llm=llm))


def create(cli: CliChain, text: str, *flags: str) -> tuple[int, str]:
    """``create-run -r forms --config-path state.toml``; its exit code and stderr."""
    path = cli.workdir / "state.toml"
    path.write_text(text)
    owner = cli.workdir / "owner.json"
    result = cli.invoke("create-run", "-r", "forms", "-c", "test", "--config-path", str(path), *flags, wallet=owner)
    return result.exit_code, result.stderr


def sent_llm(cli: CliChain) -> Any:
    """The run's ``[model.LLM]`` as the chain holds it (``json-dump-run``)."""
    return cli.json("json-dump-run", "-r", "forms")["coordinator_account"]["setup"]["model"]["LLM"]


def run_exists(cli: CliChain) -> bool:
    return cli.invoke("json-dump-run", "-r", "forms").exit_code == 0


def refused(text: str) -> RunConfigError:
    with pytest.raises(RunConfigError) as info:
        parse_run_config(text, "state.toml")
    return info.value


def http(location: dict[str, Any], shuffle: Any = "DontShuffle") -> dict[str, Any]:
    return {"Http": {"location": location, "token_size_in_bytes": "TwoBytes", "shuffle": shuffle}}


# -- Http: HttpUrls ----------------------------------------------------------------------------------------------


def test_http_urls_of_one_template_are_sent_as_numbered_files(cli: CliChain, served: DataServer) -> None:
    urls = [served.url("tokens-00000.bin"), served.url("tokens-00001.bin")]
    (served.directory / "tokens-00001.bin").write_bytes(b"\0" * 200)
    code, stderr = create(cli, config_text(data_location=http({"HttpUrls": {"urls": urls}})))
    assert code == 0, stderr
    location = sent_llm(cli)["data_location"]
    assert location["Http"]["location"] == {
        "NumberedFiles": {
            "url_template": served.url("tokens-{}.bin"),
            "start_index": 0,
            "n_left_pad_zeros": 5,
            "num_files": 2,
        }
    }


def test_a_single_http_url_is_sent_as_single_url() -> None:
    llm = parse_run_config(config_text(data_location=http({"HttpUrls": {"urls": ["http://h:8000/a.bin"]}}))).model.llm
    location = llm.data_location.variant().location
    assert (location.kind, location.variant().value) == (HttpTrainingDataLocationTag.SingleUrl, "http://h:8000/a.bin")


def test_http_urls_that_no_template_names_are_refused_before_sending(cli: CliChain) -> None:
    urls = ["http://h/data-1.bin", "http://h/data-3.bin"]
    code, stderr = create(cli, config_text(data_location=http({"HttpUrls": {"urls": urls}})))
    assert code == 1
    assert "model.LLM.data_location.Http.location.HttpUrls: these URLs are not one template" in stderr
    assert not run_exists(cli)


def test_http_urls_whose_template_would_be_cut_on_chain_are_refused() -> None:
    urls = [f"http://a-very-long-host-name.example.org/datasets/fineweb/part-{i}.bin" for i in (1, 2)]
    error = refused(config_text(data_location=http({"HttpUrls": {"urls": urls}})))
    assert "longer than the 64 bytes the on-chain template holds" in error.rule


# -- Http: SingleUrl, NumberedFiles, Gcp ---------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["SingleUrl", "NumberedFiles", "Gcp"])
def test_reachable_http_data_is_sent(
    cli: CliChain, served: DataServer, form: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", served.url())
    location = {
        "SingleUrl": served.url("tokens-00000.bin"),
        "NumberedFiles": {
            "url_template": served.url("tokens-{}.bin"),
            "start_index": 0,
            "n_left_pad_zeros": 5,
            "num_files": 1,
        },
        "Gcp": {"bucket_name": "bucket", "filter_directory": "tokens-"},
    }[form]
    code, stderr = create(cli, config_text(data_location=http({form: location})))
    assert code == 0, stderr
    sent = sent_llm(cli)["data_location"]
    assert list(sent["Http"]["location"]) == [form]


def test_unreachable_http_data_is_refused_unless_forced(cli: CliChain, served: DataServer) -> None:
    text = config_text(data_location=http({"SingleUrl": served.url("absent.bin")}))
    code, stderr = create(cli, text)
    assert code == 1
    assert "no client of this project could train this run: model.LLM.data_location.Http.location.SingleUrl:" in stderr
    assert "absent.bin: server answered 404" in stderr and "(--force sends it anyway)" in stderr
    assert not run_exists(cli)
    code, stderr = create(cli, text, "--force")
    assert code == 0, stderr
    assert run_exists(cli)


def test_a_seeded_http_shuffle_is_refused_before_sending(cli: CliChain, served: DataServer) -> None:
    location = http({"SingleUrl": served.url("tokens-00000.bin")}, shuffle={"Seeded": [3] * 32})
    code, stderr = create(cli, config_text(data_location=location))
    assert code == 1 and "Http.shuffle: a Seeded shuffle cannot be reproduced by this client" in stderr
    assert not run_exists(cli)


# -- Local data ---------------------------------------------------------------------------------------------------


def test_the_local_table_is_sent_as_its_path(cli: CliChain) -> None:
    table = {"Local": {"path": "tokens", "token_size_in_bytes": "TwoBytes", "shuffle": "DontShuffle"}}
    code, stderr = create(cli, config_text(data_location=table))
    assert code == 0, stderr
    sent = sent_llm(cli)["data_location"]
    assert sent == {"Local": "tokens"}


def test_the_local_string_is_sent_when_its_directory_holds_token_files(cli: CliChain) -> None:
    assert create(cli, config_text(data_location={"Local": "tokens"}))[0] == 0
    assert parse_run_config(config_text(data_location={"Local": "tokens"})).model.llm.data_location.kind is (
        LLMTrainingDataLocationTag.Local
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"token_size_in_bytes": "FourBytes"}, "is 'FourBytes' but the token files in 'tokens' are TwoBytes"),
        ({"shuffle": {"Seeded": [1] * 32}}, 'must be "DontShuffle": this client cannot reproduce'),
        ({"path": "nowhere"}, "cannot be checked: training data directory 'nowhere' does not exist"),
    ],
)
def test_a_local_table_the_client_cannot_honour_is_refused_before_sending(
    cli: CliChain, table: dict[str, Any], message: str
) -> None:
    local = {"path": "tokens", "token_size_in_bytes": "TwoBytes", "shuffle": "DontShuffle"} | table
    code, stderr = create(cli, config_text(data_location={"Local": local}))
    assert code == 1 and message in stderr, stderr
    assert not run_exists(cli)


# -- checkpoints --------------------------------------------------------------------------------------------------


def test_a_hub_repo_id_is_sent_as_is(cli: CliChain) -> None:
    code, stderr = create(cli, config_text(checkpoint={"Hub": {"repo_id": "username/model-name"}}))
    assert code == 0, stderr
    sent = sent_llm(cli)["checkpoint"]
    assert sent == {"Hub": {"repo_id": "username/model-name", "revision": None}}


def test_a_local_directory_without_a_model_config_is_refused(cli: CliChain) -> None:
    code, stderr = create(cli, config_text(checkpoint={"Hub": {"repo_id": "./tokens"}}))
    assert code == 1 and "the local directory './tokens' holds no config.json" in stderr
    assert not run_exists(cli)


def test_a_local_checkpoint_is_sent_as_a_hub_repo_naming_its_directory(cli: CliChain) -> None:
    code, stderr = create(cli, config_text(checkpoint={"Local": {"path": "./model"}}))
    assert code == 0, stderr
    sent = sent_llm(cli)["checkpoint"]
    assert sent == {"Hub": {"repo_id": "./model", "revision": None}}


def test_a_local_checkpoint_longer_than_the_on_chain_repo_id_is_refused() -> None:
    error = refused(config_text(checkpoint={"Local": {"path": "./" + "m" * 63}}))
    assert (error.field, "whose repo_id holds at most 64 bytes" in error.rule) == (
        "model.LLM.checkpoint.Local.path",
        True,
    )


def test_an_empty_p2p_checkpoint_is_refused_pointing_to_hub_or_dummy(cli: CliChain) -> None:
    code, stderr = create(cli, config_text(checkpoint={"P2P": {}}))
    assert code == 1
    assert "model.LLM.checkpoint.P2P: has no repo_id, and the program rejects an empty P2P repo id" in stderr
    assert "[model.LLM.checkpoint.Hub]" in stderr and "[model.LLM.checkpoint.Dummy]" in stderr
    assert not run_exists(cli)


def test_a_p2p_checkpoint_with_a_repo_is_sent() -> None:
    checkpoint = parse_run_config(config_text(checkpoint={"P2P": {"repo_id": "org/model"}})).model.llm.checkpoint
    assert checkpoint.kind is CheckpointTag.P2P and checkpoint.variant().repo_id.value == "org/model"


# -- what no client of this project trains --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("data_location", {"WeightedHttp": "http://h/w.json"}, "data_location.WeightedHttp: not supported by this"),
        ("data_location", {"Server": "no-port"}, "data_location.Server: must be HOST:PORT"),
        ("checkpoint", {"Gcs": {"bucket": "b"}}, "checkpoint.Gcs: not supported by this client"),
    ],
)
def test_update_config_refuses_a_config_no_client_can_train_unless_forced(
    cli: CliChain, field: str, value: dict[str, Any], message: str
) -> None:
    owner = cli.workdir / "owner.json"
    assert create(cli, config_text())[0] == 0
    path = cli.workdir / "next.toml"
    path.write_text(config_text(**{field: value}))

    result = cli.invoke("update-config", "-r", "forms", "--config-path", str(path), wallet=owner)
    assert result.exit_code == 1 and message in result.stderr
    assert "Dummy" in json.dumps(sent_llm(cli)[field])  # unchanged: nothing was sent
    forced = cli.invoke("update-config", "-r", "forms", "--config-path", str(path), "--force", wallet=owner)
    assert forced.exit_code == 0, forced.stderr
    assert list(sent_llm(cli)[field]) == list(value)
