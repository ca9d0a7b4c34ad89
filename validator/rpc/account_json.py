"""Accounts as the RPC writes them (UiAccount), in the encoding and slice a request asks for.

Data is always ``[encoded, encoding]``: Agave's legacy "binary" form (a bare base58 string, its
default when no encoding is given) is one solders cannot parse, so base58 is written in the
tagged form instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from solders.account import Account as SoldersAccount
from solders.pubkey import Pubkey

from emulator import Bank
from validator.encoding import AccountEncoding, encode_account_data
from validator.rpc.errors import RpcError
from validator.rpc.params import Config, DataSlice
from validator.rpc.token_json import parsed_token_data

__all__ = ["AccountView", "MAX_BASE58_BYTES", "load_account_data"]

MAX_BASE58_BYTES = 128


@dataclass(frozen=True, slots=True)
class AccountView:
    """How a request wants accounts written: its ``encoding`` and ``dataSlice``."""

    encoding: AccountEncoding
    data_slice: DataSlice | None = None

    @classmethod
    def from_config(cls, config: Config, default: AccountEncoding = AccountEncoding.BASE58) -> AccountView:
        encoding = config.account_encoding(default)
        data_slice = config.data_slice()
        if encoding is AccountEncoding.JSON_PARSED and data_slice is not None:
            raise RpcError.invalid_request(
                "Sliced account data can only be encoded using binary (base 58) or base64 encoding."
            )
        return cls(encoding, data_slice)

    def render(self, account: SoldersAccount, bank: Bank) -> dict[str, object]:
        """A UiAccount; -32600 when base58 is asked for more than 128 bytes, as Agave refuses it."""
        data = bytes(account.data)
        data_json: object
        if self.encoding is AccountEncoding.JSON_PARSED:
            parsed = parsed_token_data(account.owner, data, lambda key: load_account_data(bank, key))
            data_json = parsed if parsed is not None else encode_account_data(data, AccountEncoding.BASE64)
        else:
            shown = self.data_slice.apply(data) if self.data_slice is not None else data
            if self.encoding is AccountEncoding.BASE58 and len(shown) > MAX_BASE58_BYTES:
                raise RpcError.invalid_request(
                    f"Encoded binary (base 58) data should be less than {MAX_BASE58_BYTES} bytes, "
                    "please use Base64 encoding."
                )
            data_json = encode_account_data(shown, self.encoding)
        return {
            "data": data_json,
            "executable": account.executable,
            "lamports": account.lamports,
            "owner": str(account.owner),
            "rentEpoch": account.rent_epoch,
            "space": len(data),
        }

    def render_keyed(self, pubkey: Pubkey, account: SoldersAccount, bank: Bank) -> dict[str, object]:
        """``{"pubkey":..., "account":...}`` as getProgramAccounts and the token-account queries list them."""
        return {"pubkey": str(pubkey), "account": self.render(account, bank)}


def load_account_data(bank: Bank, key: Pubkey) -> bytes | None:
    """An account's data, or None when there is no such account."""
    account = bank.get_account(key)
    return bytes(account.data) if account is not None else None
