"""Held-out evaluation of a language model: perplexity is e^loss, on data training never reads."""

from __future__ import annotations

import math
from pathlib import Path

from client.participant.model_setup import DUMMY_MODEL_CONFIG
from client.train import SyntheticDataProvider, Trainer, build_model, open_local_dataset
from client.train.evaluation import evaluate_heldout
from client.train.heldout import HELDOUT_SEQUENCES, heldout_sequences
from client.train.optim_config import DistroConfig
from client.train.prepare_data import prepare
from client.train.schedule import ConstantLR
from coordinator_program.core.data_assignment import BatchId


def _trainer() -> Trainer:
    model = build_model(DUMMY_MODEL_CONFIG, 0, max_seq_len=16)
    return Trainer(model, DistroConfig(0.999, 8, 64, True), ConstantLR(1e-3, 0.0, 0))


def test_a_language_model_reports_loss_and_perplexity_on_held_out_sequences() -> None:
    trainer = _trainer()
    heldout = heldout_sequences(SyntheticDataProvider(256, 16))
    assert heldout is not None and heldout.shape == (HELDOUT_SEQUENCES, 16)

    result = evaluate_heldout(trainer, heldout)

    assert result.accuracy is None and result.samples == HELDOUT_SEQUENCES
    assert result.perplexity == math.exp(result.loss) and result.loss == trainer.evaluate(heldout)
    assert set(result.metrics()) == {"eval/loss", "eval/perplexity"}


def test_prepared_token_data_is_evaluated_on_its_heldout_tail_only(tmp_path: Path) -> None:
    prepare(tmp_path, "train text.\n" * 200 + "HELDOUT TAIL\n" * 60, heldout_fraction=0.2)
    training = open_local_dataset(tmp_path, 16)

    heldout = heldout_sequences(training)

    assert heldout is not None
    expected = open_local_dataset(tmp_path / "heldout", 16)
    assert heldout.tolist() == expected.get_samples(BatchId(0, len(heldout) - 1)).tolist()
    assert bytes(heldout[0].tolist()).startswith(b"HELDOUT")  # byte-level tokens: the tail of the text


def test_data_without_a_heldout_part_is_not_evaluated(tmp_path: Path) -> None:
    prepare(tmp_path, "only training text. " * 50, heldout_fraction=0.0)

    assert heldout_sequences(open_local_dataset(tmp_path, 16)) is None
