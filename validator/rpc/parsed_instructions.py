"""``jsonParsed`` instructions as Agave's ``solana-transaction-status`` writes them.

Agave parses the instructions of System, SPL Token, Associated Token and Memo programs into
``{"program", "programId", "parsed": {"type", "info"}, "stackHeight"}`` (a memo's ``parsed`` is the
memo text), and writes every other instruction, or one it cannot parse, "partially decoded":
``{"programId", "accounts", "data", "stackHeight"}``. ComputeBudget is not among Agave's parsable
programs, so its instructions stay partially decoded here too.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence

from solders.pubkey import Pubkey

from emulator.constants import ASSOCIATED_TOKEN_PROGRAM_ID, SYSTEM_PROGRAM_ID, TOKEN_PROGRAM_ID
from emulator.errors import ProgramError
from emulator.native.memo import MEMO_PROGRAM_IDS
from emulator.native.spl_token import instruction as token_ix
from validator.encoding import b58encode
from validator.errors import ValidatorError
from validator.rpc.token_json import ui_token_amount

__all__ = ["ui_instruction"]

Info = dict[str, object]


class NotParsable(ValidatorError):
    """The instruction does not decode, or names fewer accounts than its type needs (Agave's parse errors)."""


# -- System (bincode: a u32 tag, u64 integers, u64-length strings) --------------------------------------


class _Bincode:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._offset = 0

    def take(self, size: int) -> bytes:
        if self._offset + size > len(self._data):
            raise NotParsable
        chunk = self._data[self._offset : self._offset + size]
        self._offset += size
        return chunk

    def u32(self) -> int:
        return int(struct.unpack("<I", self.take(4))[0])

    def u64(self) -> int:
        return int(struct.unpack("<Q", self.take(8))[0])

    def pubkey(self) -> str:
        return str(Pubkey.from_bytes(self.take(32)))

    def string(self) -> str:
        try:
            return self.take(self.u64()).decode()
        except UnicodeDecodeError as exc:
            raise NotParsable from exc


def _accounts(keys: Sequence[str], accounts: bytes, names: Sequence[str]) -> Info:
    """The first ``len(names)`` instruction accounts by name; NotParsable when there are fewer."""
    if len(accounts) < len(names):
        raise NotParsable
    return {name: keys[index] for name, index in zip(names, accounts, strict=False)}


def _parse_system(data: bytes, accounts: bytes, keys: Sequence[str]) -> tuple[str, Info]:
    r = _Bincode(data)
    tag = r.u32()
    if tag == 0:
        lamports, space, owner = r.u64(), r.u64(), r.pubkey()
        info = _accounts(keys, accounts, ("source", "newAccount"))
        return "createAccount", {**info, "lamports": lamports, "space": space, "owner": owner}
    if tag == 1:
        return "assign", {**_accounts(keys, accounts, ("account",)), "owner": r.pubkey()}
    if tag == 2:
        return "transfer", {**_accounts(keys, accounts, ("source", "destination")), "lamports": r.u64()}
    if tag == 3:
        base, seed, lamports, space, owner = r.pubkey(), r.string(), r.u64(), r.u64(), r.pubkey()
        info = _accounts(keys, accounts, ("source", "newAccount"))
        fields = {"base": base, "seed": seed, "lamports": lamports, "space": space, "owner": owner}
        return "createAccountWithSeed", {**info, **fields}
    if tag == 4:
        return "advanceNonce", _accounts(keys, accounts, ("nonceAccount", "recentBlockhashesSysvar", "nonceAuthority"))
    if tag == 5:
        lamports = r.u64()
        names = ("nonceAccount", "destination", "recentBlockhashesSysvar", "rentSysvar", "nonceAuthority")
        return "withdrawFromNonce", {**_accounts(keys, accounts, names), "lamports": lamports}
    if tag == 6:
        authority = r.pubkey()
        info = _accounts(keys, accounts, ("nonceAccount", "recentBlockhashesSysvar", "rentSysvar"))
        return "initializeNonce", {**info, "nonceAuthority": authority}
    if tag == 7:
        authority = r.pubkey()
        return "authorizeNonce", {
            **_accounts(keys, accounts, ("nonceAccount", "nonceAuthority")),
            "newAuthorized": authority,
        }
    if tag == 8:
        return "allocate", {**_accounts(keys, accounts, ("account",)), "space": r.u64()}
    if tag == 9:
        base, seed, space, owner = r.pubkey(), r.string(), r.u64(), r.pubkey()
        info = _accounts(keys, accounts, ("account", "base"))
        return "allocateWithSeed", {
            "account": info["account"],
            "base": base,
            "seed": seed,
            "space": space,
            "owner": owner,
        }
    if tag == 10:
        base, seed, owner = r.pubkey(), r.string(), r.pubkey()
        info = _accounts(keys, accounts, ("account", "base"))
        return "assignWithSeed", {"account": info["account"], "base": base, "seed": seed, "owner": owner}
    if tag == 11:
        lamports, seed, owner = r.u64(), r.string(), r.pubkey()
        info = _accounts(keys, accounts, ("source", "sourceBase", "destination"))
        return "transferWithSeed", {**info, "lamports": lamports, "sourceSeed": seed, "sourceOwner": owner}
    if tag == 12:
        return "upgradeNonce", _accounts(keys, accounts, ("nonceAccount",))
    raise NotParsable


# -- SPL Token ----------------------------------------------------------------------------------------

_AUTHORITY_TYPES = {
    token_ix.AuthorityType.MintTokens: ("mintTokens", "mint"),
    token_ix.AuthorityType.FreezeAccount: ("freezeAccount", "mint"),
    token_ix.AuthorityType.AccountOwner: ("accountOwner", "account"),
    token_ix.AuthorityType.CloseAccount: ("closeAccount", "account"),
}


def _with_signers(info: Info, keys: Sequence[str], accounts: bytes, position: int, single: str, multisig: str) -> Info:
    """Agave's parse_signers: one authority, or a multisig authority followed by its signers."""
    if len(accounts) > position + 1:
        info[multisig] = keys[accounts[position]]
        info["signers"] = [keys[i] for i in accounts[position + 1 :]]
    else:
        info[single] = keys[accounts[position]]
    return info


def _parse_token(data: bytes, accounts: bytes, keys: Sequence[str]) -> tuple[str, Info]:  # noqa: C901
    try:
        ix = token_ix.parse_instruction(data)
    except ProgramError as exc:  # the program's own parser: Custom(InvalidInstruction) for malformed data
        raise NotParsable from exc

    def named(*names: str) -> Info:
        return _accounts(keys, accounts, names)

    def signed(info: Info, position: int, single: str, multisig: str) -> Info:
        if len(accounts) < position + 1:
            raise NotParsable
        return _with_signers(info, keys, accounts, position, single, multisig)

    match ix:
        case token_ix.InitializeMint(decimals, authority, freeze):
            accounts_info = named("mint", "rentSysvar")
            info = {
                "mint": accounts_info["mint"],
                "decimals": decimals,
                "mintAuthority": str(authority),
                "rentSysvar": accounts_info["rentSysvar"],
            }
            if freeze is not None:
                info["freezeAuthority"] = str(freeze)
            return "initializeMint", info
        case token_ix.InitializeMint2(decimals, authority, freeze):
            info = {**named("mint"), "decimals": decimals, "mintAuthority": str(authority)}
            if freeze is not None:
                info["freezeAuthority"] = str(freeze)
            return "initializeMint2", info
        case token_ix.InitializeAccount():
            return "initializeAccount", named("account", "mint", "owner", "rentSysvar")
        case token_ix.InitializeAccount2(owner):
            info = named("account", "mint", "rentSysvar")
            return "initializeAccount2", {
                "account": info["account"],
                "mint": info["mint"],
                "owner": str(owner),
                "rentSysvar": info["rentSysvar"],
            }
        case token_ix.InitializeAccount3(owner):
            return "initializeAccount3", {**named("account", "mint"), "owner": str(owner)}
        case token_ix.InitializeMultisig(m):
            info = named("multisig", "rentSysvar", "signer")
            return "initializeMultisig", {
                "multisig": info["multisig"],
                "rentSysvar": info["rentSysvar"],
                "signers": [keys[i] for i in accounts[2:]],
                "m": m,
            }
        case token_ix.InitializeMultisig2(m):
            info = named("multisig", "signer")
            return "initializeMultisig2", {
                "multisig": info["multisig"],
                "signers": [keys[i] for i in accounts[1:]],
                "m": m,
            }
        case token_ix.Transfer(amount):
            info = {**named("source", "destination"), "amount": str(amount)}
            return "transfer", signed(info, 2, "authority", "multisigAuthority")
        case token_ix.Approve(amount):
            info = {**named("source", "delegate"), "amount": str(amount)}
            return "approve", signed(info, 2, "owner", "multisigOwner")
        case token_ix.Revoke():
            return "revoke", signed(named("source"), 1, "owner", "multisigOwner")
        case token_ix.SetAuthority(authority_type, new_authority):
            type_name, owned = _AUTHORITY_TYPES[authority_type]
            info = {
                owned: named(owned)[owned],
                "authorityType": type_name,
                "newAuthority": str(new_authority) if new_authority is not None else None,
            }
            return "setAuthority", signed(info, 1, "authority", "multisigAuthority")
        case token_ix.MintTo(amount):
            info = {**named("mint", "account"), "amount": str(amount)}
            return "mintTo", signed(info, 2, "mintAuthority", "multisigMintAuthority")
        case token_ix.Burn(amount):
            info = {**named("account", "mint"), "amount": str(amount)}
            return "burn", signed(info, 2, "authority", "multisigAuthority")
        case token_ix.CloseAccount():
            return "closeAccount", signed(named("account", "destination"), 2, "owner", "multisigOwner")
        case token_ix.FreezeAccount():
            return "freezeAccount", signed(named("account", "mint"), 2, "freezeAuthority", "multisigFreezeAuthority")
        case token_ix.ThawAccount():
            return "thawAccount", signed(named("account", "mint"), 2, "freezeAuthority", "multisigFreezeAuthority")
        case token_ix.TransferChecked(amount, decimals):
            info = {**named("source", "mint", "destination"), "tokenAmount": ui_token_amount(amount, decimals)}
            return "transferChecked", signed(info, 3, "authority", "multisigAuthority")
        case token_ix.ApproveChecked(amount, decimals):
            info = {**named("source", "mint", "delegate"), "tokenAmount": ui_token_amount(amount, decimals)}
            return "approveChecked", signed(info, 3, "owner", "multisigOwner")
        case token_ix.MintToChecked(amount, decimals):
            info = {**named("mint", "account"), "tokenAmount": ui_token_amount(amount, decimals)}
            return "mintToChecked", signed(info, 2, "mintAuthority", "multisigMintAuthority")
        case token_ix.BurnChecked(amount, decimals):
            info = {**named("account", "mint"), "tokenAmount": ui_token_amount(amount, decimals)}
            return "burnChecked", signed(info, 2, "authority", "multisigAuthority")
        case token_ix.SyncNative():
            return "syncNative", named("account")
        case token_ix.GetAccountDataSize():
            return "getAccountDataSize", named("mint")
        case token_ix.InitializeImmutableOwner():
            return "initializeImmutableOwner", named("account")
        case token_ix.AmountToUiAmount(amount):
            return "amountToUiAmount", {**named("mint"), "amount": str(amount)}
        case token_ix.UiAmountToAmount(ui_amount):
            return "uiAmountToAmount", {**named("mint"), "uiAmount": ui_amount}
    raise NotParsable


# -- Associated Token -----------------------------------------------------------------------------------

_ATA_CREATE = ("source", "account", "wallet", "mint", "systemProgram", "tokenProgram")
_ATA_RECOVER = ("nestedSource", "nestedMint", "destination", "nestedOwner", "ownerMint", "wallet", "tokenProgram")


def _parse_associated_token(data: bytes, accounts: bytes, keys: Sequence[str]) -> tuple[str, Info]:
    if not data or data == b"\x00":  # empty data is the original Create
        return "create", _accounts(keys, accounts, _ATA_CREATE)
    if data == b"\x01":
        return "createIdempotent", _accounts(keys, accounts, _ATA_CREATE)
    if data == b"\x02":
        return "recoverNested", _accounts(keys, accounts, _ATA_RECOVER)
    raise NotParsable


_Parser = Callable[[bytes, bytes, Sequence[str]], tuple[str, Info]]
_PARSERS: dict[Pubkey, tuple[str, _Parser]] = {
    SYSTEM_PROGRAM_ID: ("system", _parse_system),
    TOKEN_PROGRAM_ID: ("spl-token", _parse_token),
    ASSOCIATED_TOKEN_PROGRAM_ID: ("spl-associated-token-account", _parse_associated_token),
}


def _parsed(program_id: Pubkey, data: bytes, accounts: bytes, keys: Sequence[str]) -> tuple[str, object] | None:
    if program_id in MEMO_PROGRAM_IDS:
        try:
            return "spl-memo", data.decode("utf-8")
        except UnicodeDecodeError:
            return None
    entry = _PARSERS.get(program_id)
    if entry is None or (accounts and max(accounts) >= len(keys)):
        return None
    program, parse = entry
    try:
        kind, info = parse(data, accounts, keys)
    except NotParsable:
        return None
    return program, {"type": kind, "info": info}


def ui_instruction(
    keys: Sequence[str], program_id_index: int, accounts: bytes, data: bytes, stack_height: int | None
) -> dict[str, object]:
    """One instruction in the jsonParsed encoding: parsed where Agave parses it, else partially decoded."""
    program_id = keys[program_id_index]
    parsed = _parsed(Pubkey.from_string(program_id), data, accounts, keys)
    if parsed is not None:
        program, value = parsed
        return {"program": program, "programId": program_id, "parsed": value, "stackHeight": stack_height}
    return {
        "programId": program_id,
        "accounts": [keys[i] for i in accounts],
        "data": b58encode(data),
        "stackHeight": stack_height,
    }
