"""Accounts every fresh bank holds beside its programs, as solana-test-validator's genesis has them.

The native mint (wrapped SOL) is a real, initialized SPL Token mint: 9 decimals, no authorities,
holding 1 SOL, exactly as Agave's genesis writes it; so getTokenSupply and wrapped-SOL accounts work.
"""

from __future__ import annotations

from solders.pubkey import Pubkey

from emulator.account import Account
from emulator.constants import LAMPORTS_PER_SOL, TOKEN_PROGRAM_ID
from emulator.native.spl_token.state import NATIVE_MINT_DECIMALS, NATIVE_MINT_ID, Mint

__all__ = ["GENESIS_ACCOUNTS"]


def _native_mint() -> Account:
    data = bytearray(Mint.LEN)
    Mint(None, 0, NATIVE_MINT_DECIMALS, True, None).pack_into(data)
    return Account(LAMPORTS_PER_SOL, data, TOKEN_PROGRAM_ID, False, 1)


GENESIS_ACCOUNTS: tuple[tuple[Pubkey, Account], ...] = ((NATIVE_MINT_ID, _native_mint()),)
