"""``--account ADDRESS FILE``: an account in the JSON that ``solana account --output json`` writes.

The file is ``{"pubkey": "...", "account": {"lamports", "data": [text, encoding], "owner",
"executable", "rentEpoch", "space"}}``; ADDRESS ``-`` keeps the file's own pubkey, as in
solana-test-validator.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from pathlib import Path

from solders.account import Account
from solders.pubkey import Pubkey

from validator.encoding import b58decode
from validator.errors import ValidatorError

__all__ = ["AccountFileError", "AccountOverride", "load_account_file"]

_U64_MAX = (1 << 64) - 1


class AccountFileError(ValidatorError, ValueError):
    """An --account file that cannot be read as an account; the message names the file and the field."""


@dataclass(frozen=True, slots=True)
class AccountOverride:
    address: Pubkey
    account: Account


def _u64(fields: dict[str, object], name: str, path: Path, default: int | None = None) -> int:
    value = fields.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= _U64_MAX:
        raise AccountFileError(f"{path}: account field {name!r} must be a u64, found {value!r}")
    return value


def _pubkey(text: object, what: str, path: Path) -> Pubkey:
    try:
        return Pubkey.from_string(str(text))
    except ValueError:
        raise AccountFileError(f"{path}: {what} {text!r} is not a base58 public key") from None


def _data(value: object, path: Path) -> bytes:
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(part, str) for part in value)):
        raise AccountFileError(f"{path}: account field 'data' must be [text, encoding], found {value!r}")
    text, encoding = value
    try:
        if encoding == "base64":
            return base64.b64decode(text, validate=True)
        if encoding == "base58":
            return b58decode(text)
    except (binascii.Error, ValueError) as exc:
        raise AccountFileError(f"{path}: account data is not valid {encoding}: {exc}") from None
    raise AccountFileError(f"{path}: account data encoding {encoding!r} is not supported (use base64 or base58)")


def load_account_file(address: str, path: Path) -> AccountOverride:
    """Read one account file; ``address`` ``-`` means the pubkey written in the file."""
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise AccountFileError(f"{path}: cannot read an account from it: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("account"), dict):
        raise AccountFileError(f'{path}: expected {{"pubkey": ..., "account": {{...}}}}')
    fields = document["account"]
    executable = fields.get("executable", False)
    if not isinstance(executable, bool):
        raise AccountFileError(f"{path}: account field 'executable' must be true or false, found {executable!r}")
    account = Account(
        lamports=_u64(fields, "lamports", path),
        data=_data(fields.get("data"), path),
        owner=_pubkey(fields.get("owner"), "owner", path),
        executable=executable,
        rent_epoch=_u64(fields, "rentEpoch", path, default=0),
    )
    target = document.get("pubkey") if address == "-" else address
    return AccountOverride(_pubkey(target, "address", path), account)
