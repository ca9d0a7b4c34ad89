"""IDX files (MNIST's format): what is written reads back, and a damaged file is refused with its fault named."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from client.data.idx import IdxFormatError, read_idx, write_idx


@pytest.mark.parametrize("name", ["images-idx3-ubyte", "images-idx3-ubyte.gz"])
def test_an_idx_file_reads_back_its_shape_and_values(tmp_path: Path, name: str) -> None:
    values = bytes(range(2 * 3 * 4))
    write_idx(tmp_path / name, (2, 3, 4), values)

    read = read_idx(tmp_path / name)

    assert read.shape == (2, 3, 4) and read.values == values


def test_the_header_is_big_endian_as_in_the_mnist_files(tmp_path: Path) -> None:
    write_idx(tmp_path / "labels", (258,), bytes(258))

    assert (tmp_path / "labels").read_bytes()[:8] == bytes([0, 0, 8, 1, 0, 0, 1, 2])


@pytest.mark.parametrize(
    ("content", "fault"),
    [
        (b"\x00\x00", "truncated: 2 bytes"),
        (bytes([0x1F, 0x8B, 8, 3]) + bytes(12), "wrong magic number 1f8b0803"),
        (bytes([0, 0, 0x0D, 1, 0, 0, 0, 1]) + bytes(4), "value type 0x0d is not unsigned byte"),
        (bytes([0, 0, 8, 3, 0, 0, 0, 2]), "truncated header"),
        (bytes([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3]) + bytes(5), "truncated: dimensions (2, 3) need 6 values"),
        (bytes([0, 0, 8, 1, 0, 0, 0, 2]) + bytes(3), "trailing bytes"),
        (bytes([0, 0, 8, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]), "more than"),
    ],
)
def test_a_damaged_or_foreign_file_is_refused_with_its_fault(tmp_path: Path, content: bytes, fault: str) -> None:
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(content)

    with pytest.raises(IdxFormatError, match=f"{path}: .*") as error:
        read_idx(path)

    assert fault in str(error.value)


def test_a_cut_gzip_stream_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    whole = gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 100]) + bytes(100))
    path.write_bytes(whole[: len(whole) // 2])

    with pytest.raises(IdxFormatError, match="cannot read it"):
        read_idx(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(IdxFormatError, match="absent-idx1-ubyte: cannot read it"):
        read_idx(tmp_path / "absent-idx1-ubyte")
