"""The local hub repository: uploads are revisions named by their content, and a Hub checkpoint loads their weights."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from client.participant.checkpoints import parameters_blob, write_checkpoint
from client.participant.local_hub import (
    HubRepoError,
    publish_revision,
    resolve_revision,
    revision_oid,
    valid_repo_id,
)
from client.participant.model_setup import DUMMY_MODEL_CONFIG, load_training_setup
from client.participant.pipeline import parameter_hash
from client.train import ModelConfigError, build_model, init_seed
from coordinator_program.core.types import Model
from formats.run_config import parse_run_config
from tests.client.participant.train_harness import run_toml

CONFIG_FILES = {"config.json": json.dumps(DUMMY_MODEL_CONFIG).encode(), "tokenizer.json": b"{}"}


def _checkpoint(root: Path, seed: int, step: int = 3) -> tuple[torch.nn.Module, Path]:
    model = build_model(DUMMY_MODEL_CONFIG, seed, max_seq_len=64)
    return model, write_checkpoint(parameters_blob(model), root, "run", step, CONFIG_FILES).parent


def _hub_run_model(repo: Path, revision: str | None = None) -> Model:
    pin = {} if revision is None else {"revision": revision}
    toml = run_toml(epoch_time=60, total_steps=4, checkpoint={"Hub": {"repo_id": str(repo), **pin}})
    return parse_run_config(toml, "test run").model


def test_a_revision_is_named_by_its_content_and_holds_every_file(tmp_path: Path) -> None:
    _, first = _checkpoint(tmp_path / "a", seed=1)
    _, same = _checkpoint(tmp_path / "b", seed=1)
    _, other = _checkpoint(tmp_path / "c", seed=2)
    repo = tmp_path / "hub"

    oid = publish_revision(repo, first)

    assert len(oid) == 40 and int(oid, 16) >= 0
    assert publish_revision(repo, same) == oid == revision_oid(same)  # a second client's upload of the same step
    assert sorted(p.name for p in (repo / "revisions").iterdir()) == [oid]
    published = repo / "revisions" / oid
    files = ["config.json", "model.safetensors", "model.safetensors.sha256", "tokenizer.json"]
    assert sorted(p.name for p in published.iterdir()) == files
    assert (published / "model.safetensors").read_bytes() == (first / "model.safetensors").read_bytes()
    assert (repo / "refs" / "main").read_text().strip() == oid
    newer = publish_revision(repo, other)
    assert newer != oid
    assert (repo / "refs" / "main").read_text().strip() == newer


def test_a_repo_id_must_fit_the_64_bytes_of_the_on_chain_hub_repo() -> None:
    assert valid_repo_id("h" * 64) == "h" * 64
    with pytest.raises(HubRepoError, match="65 bytes.*at most 64"):
        valid_repo_id("h" * 65)
    with pytest.raises(HubRepoError, match="66 bytes"):
        valid_repo_id("é" * 33)  # 33 characters, two bytes each
    with pytest.raises(HubRepoError, match="empty"):
        valid_repo_id("")


def test_a_revision_resolves_to_its_files_main_to_the_newest_and_no_upload_to_the_root(tmp_path: Path) -> None:
    repo = tmp_path / "hub"
    repo.mkdir()
    assert resolve_revision(repo, None) == repo
    _, first = _checkpoint(tmp_path, seed=1, step=1)
    _, second = _checkpoint(tmp_path, seed=2, step=2)
    old, new = publish_revision(repo, first), publish_revision(repo, second)
    assert resolve_revision(repo, old) == repo / "revisions" / old
    assert resolve_revision(repo, None) == repo / "revisions" / new
    with pytest.raises(HubRepoError, match="no revision"):
        resolve_revision(repo, "0" * 40)
    with pytest.raises(HubRepoError, match="not a revision name"):
        resolve_revision(repo, "../..")


def test_a_hub_checkpoint_loads_the_uploaded_weights_at_its_revision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the repo id, a path, must fit 64 bytes
    repo = Path("hub")
    repo.mkdir()
    (repo / "config.json").write_bytes(CONFIG_FILES["config.json"])
    trained, directory = _checkpoint(tmp_path, seed=5)
    oid = publish_revision(repo, directory)
    publish_revision(repo, _checkpoint(tmp_path, seed=6, step=4)[1])  # main moves on; the pinned revision stays

    setup = load_training_setup(_hub_run_model(repo, oid), "some-run", torch.device("cpu"), None)

    assert setup.checkpoint == f"Hub({repo}@{oid}) with its weights"
    loaded = dict(setup.trainer.model.named_parameters())
    for name, param in trained.named_parameters():
        assert torch.equal(loaded[name].detach(), param.detach())  # float32 checkpoints: the very weights
    assert setup.checkpoint_files == CONFIG_FILES  # carried on to the next checkpoint


def test_a_hub_checkpoint_without_uploads_starts_from_the_seed_and_a_missing_revision_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    repo = Path("hub")
    repo.mkdir()
    (repo / "config.json").write_bytes(CONFIG_FILES["config.json"])

    setup = load_training_setup(_hub_run_model(repo), "some-run", torch.device("cpu"), None)

    assert setup.checkpoint == f"Hub({repo})"
    seeded = build_model(DUMMY_MODEL_CONFIG, init_seed("some-run"), max_seq_len=64)
    assert parameter_hash(setup.trainer.model) == parameter_hash(seeded)
    with pytest.raises(ModelConfigError, match="no revision"):
        load_training_setup(_hub_run_model(repo, "a" * 40), "some-run", torch.device("cpu"), None)
