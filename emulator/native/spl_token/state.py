"""The SPL Token account layouts: the 82-byte Mint, the 165-byte token Account and the 355-byte Multisig.

Byte-compatible with ``spl_token::state``: little-endian integers, and ``COption<T>`` as a u32 tag
(0 = None, 1 = Some) followed by the value's bytes. Writing ``None`` only clears the tag and leaves
the old value's bytes in place, exactly as the real ``Pack`` does, so account data stays identical
to the real program's after e.g. a ``Revoke``. That is why values are written *into* an existing
buffer (:meth:`pack_into`) rather than serialised afresh.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar

from solders.pubkey import Pubkey

from emulator.constants import SYSTEM_PROGRAM_ID
from emulator.errors import InstructionErrorFieldless, InstructionFailure

MAX_SIGNERS = 11
INCINERATOR_ID = Pubkey.from_string("1nc1nerator11111111111111111111111111111111")
NATIVE_MINT_ID = Pubkey.from_string("So11111111111111111111111111111111111111112")
NATIVE_MINT_DECIMALS = 9

_TAG = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_NONE_TAG = 0
_SOME_TAG = 1


def _invalid_data() -> InstructionFailure:
    return InstructionFailure(InstructionErrorFieldless.InvalidAccountData)


def _check_len(data: bytes | bytearray, expected: int) -> None:
    if len(data) != expected:
        raise _invalid_data()


def _unpack_bool(byte: int) -> bool:
    if byte > 1:
        raise _invalid_data()
    return byte == 1


def _unpack_option_tag(data: bytes | bytearray, offset: int) -> bool:
    """Whether the COption at ``offset`` is Some; any tag but 0 or 1 is InvalidAccountData."""
    (tag,) = _TAG.unpack_from(data, offset)
    if tag not in (_NONE_TAG, _SOME_TAG):
        raise _invalid_data()
    return bool(tag == _SOME_TAG)


def _unpack_option_key(data: bytes | bytearray, offset: int) -> Pubkey | None:
    if not _unpack_option_tag(data, offset):
        return None
    return Pubkey.from_bytes(bytes(data[offset + 4 : offset + 36]))


def _unpack_option_u64(data: bytes | bytearray, offset: int) -> int | None:
    if not _unpack_option_tag(data, offset):
        return None
    return int(_U64.unpack_from(data, offset + 4)[0])


def _pack_option_key(value: Pubkey | None, buf: bytearray, offset: int) -> None:
    if value is None:
        _TAG.pack_into(buf, offset, _NONE_TAG)
    else:
        _TAG.pack_into(buf, offset, _SOME_TAG)
        buf[offset + 4 : offset + 36] = bytes(value)


def _pack_option_u64(value: int | None, buf: bytearray, offset: int) -> None:
    if value is None:
        _TAG.pack_into(buf, offset, _NONE_TAG)
    else:
        _TAG.pack_into(buf, offset, _SOME_TAG)
        _U64.pack_into(buf, offset + 4, value)


class AccountState(IntEnum):
    """``spl_token::state::AccountState``."""

    Uninitialized = 0
    Initialized = 1
    Frozen = 2


@dataclass(frozen=True, slots=True)
class Mint:
    """A token mint.

    Layout: mint_authority COption<Pubkey> [0..36), supply u64 [36..44), decimals u8 [44],
    is_initialized bool [45], freeze_authority COption<Pubkey> [46..82).
    """

    LEN: ClassVar[int] = 82

    mint_authority: Pubkey | None
    supply: int
    decimals: int
    is_initialized: bool
    freeze_authority: Pubkey | None

    @classmethod
    def unpack_unchecked(cls, data: bytes | bytearray) -> Mint:
        """Decode without requiring initialization (InvalidAccountData on a wrong length or bad tag)."""
        _check_len(data, cls.LEN)
        return cls(
            mint_authority=_unpack_option_key(data, 0),
            supply=int(_U64.unpack_from(data, 36)[0]),
            decimals=data[44],
            is_initialized=_unpack_bool(data[45]),
            freeze_authority=_unpack_option_key(data, 46),
        )

    @classmethod
    def unpack(cls, data: bytes | bytearray) -> Mint:
        """Decode an initialized mint (UninitializedAccount otherwise)."""
        mint = cls.unpack_unchecked(data)
        if not mint.is_initialized:
            raise InstructionFailure(InstructionErrorFieldless.UninitializedAccount)
        return mint

    def pack_into(self, buf: bytearray) -> None:
        _check_len(buf, self.LEN)
        _pack_option_key(self.mint_authority, buf, 0)
        _U64.pack_into(buf, 36, self.supply)
        buf[44] = self.decimals
        buf[45] = int(self.is_initialized)
        _pack_option_key(self.freeze_authority, buf, 46)


@dataclass(frozen=True, slots=True)
class TokenAccount:
    """A token account (``spl_token::state::Account``; named as solders names it).

    Layout: mint [0..32), owner [32..64), amount u64 [64..72), delegate COption<Pubkey> [72..108),
    state u8 [108], is_native COption<u64> [109..121), delegated_amount u64 [121..129),
    close_authority COption<Pubkey> [129..165).
    """

    LEN: ClassVar[int] = 165

    mint: Pubkey
    owner: Pubkey
    amount: int
    delegate: Pubkey | None
    state: AccountState
    is_native: int | None  # Some(rent-exempt reserve) for wrapped SOL accounts
    delegated_amount: int
    close_authority: Pubkey | None

    @classmethod
    def unpack_unchecked(cls, data: bytes | bytearray) -> TokenAccount:
        _check_len(data, cls.LEN)
        if data[108] > AccountState.Frozen:
            raise _invalid_data()
        return cls(
            mint=Pubkey.from_bytes(bytes(data[0:32])),
            owner=Pubkey.from_bytes(bytes(data[32:64])),
            amount=int(_U64.unpack_from(data, 64)[0]),
            delegate=_unpack_option_key(data, 72),
            state=AccountState(data[108]),
            is_native=_unpack_option_u64(data, 109),
            delegated_amount=int(_U64.unpack_from(data, 121)[0]),
            close_authority=_unpack_option_key(data, 129),
        )

    @classmethod
    def unpack(cls, data: bytes | bytearray) -> TokenAccount:
        account = cls.unpack_unchecked(data)
        if not account.is_initialized:
            raise InstructionFailure(InstructionErrorFieldless.UninitializedAccount)
        return account

    def pack_into(self, buf: bytearray) -> None:
        _check_len(buf, self.LEN)
        buf[0:32] = bytes(self.mint)
        buf[32:64] = bytes(self.owner)
        _U64.pack_into(buf, 64, self.amount)
        _pack_option_key(self.delegate, buf, 72)
        buf[108] = self.state
        _pack_option_u64(self.is_native, buf, 109)
        _U64.pack_into(buf, 121, self.delegated_amount)
        _pack_option_key(self.close_authority, buf, 129)

    @property
    def is_initialized(self) -> bool:
        return self.state != AccountState.Uninitialized

    @property
    def is_frozen(self) -> bool:
        return self.state == AccountState.Frozen

    @property
    def is_native_account(self) -> bool:
        """Whether this holds wrapped SOL (``Account::is_native``)."""
        return self.is_native is not None

    @property
    def is_owned_by_system_program_or_incinerator(self) -> bool:
        """Tokens held for these owners can be burnt (and the account closed to the incinerator) by anyone."""
        return self.owner in (SYSTEM_PROGRAM_ID, INCINERATOR_ID)


@dataclass(frozen=True, slots=True)
class Multisig:
    """An m-of-n signer set. Layout: m u8, n u8, is_initialized bool, then 11 signer pubkeys."""

    LEN: ClassVar[int] = 355

    m: int
    n: int
    is_initialized: bool
    signers: tuple[Pubkey, ...]  # always MAX_SIGNERS entries; the first n are meaningful

    @classmethod
    def unpack_unchecked(cls, data: bytes | bytearray) -> Multisig:
        _check_len(data, cls.LEN)
        signers = tuple(Pubkey.from_bytes(bytes(data[3 + 32 * i : 35 + 32 * i])) for i in range(MAX_SIGNERS))
        return cls(m=data[0], n=data[1], is_initialized=_unpack_bool(data[2]), signers=signers)

    @classmethod
    def unpack(cls, data: bytes | bytearray) -> Multisig:
        multisig = cls.unpack_unchecked(data)
        if not multisig.is_initialized:
            raise InstructionFailure(InstructionErrorFieldless.UninitializedAccount)
        return multisig

    def pack_into(self, buf: bytearray) -> None:
        _check_len(buf, self.LEN)
        if len(self.signers) != MAX_SIGNERS:
            raise ValueError(f"a multisig holds exactly {MAX_SIGNERS} signer slots")
        buf[0] = self.m
        buf[1] = self.n
        buf[2] = int(self.is_initialized)
        for i, signer in enumerate(self.signers):
            buf[3 + 32 * i : 35 + 32 * i] = bytes(signer)
