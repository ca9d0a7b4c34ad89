"""scripts/prepare_data.py: text to token files that the Local data provider reads back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from client.train.data import open_local_dataset
from client.train.prepare_data import DEFAULT_TEXT, TokenizerKind, main, prepare, split_heldout
from coordinator_program.core.data_assignment import BatchId
from coordinator_program.core.types import TokenSize

TEXT = "In the beginning God created the heaven and the earth.\nAnd the earth was without form, and void.\n" * 40


def test_byte_tokens_are_the_utf8_bytes_as_u16(tmp_path: Path) -> None:
    prepared = prepare(tmp_path, "hé\n", heldout_fraction=0.0)
    assert (tmp_path / "tokens-00000.bin").read_bytes() == bytes([ord("h"), 0, 0xC3, 0, 0xA9, 0, ord("\n"), 0])
    assert (prepared.token_size, prepared.vocab_size, prepared.train_tokens) == (TokenSize.TwoBytes, 256, 4)
    assert not (tmp_path / "heldout").exists()


def test_the_heldout_tail_goes_to_a_subdirectory_the_provider_does_not_read(tmp_path: Path) -> None:
    prepared = prepare(tmp_path, TEXT, heldout_fraction=0.1)
    train, heldout = split_heldout(TEXT, 0.1)
    assert train + heldout == TEXT and train.endswith("\n") and 0 < len(heldout) <= 0.1 * len(TEXT) + 60
    assert (prepared.train_tokens, prepared.heldout_tokens) == (len(train), len(heldout))
    manifest = json.loads((tmp_path / "dataset.json").read_text())
    assert manifest["token_size_in_bytes"] == "TwoBytes" and manifest["tokenizer"] == "bytes"
    data = open_local_dataset(tmp_path, seq_len=16)
    assert data.num_sequences() == (len(train) * 2 - 1) // 32  # offsets strictly below size - S
    first = data.get_samples(BatchId(0, 0))[0].tolist()
    assert bytes(first).decode() == TEXT[:16]
    assert bytes(open_local_dataset(tmp_path / "heldout", seq_len=4).get_samples(BatchId(0, 0))[0].tolist()) == (
        heldout[:4].encode()
    )


def test_bpe_tokens_decode_back_to_the_text(tmp_path: Path) -> None:
    from tokenizers import Tokenizer

    prepared = prepare(tmp_path, TEXT, TokenizerKind.Bpe, vocab_size=300, heldout_fraction=0.0)
    assert 256 < prepared.vocab_size <= 300
    assert prepared.train_tokens < len(TEXT) / 2  # merges compress the repetitive text
    tokenizer = Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    data = open_local_dataset(tmp_path, seq_len=prepared.train_tokens // 2 - 1)
    tokens = data.get_samples(BatchId(0, 0))[0].tolist()
    assert tokenizer.decode(tokens) == TEXT[: len(tokenizer.decode(tokens))]


def test_the_command_line_reads_text_files(tmp_path: Path) -> None:
    source = tmp_path / "text.txt"
    source.write_text(TEXT)
    assert main(["--out", str(tmp_path / "out"), "--text", str(source), "--heldout", "0"]) == 0
    assert (tmp_path / "out" / "tokens-00000.bin").stat().st_size == 2 * len(TEXT)


def test_the_command_line_reports_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--out", str(tmp_path / "out"), "--text", str(tmp_path / "missing.txt")])
    assert exit_info.value.code == 1 and "missing.txt" in capsys.readouterr().err


def test_the_default_text_is_the_committed_public_domain_slice() -> None:
    text = DEFAULT_TEXT.read_text()
    assert text.startswith("In the beginning God created")
    assert len(text.encode()) < 500_000


def test_tokens_are_written_in_numbered_shards_with_an_index(tmp_path: Path) -> None:
    (tmp_path / "tokens.bin").write_bytes(b"\0\0")  # what an older version wrote: no longer data here
    prepared = prepare(tmp_path, "abcdefghij", heldout_fraction=0.0, shard_tokens=4)
    assert prepared.shards == ("tokens-00000.bin", "tokens-00001.bin", "tokens-00002.bin")
    assert sorted(p.name for p in tmp_path.glob("*.bin")) == list(prepared.shards)
    assert (tmp_path / "tokens-00002.bin").read_bytes() == b"i\0j\0"
    manifest = json.loads((tmp_path / "dataset.json").read_text())
    assert (manifest["shard_template"], manifest["n_left_pad_zeros"], manifest["num_files"]) == (
        "tokens-{}.bin",
        5,
        3,
    )
    assert manifest["files"] == [
        {"name": "tokens-00000.bin", "bytes": 8},
        {"name": "tokens-00001.bin", "bytes": 8},
        {"name": "tokens-00002.bin", "bytes": 4},
    ]


def test_the_served_location_names_every_shard_and_goes_into_a_copy_of_the_run_config(tmp_path: Path) -> None:
    from client.data.serve import config_with_location, numbered_files_location
    from formats.run_config import parse_run_config

    prepare(tmp_path, "abcdefghij", heldout_fraction=0.0, shard_tokens=4)
    location = numbered_files_location(tmp_path, "http://10.0.0.7:8000/")
    files = location["Http"]["location"]["NumberedFiles"]
    assert files == {"url_template": "http://10.0.0.7:8000/tokens-{}.bin", "start_index": 0, "n_left_pad_zeros": 5,
                     "num_files": 3}  # fmt: skip
    config = Path(__file__).resolve().parents[1] / "testnet" / "config" / "tiny" / "state.toml"
    llm = parse_run_config(config_with_location(config, location)).model.llm
    assert llm.data_location.variant().location.variant().url_template.value == files["url_template"]


def test_progress_goes_to_stderr_when_asked_and_never_unasked_off_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "source.txt"
    source.write_text(TEXT)
    assert main(["--out", str(tmp_path / "quiet"), "--text", str(source)]) == 0
    quiet = capsys.readouterr()
    assert main(["--out", str(tmp_path / "loud"), "--text", str(source), "--progress"]) == 0
    loud = capsys.readouterr()

    assert "4/4" not in quiet.err and quiet.out == ""  # captured stderr is no terminal: no bar unasked
    assert "4/4" in loud.err and loud.out == ""  # asked: the bar's final state, every stage done, on stderr
    assert (tmp_path / "quiet" / "dataset.json").read_bytes() != b""
    files = [sorted(p.name for p in (tmp_path / name).iterdir()) for name in ("quiet", "loud")]
    assert files[0] == files[1]  # the bar changes nothing written
