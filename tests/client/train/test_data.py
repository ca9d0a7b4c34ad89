"""Token-file data: batch ids to samples exactly as spec §6, token widths, and the synthetic test data."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
import torch

from client.train.data import LocalDataProvider, SyntheticDataProvider, open_local_dataset, sequence_pointers
from client.train.errors import DataError
from coordinator_program.core.data_assignment import BatchId
from coordinator_program.core.types import TokenSize


def write_u16(path: Path, tokens: list[int]) -> None:
    path.write_bytes(struct.pack(f"<{len(tokens)}H", *tokens))


def test_pointers_stop_strictly_below_size_minus_one_sequence() -> None:
    # S = 4 bytes: a 12-byte file holds three whole sequences but yields two (offsets < 12 - 4), as the reference.
    assert [(p.file_index, p.byte_offset) for p in sequence_pointers([12, 13, 4, 0], 4)] == [
        (0, 0),
        (0, 4),
        (1, 0),
        (1, 4),
        (1, 8),
    ]


def test_samples_are_consecutive_sequences_file_after_file(tmp_path: Path) -> None:
    write_u16(tmp_path / "a.bin", list(range(100, 110)))  # 10 tokens, seq 3: offsets 0, 3, 6 tokens
    write_u16(tmp_path / "b.ds", list(range(200, 207)))  # 7 tokens: offsets 0, 3
    (tmp_path / "notes.txt").write_text("not data")
    (tmp_path / "heldout").mkdir()
    write_u16(tmp_path / "heldout" / "c.bin", [1] * 50)  # a sub-directory is not read
    data = LocalDataProvider(tmp_path, seq_len=3)
    assert data.num_sequences() == 5
    samples = data.get_samples(BatchId(1, 4))
    assert samples.dtype == torch.int64
    assert samples.tolist() == [[103, 104, 105], [106, 107, 108], [200, 201, 202], [203, 204, 205]]


def test_files_are_read_in_name_order(tmp_path: Path) -> None:
    write_u16(tmp_path / "z.npy", [9, 9, 9, 9])
    write_u16(tmp_path / "m.bin", [5, 5, 5, 5])
    assert LocalDataProvider(tmp_path, seq_len=2).get_samples(BatchId(0, 1)).tolist() == [[5, 5], [9, 9]]


def test_four_byte_tokens(tmp_path: Path) -> None:
    tokens = [70_000, 1, 2**31 - 1, 3, 4, 5]
    (tmp_path / "t.bin").write_bytes(struct.pack("<6I", *tokens))
    data = LocalDataProvider(tmp_path, seq_len=2, token_size=TokenSize.FourBytes)
    assert data.get_samples(BatchId(0, 1)).tolist() == [[70_000, 1], [2**31 - 1, 3]]


def test_an_index_past_the_end_is_an_error_not_a_wrap(tmp_path: Path) -> None:
    write_u16(tmp_path / "a.bin", list(range(10)))
    data = LocalDataProvider(tmp_path, seq_len=3)
    with pytest.raises(DataError, match="out of bounds"):
        data.get_samples(BatchId(2, 3))


def test_a_directory_without_token_files_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("x")
    with pytest.raises(DataError, match="no training data files"):
        LocalDataProvider(tmp_path, seq_len=3)
    with pytest.raises(DataError, match="does not exist"):
        LocalDataProvider(tmp_path / "missing", seq_len=3)


def test_the_manifest_sets_the_token_size(tmp_path: Path) -> None:
    (tmp_path / "t.bin").write_bytes(struct.pack("<4I", 1, 2, 3, 4))
    (tmp_path / "dataset.json").write_text(json.dumps({"token_size_in_bytes": "FourBytes"}))
    assert open_local_dataset(tmp_path, seq_len=1).get_samples(BatchId(0, 2)).tolist() == [[1], [2], [3]]
    (tmp_path / "dataset.json").write_text(json.dumps({"token_size_in_bytes": "Three"}))
    with pytest.raises(DataError, match="token_size_in_bytes"):
        open_local_dataset(tmp_path, seq_len=1)


def test_synthetic_samples_depend_only_on_their_index() -> None:
    data = SyntheticDataProvider(vocab_size=32, seq_len=16, seed=3)
    together = data.get_samples(BatchId(5, 8))
    alone = data.get_samples(BatchId(7, 7))
    assert torch.equal(together[2], alone[0])
    assert together.shape == (4, 16) and int(together.max()) < 32
    other_seed = SyntheticDataProvider(vocab_size=32, seq_len=16, seed=4)
    assert not torch.equal(together, other_seed.get_samples(BatchId(5, 8)))
