"""SPL Token instruction data, parsed into typed values before any rule sees it.

The encoding is ``spl_token::instruction::TokenInstruction::unpack``: a one-byte tag, then the
fields packed little-endian, pubkeys as 32 raw bytes and ``COption<Pubkey>`` as a one-byte tag
(0 = None, 1 = Some + 32 bytes). Trailing bytes after the fields are ignored, as the real parser
ignores them (the ATA program relies on that when it appends extension types to
``GetAccountDataSize``). Anything malformed is ``TokenError::InvalidInstruction``.
Each class is named as the real variant is, since the program logs ``Instruction: <name>``.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from solders.pubkey import Pubkey

from emulator.native.spl_token.error import TokenError


class AuthorityType(IntEnum):
    """``spl_token::instruction::AuthorityType``."""

    MintTokens = 0
    FreezeAccount = 1
    AccountOwner = 2
    CloseAccount = 3


@dataclass(frozen=True, slots=True)
class InitializeMint:
    decimals: int
    mint_authority: Pubkey
    freeze_authority: Pubkey | None


@dataclass(frozen=True, slots=True)
class InitializeMint2:
    """InitializeMint without the Rent sysvar account."""

    decimals: int
    mint_authority: Pubkey
    freeze_authority: Pubkey | None


@dataclass(frozen=True, slots=True)
class InitializeAccount:
    """The owner is the third account."""


@dataclass(frozen=True, slots=True)
class InitializeAccount2:
    owner: Pubkey


@dataclass(frozen=True, slots=True)
class InitializeAccount3:
    """InitializeAccount2 without the Rent sysvar account."""

    owner: Pubkey


@dataclass(frozen=True, slots=True)
class InitializeMultisig:
    m: int


@dataclass(frozen=True, slots=True)
class InitializeMultisig2:
    """InitializeMultisig without the Rent sysvar account."""

    m: int


@dataclass(frozen=True, slots=True)
class Transfer:
    amount: int


@dataclass(frozen=True, slots=True)
class Approve:
    amount: int


@dataclass(frozen=True, slots=True)
class Revoke:
    pass


@dataclass(frozen=True, slots=True)
class SetAuthority:
    authority_type: AuthorityType
    new_authority: Pubkey | None


@dataclass(frozen=True, slots=True)
class MintTo:
    amount: int


@dataclass(frozen=True, slots=True)
class Burn:
    amount: int


@dataclass(frozen=True, slots=True)
class CloseAccount:
    pass


@dataclass(frozen=True, slots=True)
class FreezeAccount:
    pass


@dataclass(frozen=True, slots=True)
class ThawAccount:
    pass


@dataclass(frozen=True, slots=True)
class TransferChecked:
    amount: int
    decimals: int


@dataclass(frozen=True, slots=True)
class ApproveChecked:
    amount: int
    decimals: int


@dataclass(frozen=True, slots=True)
class MintToChecked:
    amount: int
    decimals: int


@dataclass(frozen=True, slots=True)
class BurnChecked:
    amount: int
    decimals: int


@dataclass(frozen=True, slots=True)
class SyncNative:
    pass


@dataclass(frozen=True, slots=True)
class GetAccountDataSize:
    pass


@dataclass(frozen=True, slots=True)
class InitializeImmutableOwner:
    pass


@dataclass(frozen=True, slots=True)
class AmountToUiAmount:
    amount: int


@dataclass(frozen=True, slots=True)
class UiAmountToAmount:
    ui_amount: str


TokenInstruction = (
    InitializeMint
    | InitializeMint2
    | InitializeAccount
    | InitializeAccount2
    | InitializeAccount3
    | InitializeMultisig
    | InitializeMultisig2
    | Transfer
    | Approve
    | Revoke
    | SetAuthority
    | MintTo
    | Burn
    | CloseAccount
    | FreezeAccount
    | ThawAccount
    | TransferChecked
    | ApproveChecked
    | MintToChecked
    | BurnChecked
    | SyncNative
    | GetAccountDataSize
    | InitializeImmutableOwner
    | AmountToUiAmount
    | UiAmountToAmount
)


class _Reader:
    """Reads fields front to back; running out of bytes is InvalidInstruction."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def take(self, n: int) -> bytes:
        if self._pos + n > len(self._data):
            raise TokenError.InvalidInstruction.error()
        chunk = self._data[self._pos : self._pos + n]
        self._pos += n
        return chunk

    def rest(self) -> bytes:
        return self._data[self._pos :]

    def u8(self) -> int:
        return self.take(1)[0]

    def u64(self) -> int:
        return int(struct.unpack("<Q", self.take(8))[0])

    def pubkey(self) -> Pubkey:
        return Pubkey.from_bytes(self.take(32))

    def option_pubkey(self) -> Pubkey | None:
        tag = self.u8()
        if tag == 0:
            return None
        if tag == 1:
            return self.pubkey()
        raise TokenError.InvalidInstruction.error()

    def authority_type(self) -> AuthorityType:
        value = self.u8()
        if value > max(AuthorityType):
            raise TokenError.InvalidInstruction.error()
        return AuthorityType(value)

    def utf8(self) -> str:
        try:
            return self.rest().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TokenError.InvalidInstruction.error() from exc


_PARSERS: dict[int, Callable[[_Reader], TokenInstruction]] = {
    0: lambda r: InitializeMint(r.u8(), r.pubkey(), r.option_pubkey()),
    1: lambda r: InitializeAccount(),
    2: lambda r: InitializeMultisig(r.u8()),
    3: lambda r: Transfer(r.u64()),
    4: lambda r: Approve(r.u64()),
    5: lambda r: Revoke(),
    6: lambda r: SetAuthority(r.authority_type(), r.option_pubkey()),
    7: lambda r: MintTo(r.u64()),
    8: lambda r: Burn(r.u64()),
    9: lambda r: CloseAccount(),
    10: lambda r: FreezeAccount(),
    11: lambda r: ThawAccount(),
    12: lambda r: TransferChecked(r.u64(), r.u8()),
    13: lambda r: ApproveChecked(r.u64(), r.u8()),
    14: lambda r: MintToChecked(r.u64(), r.u8()),
    15: lambda r: BurnChecked(r.u64(), r.u8()),
    16: lambda r: InitializeAccount2(r.pubkey()),
    17: lambda r: SyncNative(),
    18: lambda r: InitializeAccount3(r.pubkey()),
    19: lambda r: InitializeMultisig2(r.u8()),
    20: lambda r: InitializeMint2(r.u8(), r.pubkey(), r.option_pubkey()),
    21: lambda r: GetAccountDataSize(),
    22: lambda r: InitializeImmutableOwner(),
    23: lambda r: AmountToUiAmount(r.u64()),
    24: lambda r: UiAmountToAmount(r.utf8()),
}


def parse_instruction(data: bytes) -> TokenInstruction:
    """Decode instruction data as the real program does, or raise ``Custom(InvalidInstruction)``.

    >>> parse_instruction(bytes([3]) + (250_000).to_bytes(8, "little"))
    Transfer(amount=250000)
    """
    reader = _Reader(bytes(data))
    parser = _PARSERS.get(reader.u8())
    if parser is None:
        raise TokenError.InvalidInstruction.error()
    return parser(reader)
