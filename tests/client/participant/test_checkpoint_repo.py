"""Checkpoint repos: a repo id names a local directory or a Hugging Face Hub repository; a Hub checkpoint loads
from huggingface_hub's cache with ``HF_HUB_OFFLINE=1`` and no network, and uploads still work to a local repo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from client.participant.checkpoint_repo import (
    check_hub_repo_id,
    checkpoint_directory,
    is_local_repo,
    upload_checkpoint,
)
from client.participant.checkpoints import write_checkpoint
from client.participant.local_hub import HubRepoError
from client.participant.model_setup import DUMMY_MODEL_CONFIG
from client.participant.model_sharing import parameters_blob
from client.participant.pipeline import parameter_hash
from client.train import build_model
from tests.client.cli_harness import closed_port
from tests.client.participant.fake_hub import FakeHub

REPO = Path(__file__).resolve().parents[3]
COMMIT = "0123456789abcdef0123456789abcdef01234567"

LOAD_FROM_HUB = """
import sys, torch
from client.participant.model_setup import load_training_setup
from client.participant.pipeline import parameter_hash
from formats.run_config import parse_run_config
from formats.run_config.small_run import small_run
import tomli_w
model = parse_run_config(tomli_w.dumps(small_run(llm={"checkpoint": {"Hub": {"repo_id": sys.argv[1]}}}))).model
setup = load_training_setup(model, "run", torch.device("cpu"), None)
print(setup.checkpoint)
print(parameter_hash(setup.trainer.model))
"""


def test_a_repo_id_is_local_when_it_is_a_directory_or_a_path() -> None:
    assert [is_local_repo(r) for r in ("./m", "../m", "/m", "tests", "org/model", "model")] == [
        True,
        True,
        True,
        True,
        False,
        False,
    ]
    with pytest.raises(HubRepoError, match="neither a local directory nor a Hub repo id"):
        check_hub_repo_id("org/../etc")


def fill_hub_cache(cache: Path, repo_id: str, files: dict[str, bytes]) -> None:
    """The layout huggingface_hub writes: blobs by content, a snapshot of links per commit, refs/main naming it."""
    root = cache / f"models--{repo_id.replace('/', '--')}"
    (root / "refs").mkdir(parents=True)
    (root / "refs" / "main").write_text(COMMIT)  # huggingface_hub writes the commit without a newline
    (root / "blobs").mkdir()
    snapshot = root / "snapshots" / COMMIT
    snapshot.mkdir(parents=True)
    for name, content in files.items():
        blob = root / "blobs" / f"blob-{name}"
        blob.write_bytes(content)
        (snapshot / name).symlink_to(os.path.relpath(blob, snapshot))


def load_offline(tmp_path: Path, repo_id: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env |= {
        "HF_HUB_OFFLINE": "1",
        "HF_HUB_CACHE": str(tmp_path / "hf-cache"),
        "HF_ENDPOINT": f"http://127.0.0.1:{closed_port()}",  # were anything sent, it would go nowhere
    }
    command = [sys.executable, "-c", LOAD_FROM_HUB, repo_id]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_a_hub_checkpoint_loads_from_a_filled_cache_with_hf_hub_offline(tmp_path: Path) -> None:
    trained = build_model(DUMMY_MODEL_CONFIG, 7, torch.device("cpu"), max_seq_len=64)
    weights = write_checkpoint(parameters_blob(trained), tmp_path / "ckpt", "run", 3)
    files = {"config.json": json.dumps(DUMMY_MODEL_CONFIG).encode(), "model.safetensors": weights.read_bytes()}
    fill_hub_cache(tmp_path / "hf-cache", "testorg/tiny", files)

    loaded = load_offline(tmp_path, "testorg/tiny")

    assert loaded.returncode == 0, loaded.stderr[-2000:]
    description, digest = loaded.stdout.splitlines()
    assert description == f"Hub(testorg/tiny@{COMMIT}) with its weights"
    assert digest == parameter_hash(trained)  # checkpoints keep float32: the loaded weights are exactly the trained


def test_a_hub_checkpoint_missing_from_the_offline_cache_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huggingface_hub import constants

    # What HF_HUB_OFFLINE=1 and HF_HUB_CACHE set when huggingface_hub is imported (the test above sets the variables).
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(HubRepoError, match="Hub repo testorg/absent cannot be downloaded:.*HF_HUB_OFFLINE=0"):
        checkpoint_directory("testorg/absent", None)


def test_an_upload_to_a_local_directory_repo_becomes_its_newest_revision(tmp_path: Path) -> None:
    repo = tmp_path / "hub"
    repo.mkdir()
    (repo / "config.json").write_text(json.dumps(DUMMY_MODEL_CONFIG))
    model = build_model(DUMMY_MODEL_CONFIG, 1, torch.device("cpu"), max_seq_len=64)
    checkpoint = write_checkpoint(parameters_blob(model), tmp_path / "ckpt", "run", 5, {"config.json": b"{}"}).parent

    revision = upload_checkpoint(str(repo), checkpoint, 5, token=None)

    assert checkpoint_directory(str(repo), None) == repo / "revisions" / revision
    assert (
        checkpoint_directory(str(repo), revision).joinpath("model.safetensors").read_bytes()
        == (checkpoint / "model.safetensors").read_bytes()
    )


def test_an_upload_to_a_hub_repo_is_a_commit_with_the_token_named_for_its_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huggingface_hub import constants

    model = build_model(DUMMY_MODEL_CONFIG, 1, torch.device("cpu"), max_seq_len=64)
    checkpoint = write_checkpoint(parameters_blob(model), tmp_path / "ckpt", "run", 5, {"config.json": b"{}"}).parent
    monkeypatch.setenv("HF_TOKEN", "hf_test_token")
    with FakeHub() as hub:
        monkeypatch.setattr(constants, "ENDPOINT", hub.endpoint)
        revision = upload_checkpoint("testorg/tiny", checkpoint, 5, token=None)
    (commit,) = hub.commits
    assert (commit.repo_id, commit.revision, commit.message) == ("testorg/tiny", "main", "step 5")
    assert commit.authorization == "Bearer hf_test_token"
    assert commit.files == {p.name: p.read_bytes() for p in checkpoint.iterdir()}
    assert revision == commit.oid  # what the client announces with `checkpoint`


def test_a_refused_hub_upload_is_a_hub_repo_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    (tmp_path / "config.json").write_text("{}")
    monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(HubRepoError, match="upload of step 2 to Hub repo testorg/tiny failed"):
        upload_checkpoint("testorg/tiny", tmp_path, 2, token="hf_x")


@pytest.mark.parametrize(
    ("repo", "token", "message"),
    [
        ("org/model", None, "uploading to the Hub repo 'org/model' needs a token: set HF_TOKEN"),
        ("a/b/c", "hf_x", "'a/b/c' is neither a local directory nor a Hub repo id"),
        ("./" + "d" * 70, None, "the on-chain HubRepo.repo_id holds at most 64"),
    ],
)
def test_train_hub_repo_is_a_hub_id_that_needs_a_token_or_a_local_path(
    repo: str, token: str | None, message: str
) -> None:
    from click.testing import CliRunner

    from client.cli import cli

    runner = CliRunner(mix_stderr=False)
    result = runner.invoke(
        cli, ["train", "-r", "run", "--checkpoint-dir", "c", "--hub-repo", repo], env={"HF_TOKEN": token}
    )
    assert result.exit_code == 2 and message in result.stderr, result.stderr


def test_train_refuses_a_hub_repo_at_a_matformer_tier_above_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tier-2 client holds a quarter of every FFN: its checkpoint is no checkpoint of the run's model."""
    from click.testing import CliRunner
    from solders.keypair import Keypair

    from client.cli import cli

    monkeypatch.chdir(tmp_path)
    Path("hub").mkdir()
    Path("wallet.json").write_text(json.dumps(list(bytes(Keypair()))))
    args = ["train", "-r", "run", "--wallet-private-key-path", "wallet.json", "--hub-repo", "./hub"]
    args += ["--matformer-tier", "2"]
    result = CliRunner(mix_stderr=False).invoke(cli, args)
    assert result.exit_code == 2, result.stderr
    assert "--matformer-tier 2 holds only a slice" in result.stderr
