"""The SPL Token account layouts are byte-compatible with spl_token::state (and solders' decoders)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from solders.pubkey import Pubkey
from solders.token.state import Mint as SoldersMint
from solders.token.state import Multisig as SoldersMultisig
from solders.token.state import TokenAccount as SoldersTokenAccount

from emulator.errors import InstructionErrorFieldless, InstructionFailure
from emulator.native.spl_token.state import MAX_SIGNERS, AccountState, Mint, Multisig, TokenAccount

pubkeys = st.binary(min_size=32, max_size=32).map(Pubkey.from_bytes)
u64s = st.integers(min_value=0, max_value=2**64 - 1)


def _key(byte: int) -> Pubkey:
    return Pubkey.from_bytes(bytes([byte]) * 32)


def _failure_kind(excinfo: pytest.ExceptionInfo[InstructionFailure]) -> InstructionErrorFieldless:
    return excinfo.value.kind


def test_mint_packs_to_the_reference_bytes() -> None:
    # The expected bytes are spl_token's own pack/unpack test vector.
    mint = Mint(mint_authority=_key(1), supply=42, decimals=7, is_initialized=True, freeze_authority=_key(2))
    buf = bytearray(Mint.LEN)
    mint.pack_into(buf)
    expected = (
        bytes([1, 0, 0, 0])
        + bytes([1] * 32)
        + bytes([42, 0, 0, 0, 0, 0, 0, 0])
        + bytes([7, 1])
        + bytes([1, 0, 0, 0])
        + bytes([2] * 32)
    )
    assert bytes(buf) == expected
    assert Mint.unpack(buf) == mint


def test_token_account_packs_to_the_reference_bytes() -> None:
    account = TokenAccount(
        mint=_key(1),
        owner=_key(2),
        amount=3,
        delegate=_key(4),
        state=AccountState.Frozen,
        is_native=5,
        delegated_amount=6,
        close_authority=_key(7),
    )
    buf = bytearray(TokenAccount.LEN)
    account.pack_into(buf)
    expected = (
        bytes([1] * 32)
        + bytes([2] * 32)
        + bytes([3, 0, 0, 0, 0, 0, 0, 0])
        + bytes([1, 0, 0, 0])
        + bytes([4] * 32)
        + bytes([2])
        + bytes([1, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0])
        + bytes([6, 0, 0, 0, 0, 0, 0, 0])
        + bytes([1, 0, 0, 0])
        + bytes([7] * 32)
    )
    assert bytes(buf) == expected
    assert TokenAccount.unpack(buf) == account


def test_multisig_packs_to_the_reference_bytes() -> None:
    multisig = Multisig(m=1, n=2, is_initialized=True, signers=(_key(3),) * MAX_SIGNERS)
    buf = bytearray(Multisig.LEN)
    multisig.pack_into(buf)
    assert bytes(buf) == bytes([1, 2, 1]) + bytes([3] * 32 * MAX_SIGNERS)
    assert Multisig.unpack(buf) == multisig


@settings(max_examples=50)
@given(
    mint_authority=st.none() | pubkeys,
    supply=u64s,
    decimals=st.integers(0, 255),
    freeze_authority=st.none() | pubkeys,
)
def test_mint_bytes_decode_identically_in_solders(
    mint_authority: Pubkey | None, supply: int, decimals: int, freeze_authority: Pubkey | None
) -> None:
    mint = Mint(mint_authority, supply, decimals, True, freeze_authority)
    buf = bytearray(Mint.LEN)
    mint.pack_into(buf)
    theirs = SoldersMint.from_bytes(bytes(buf))
    assert (theirs.mint_authority, theirs.supply, theirs.decimals, theirs.freeze_authority) == (
        mint_authority,
        supply,
        decimals,
        freeze_authority,
    )
    assert Mint.unpack(buf) == mint


@settings(max_examples=50)
@given(
    mint=pubkeys,
    owner=pubkeys,
    amount=u64s,
    delegate=st.none() | pubkeys,
    state=st.sampled_from([AccountState.Initialized, AccountState.Frozen]),
    is_native=st.none() | u64s,
    delegated_amount=u64s,
    close_authority=st.none() | pubkeys,
)
def test_token_account_bytes_decode_identically_in_solders(
    mint: Pubkey,
    owner: Pubkey,
    amount: int,
    delegate: Pubkey | None,
    state: AccountState,
    is_native: int | None,
    delegated_amount: int,
    close_authority: Pubkey | None,
) -> None:
    account = TokenAccount(mint, owner, amount, delegate, state, is_native, delegated_amount, close_authority)
    buf = bytearray(TokenAccount.LEN)
    account.pack_into(buf)
    theirs = SoldersTokenAccount.from_bytes(bytes(buf))
    assert (theirs.mint, theirs.owner, theirs.amount, theirs.delegate, int(theirs.state)) == (
        mint,
        owner,
        amount,
        delegate,
        int(state),
    )
    assert (theirs.is_native, theirs.delegated_amount, theirs.close_authority) == (
        is_native,
        delegated_amount,
        close_authority,
    )
    assert TokenAccount.unpack(buf) == account


def test_multisig_bytes_decode_identically_in_solders() -> None:
    signers = tuple(_key(i + 1) for i in range(MAX_SIGNERS))
    buf = bytearray(Multisig.LEN)
    Multisig(m=2, n=3, is_initialized=True, signers=signers).pack_into(buf)
    theirs = SoldersMultisig.from_bytes(bytes(buf))
    assert (theirs.m, theirs.n, theirs.is_initialized, tuple(theirs.signers)) == (2, 3, True, signers)


def test_writing_none_clears_only_the_tag_as_the_real_pack_does() -> None:
    # After a Revoke the real program leaves the old delegate's bytes behind the zero tag.
    buf = bytearray(TokenAccount.LEN)
    account = TokenAccount(_key(1), _key(2), 0, _key(9), AccountState.Initialized, None, 5, None)
    account.pack_into(buf)
    replace(TokenAccount.unpack(buf), delegate=None, delegated_amount=0).pack_into(buf)
    assert buf[72:76] == bytes(4)
    assert buf[76:108] == bytes(_key(9))
    assert TokenAccount.unpack(buf).delegate is None


@pytest.mark.parametrize("layout", [Mint, TokenAccount, Multisig])
def test_wrong_length_is_invalid_account_data(layout: type[Mint] | type[TokenAccount] | type[Multisig]) -> None:
    for length in (layout.LEN - 1, layout.LEN + 1):
        with pytest.raises(InstructionFailure) as excinfo:
            layout.unpack_unchecked(bytes(length))
        assert _failure_kind(excinfo) == InstructionErrorFieldless.InvalidAccountData


@pytest.mark.parametrize("layout", [Mint, TokenAccount, Multisig])
def test_zeroed_account_is_uninitialized(layout: type[Mint] | type[TokenAccount] | type[Multisig]) -> None:
    assert not layout.unpack_unchecked(bytes(layout.LEN)).is_initialized
    with pytest.raises(InstructionFailure) as excinfo:
        layout.unpack(bytes(layout.LEN))
    assert _failure_kind(excinfo) == InstructionErrorFieldless.UninitializedAccount


@pytest.mark.parametrize(
    ("layout", "offset", "value"),
    [
        (Mint, 0, 2),  # mint_authority COption tag
        (Mint, 45, 2),  # is_initialized bool
        (Mint, 46, 7),  # freeze_authority COption tag
        (TokenAccount, 72, 2),  # delegate COption tag
        (TokenAccount, 108, 3),  # AccountState
        (TokenAccount, 109, 9),  # is_native COption tag
        (TokenAccount, 129, 2),  # close_authority COption tag
        (Multisig, 2, 2),  # is_initialized bool
    ],
)
def test_invalid_tags_are_invalid_account_data(
    layout: type[Mint] | type[TokenAccount] | type[Multisig], offset: int, value: int
) -> None:
    data = bytearray(layout.LEN)
    data[offset] = value
    with pytest.raises(InstructionFailure) as excinfo:
        layout.unpack_unchecked(data)
    assert _failure_kind(excinfo) == InstructionErrorFieldless.InvalidAccountData


def test_only_an_initialized_or_frozen_account_counts_as_initialized() -> None:
    base = TokenAccount(_key(1), _key(2), 0, None, AccountState.Uninitialized, None, 0, None)
    frozen = TokenAccount(_key(1), _key(2), 0, None, AccountState.Frozen, None, 0, None)
    assert not base.is_initialized
    assert frozen.is_initialized and frozen.is_frozen
