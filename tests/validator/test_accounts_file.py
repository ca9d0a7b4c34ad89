"""--account files in the format `solana account --output json` writes."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from solders.pubkey import Pubkey

from validator.accounts_file import AccountFileError, load_account_file
from validator.encoding import b58encode


def write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "account.json"
    path.write_text(json.dumps(document))
    return path


def dump(pubkey: Pubkey, data: list[str], **overrides: object) -> dict[str, object]:
    account = {
        "lamports": 5_000_000,
        "data": data,
        "owner": str(Pubkey.default()),
        "executable": False,
        "rentEpoch": 2**64 - 1,
        "space": 3,
    }
    return {"pubkey": str(pubkey), "account": account | overrides}


@pytest.mark.parametrize("data", [[base64.b64encode(b"abc").decode(), "base64"], [b58encode(b"abc"), "base58"]])
def test_a_dumped_account_loads_at_the_given_address(tmp_path: Path, data: list[str]) -> None:
    in_file, target = Pubkey.new_unique(), Pubkey.new_unique()
    override = load_account_file(str(target), write(tmp_path, dump(in_file, data)))
    assert override.address == target
    assert (override.account.lamports, override.account.data, override.account.rent_epoch) == (
        5_000_000,
        b"abc",
        2**64 - 1,
    )


def test_a_dash_keeps_the_address_in_the_file(tmp_path: Path) -> None:
    in_file = Pubkey.new_unique()
    override = load_account_file("-", write(tmp_path, dump(in_file, ["", "base64"])))
    assert override.address == in_file


@pytest.mark.parametrize(
    "document",
    [
        [],
        {"pubkey": "x"},
        dump(Pubkey.new_unique(), ["abc", "base64+zstd"]),
        dump(Pubkey.new_unique(), ["!!", "base64"]),
        dump(Pubkey.new_unique(), ["", "base64"], lamports=-1),
        dump(Pubkey.new_unique(), ["", "base64"], owner="nope"),
        dump(Pubkey.new_unique(), ["", "base64"], executable="yes"),
    ],
)
def test_a_bad_file_names_the_problem(tmp_path: Path, document: object) -> None:
    path = write(tmp_path, document)
    with pytest.raises(AccountFileError, match=str(path)):
        load_account_file("-", path)


def test_a_missing_file_is_an_account_file_error(tmp_path: Path) -> None:
    with pytest.raises(AccountFileError):
        load_account_file("-", tmp_path / "absent.json")
