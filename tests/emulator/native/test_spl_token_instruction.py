"""Instruction data from spl.token.instructions parses into the typed instructions the real program decodes."""

from __future__ import annotations

import pytest
import spl.token.instructions as spl
from solders.instruction import Instruction
from solders.pubkey import Pubkey
from spl.token.constants import TOKEN_PROGRAM_ID

from emulator.errors import CustomError, InstructionErrorFieldless, InstructionFailure
from emulator.native.spl_token.error import TokenError
from emulator.native.spl_token.instruction import (
    Approve,
    ApproveChecked,
    AuthorityType,
    Burn,
    BurnChecked,
    CloseAccount,
    FreezeAccount,
    InitializeAccount,
    InitializeMint,
    InitializeMultisig,
    MintTo,
    MintToChecked,
    Revoke,
    SetAuthority,
    SyncNative,
    ThawAccount,
    TokenInstruction,
    Transfer,
    TransferChecked,
    UiAmountToAmount,
    parse_instruction,
)
from emulator.native.spl_token.processor import amount_to_ui_amount, ui_amount_to_amount

A = Pubkey.from_bytes(bytes([1]) * 32)
B = Pubkey.from_bytes(bytes([2]) * 32)
C = Pubkey.from_bytes(bytes([3]) * 32)
P = TOKEN_PROGRAM_ID
BIG = 2**64 - 1

CASES: list[tuple[Instruction, TokenInstruction]] = [
    (spl.initialize_mint(spl.InitializeMintParams(6, P, A, B)), InitializeMint(6, B, None)),
    (spl.initialize_mint(spl.InitializeMintParams(9, P, A, B, C)), InitializeMint(9, B, C)),
    (spl.initialize_account(spl.InitializeAccountParams(P, A, B, C)), InitializeAccount()),
    (spl.initialize_multisig(spl.InitializeMultisigParams(P, A, 2, [B, C])), InitializeMultisig(2)),
    (spl.transfer(spl.TransferParams(P, A, B, C, BIG)), Transfer(BIG)),
    (spl.approve(spl.ApproveParams(P, A, B, C, 7)), Approve(7)),
    (spl.revoke(spl.RevokeParams(P, A, B)), Revoke()),
    (
        spl.set_authority(spl.SetAuthorityParams(P, A, spl.AuthorityType.CLOSE_ACCOUNT, B, new_authority=C)),
        SetAuthority(AuthorityType.CloseAccount, C),
    ),
    (
        spl.set_authority(spl.SetAuthorityParams(P, A, spl.AuthorityType.MINT_TOKENS, B)),
        SetAuthority(AuthorityType.MintTokens, None),
    ),
    (spl.mint_to(spl.MintToParams(P, A, B, C, 10)), MintTo(10)),
    (spl.burn(spl.BurnParams(P, A, B, C, 11)), Burn(11)),
    (spl.close_account(spl.CloseAccountParams(P, A, B, C)), CloseAccount()),
    (spl.freeze_account(spl.FreezeAccountParams(P, A, B, C)), FreezeAccount()),
    (spl.thaw_account(spl.ThawAccountParams(P, A, B, C)), ThawAccount()),
    (spl.transfer_checked(spl.TransferCheckedParams(P, A, B, C, A, 12, 6)), TransferChecked(12, 6)),
    (spl.approve_checked(spl.ApproveCheckedParams(P, A, B, C, A, 13, 2)), ApproveChecked(13, 2)),
    (spl.mint_to_checked(spl.MintToCheckedParams(P, A, B, C, 14, 3)), MintToChecked(14, 3)),
    (spl.burn_checked(spl.BurnCheckedParams(P, A, B, C, 15, 4)), BurnChecked(15, 4)),
    (spl.sync_native(spl.SyncNativeParams(P, A)), SyncNative()),
]


@pytest.mark.parametrize(("instruction", "expected"), CASES, ids=[type(case[1]).__name__ for case in CASES])
def test_solana_py_instructions_parse_to_their_variant(instruction: Instruction, expected: TokenInstruction) -> None:
    assert parse_instruction(bytes(instruction.data)) == expected


def _invalid_instruction(data: bytes) -> CustomError:
    with pytest.raises(CustomError) as excinfo:
        parse_instruction(data)
    return excinfo.value


@pytest.mark.parametrize(
    "data",
    [
        b"",  # no tag
        bytes([25]),  # unknown tag
        bytes([255]),
        bytes([3, 1, 2, 3]),  # amount cut short
        bytes([12]) + bytes(8),  # TransferChecked without decimals
        bytes([0, 6]) + bytes(31),  # mint authority cut short
        bytes([0, 6]) + bytes(32) + bytes([2]),  # COption tag 2
        bytes([0, 6]) + bytes(32) + bytes([1]) + bytes(31),  # Some(freeze authority) cut short
        bytes([6, 4, 0]),  # authority type 4 does not exist
        bytes([6, 2]),  # SetAuthority without the new-authority option
        bytes([24, 0xFF, 0xFE]),  # ui amount that is not UTF-8
    ],
)
def test_malformed_data_is_invalid_instruction(data: bytes) -> None:
    assert _invalid_instruction(data).code == 12 == int(TokenError.InvalidInstruction)


def test_trailing_bytes_are_ignored_as_the_real_parser_ignores_them() -> None:
    # The ATA program sends GetAccountDataSize followed by the extension types it wants.
    assert parse_instruction(bytes([3]) + (5).to_bytes(8, "little") + b"extra") == Transfer(5)
    assert type(parse_instruction(bytes([21, 7, 0]))).__name__ == "GetAccountDataSize"


def test_ui_amount_instruction_keeps_the_text() -> None:
    assert parse_instruction(bytes([24]) + "12.5".encode()) == UiAmountToAmount("12.5")


@pytest.mark.parametrize(
    ("amount", "decimals", "text"),
    [
        (0, 0, "0"),
        (0, 2, "0"),
        (1, 9, "0.000000001"),
        (1_000_000, 6, "1"),
        (1_234_500, 6, "1.2345"),
        (BIG, 0, str(BIG)),
    ],
)
def test_amount_to_ui_amount_trims_zeros(amount: int, decimals: int, text: str) -> None:
    assert amount_to_ui_amount(amount, decimals) == text
    assert ui_amount_to_amount(text, decimals) == amount


@pytest.mark.parametrize(
    ("text", "decimals", "amount"), [("1.", 2, 100), (".5", 1, 5), ("+3", 0, 3), ("0.500", 1, 5), ("007", 0, 7)]
)
def test_ui_amount_to_amount_accepts_what_rust_accepts(text: str, decimals: int, amount: int) -> None:
    assert ui_amount_to_amount(text, decimals) == amount


@pytest.mark.parametrize(
    ("text", "decimals"),
    [("", 2), (".", 2), ("1.2.3", 2), ("0.123", 2), ("-1", 0), ("1_000", 0), (" 1", 0), (str(2**64), 0), ("x", 0)],
)
def test_ui_amount_to_amount_rejects_with_invalid_argument(text: str, decimals: int) -> None:
    with pytest.raises(InstructionFailure) as excinfo:
        ui_amount_to_amount(text, decimals)
    assert excinfo.value.kind == InstructionErrorFieldless.InvalidArgument
