"""Prepared image data: scikit-learn's digits and MNIST IDX files in torchvision's layout, read offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from client.data.errors import DataError
from client.data.idx import IdxFormatError, write_idx
from client.data.images import (
    digits_dataset,
    is_image_directory,
    mnist_dataset,
    read_image_dataset,
    write_image_dataset,
)
from client.train.prepare_data import main as prepare_data


def _write_mnist(root: Path, train: int = 6, heldout: int = 4, side: int = 28, gz: bool = True) -> Path:
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    suffix = ".gz" if gz else ""
    for prefix, count in (("train", train), ("t10k", heldout)):
        images = bytes((i * 7) % 256 for i in range(count * side * side))
        write_idx(raw / f"{prefix}-images-idx3-ubyte{suffix}", (count, side, side), images)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte{suffix}", (count,), bytes(i % 10 for i in range(count)))
    return raw


def test_the_digits_hold_out_every_fifth_image_and_train_on_the_rest() -> None:
    digits = digits_dataset()

    assert (digits.train.count, digits.heldout.count) == (1438, 359)  # 1,797 real images in all
    assert (digits.height, digits.width, digits.max_value, digits.classes) == (8, 8, 16, 10)
    assert len(digits.train.images) == 1438 * 64 and max(digits.train.images) == 16
    assert sorted(set(digits.heldout.labels)) == list(range(10))


def test_mnist_idx_files_in_torchvisions_layout_are_read_gzipped_or_not(tmp_path: Path) -> None:
    _write_mnist(tmp_path / "gz", gz=True)
    _write_mnist(tmp_path / "plain", gz=False)

    gz, plain = mnist_dataset(tmp_path / "gz"), mnist_dataset(tmp_path / "plain")

    assert (gz.train, gz.heldout, gz.max_value) == (plain.train, plain.heldout, 255)
    assert (gz.train.count, gz.heldout.count, gz.height, gz.width) == (6, 4, 28, 28)
    assert gz.train.labels == bytes([0, 1, 2, 3, 4, 5])


def test_prepare_data_writes_a_directory_that_reads_back_the_same_images(tmp_path: Path) -> None:
    _write_mnist(tmp_path / "root")

    assert prepare_data(["--mnist", "--data-root", str(tmp_path / "root"), "--out", str(tmp_path / "out")]) == 0

    prepared = read_image_dataset(tmp_path / "out")
    source = mnist_dataset(tmp_path / "root")
    assert is_image_directory(tmp_path / "out")
    assert (prepared.train, prepared.heldout, prepared.max_value) == (source.train, source.heldout, 255)


def test_a_missing_mnist_file_names_the_layout(tmp_path: Path) -> None:
    raw = _write_mnist(tmp_path)
    (raw / "t10k-labels-idx1-ubyte.gz").unlink()

    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte\[\.gz\] not found .*torchvision's layout"):
        mnist_dataset(tmp_path)
    with pytest.raises(DataError, match="no MNIST/raw directory"):
        mnist_dataset(tmp_path / "elsewhere")


def test_labels_that_do_not_match_the_images_are_refused(tmp_path: Path) -> None:
    raw = _write_mnist(tmp_path, gz=False)
    write_idx(raw / "train-labels-idx1-ubyte", (5,), bytes(5))

    with pytest.raises(DataError, match="6 images but labels of dimensions"):
        mnist_dataset(tmp_path)


def test_a_truncated_mnist_file_fails_preparation_with_its_name(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    raw = _write_mnist(tmp_path / "root", gz=False)
    images = raw / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:-10])

    with pytest.raises(SystemExit) as exit_info:
        prepare_data(["--mnist", "--data-root", str(tmp_path / "root"), "--out", str(tmp_path / "out")])

    assert exit_info.value.code == 1
    assert f"{images}: truncated" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_empty_data_directory_says_how_to_prepare_it(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no dataset.json in .*psyche-prepare-data --mnist"):
        read_image_dataset(tmp_path)


def test_a_prepared_directory_missing_a_split_is_refused(tmp_path: Path) -> None:
    write_image_dataset(tmp_path, digits_dataset())
    (tmp_path / "heldout-labels-idx1-ubyte").unlink()

    with pytest.raises(IdxFormatError, match="heldout-labels-idx1-ubyte: cannot read it"):
        read_image_dataset(tmp_path)
