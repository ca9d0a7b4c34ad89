"""Wallets in the Solana tools' formats: solana-keygen files and RAW_WALLET_PRIVATE_KEY (spec §3.1)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from solders.keypair import Keypair

from client.keypairs import (
    NO_WALLET_MESSAGE,
    KeypairError,
    keypair_from_raw,
    load_wallet,
    read_keypair_file,
    write_keypair_file,
)


def test_a_written_keypair_file_is_the_solana_keygen_array_and_reads_back(tmp_path: Path) -> None:
    keypair = Keypair()
    path = tmp_path / "id.json"
    write_keypair_file(path, keypair)
    assert json.loads(path.read_text()) == list(bytes(keypair))
    assert len(json.loads(path.read_text())) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_keypair_file(path) == keypair


def test_writing_never_replaces_a_file_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "id.json"
    first, second = Keypair(), Keypair()
    write_keypair_file(path, first)
    with pytest.raises(KeypairError, match="already exists; pass --force"):
        write_keypair_file(path, second)
    write_keypair_file(path, second, overwrite=True)
    assert read_keypair_file(path) == second


def test_raw_key_is_a_json_array_or_base58() -> None:
    keypair = Keypair()
    assert keypair_from_raw(json.dumps(list(bytes(keypair)))) == keypair
    assert keypair_from_raw(str(keypair)) == keypair  # Keypair's str is the base58 of its 64 bytes


def test_raw_key_wins_over_the_file(tmp_path: Path) -> None:
    in_file, in_env = Keypair(), Keypair()
    path = tmp_path / "id.json"
    write_keypair_file(path, in_file)
    assert load_wallet(path, str(in_env)) == in_env
    assert load_wallet(path, None) == in_file


def test_no_wallet_at_all_is_the_reference_message() -> None:
    with pytest.raises(KeypairError) as caught:
        load_wallet(None, None)
    assert str(caught.value) == NO_WALLET_MESSAGE
    assert NO_WALLET_MESSAGE == (
        "No wallet private key! Must pass --wallet-private-key-path or set RAW_WALLET_PRIVATE_KEY"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not a keypair: Expecting value"),
        ('{"a": 1}', "expected a JSON array of 64 integers"),
        ("[1, 2, 3]", "got 3 items"),
        (json.dumps([256] * 64), "every item of a keypair array must be an integer from 0 to 255"),
        (json.dumps(list(bytes(32)) + list(bytes(Keypair().pubkey()))), "are not the public key of the first 32"),
    ],
)
def test_a_bad_keypair_file_names_the_file_and_the_problem(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(KeypairError, match=message) as caught:
        read_keypair_file(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes(range(256)), "not a keypair: byte 128 is not UTF-8 text"),
        (b"\xff\xfe[\x001\x00]\x00", "not a keypair: byte 0 is not UTF-8 text"),
        (b"[" + b" " * 10_000 + b"]", "not a keypair: larger than 4096 bytes"),
    ],
)
def test_a_binary_or_huge_keypair_file_is_refused_like_any_bad_one(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "binary.json"
    path.write_bytes(content)
    with pytest.raises(KeypairError, match=message) as caught:
        read_keypair_file(path)
    assert str(caught.value).startswith(f"{path}: not a keypair: ")


def test_a_missing_keypair_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(KeypairError, match="cannot read keypair file .*missing.json: No such file or directory"):
        read_keypair_file(tmp_path / "missing.json")


def test_a_raw_key_that_is_neither_form_is_refused() -> None:
    with pytest.raises(KeypairError, match="neither a JSON byte array nor base58"):
        keypair_from_raw("0OIl")
