"""A classifier run's setup at Warmup: the network from config.json's model_type, the images from the Local
directory, and every misfit (unknown model, image size, no data) refused before any training."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch

from client.data.errors import DataError
from client.data.images import digits_dataset, write_image_dataset
from client.participant.model_setup import load_training_setup
from client.train.classifiers import SimpleNN, SmallCNN
from client.train.errors import ModelConfigError
from client.train.evaluation import evaluate_heldout
from client.train.image_data import ImageDataProvider
from coordinator_program.core.types import Model
from formats.run_config import parse_run_config

MNIST_STATE = Path("config/mnist/state.toml").resolve()


@pytest.fixture(autouse=True)
def _back_to_the_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path.cwd())  # restored after each test, whatever directory _model moved to


@pytest.fixture(scope="module")
def digits_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("digits")
    write_image_dataset(directory, digits_dataset())
    return directory


def _model(tmp_path: Path, config: dict[str, object] | None = None) -> Model:
    """config/mnist's run, its checkpoint repo replaced by one whose config.json is ``config`` when given (a
    relative path, from the test's own directory: the on-chain repo_id holds 64 bytes)."""
    text = MNIST_STATE.read_text()
    if config is not None:
        os.chdir(tmp_path)
        Path("model").mkdir()
        Path("model", "config.json").write_text(json.dumps(config))
        text = text.replace('repo_id = "config/mnist/model"', 'repo_id = "model"')
    return parse_run_config(text, str(MNIST_STATE)).model


def test_config_mnist_trains_smolclusters_mlp_on_the_digits(tmp_path: Path, digits_dir: Path) -> None:
    setup = load_training_setup(_model(tmp_path), "mnist", torch.device("cpu"), digits_dir)

    assert isinstance(setup.trainer.model, SimpleNN) and setup.trainer.model.fc1.in_features == 64
    assert isinstance(setup.data, ImageDataProvider) and setup.seq_len == 65
    assert setup.heldout is not None and setup.heldout.shape == (359, 65)
    assert setup.trainer.model.input_max == 16.0  # the digits' largest pixel value
    result = evaluate_heldout(setup.trainer, setup.heldout)
    assert result.samples == 359 and result.accuracy is not None and 0.0 <= result.accuracy <= 1.0


def test_the_cnn_is_chosen_by_model_type(tmp_path: Path, digits_dir: Path) -> None:
    config = {"model_type": "small-cnn", "image_height": 8, "image_width": 8}

    setup = load_training_setup(_model(tmp_path, config), "mnist", torch.device("cpu"), digits_dir)

    assert isinstance(setup.trainer.model, SmallCNN)


def test_an_unknown_model_type_is_refused(tmp_path: Path, digits_dir: Path) -> None:
    with pytest.raises(ModelConfigError, match="model_type 'vit-base', which this client cannot train"):
        load_training_setup(_model(tmp_path, {"model_type": "vit-base"}), "mnist", torch.device("cpu"), digits_dir)


def test_images_of_another_size_than_the_model_takes_are_refused(tmp_path: Path, digits_dir: Path) -> None:
    config = {"model_type": "simple-nn", "image_height": 28, "image_width": 28}

    with pytest.raises(DataError, match="are 8x8 but the simple-nn model takes 28x28 .*never resized"):
        load_training_setup(_model(tmp_path, config), "mnist", torch.device("cpu"), digits_dir)


def test_an_empty_data_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()

    with pytest.raises(DataError, match="no dataset.json in .*psyche-prepare-data --mnist"):
        load_training_setup(_model(tmp_path), "mnist", torch.device("cpu"), tmp_path / "empty")
