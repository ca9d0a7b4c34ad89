"""Token balances of a transaction's accounts, as Agave collects them for ``pre/postTokenBalances``.

Agave looks at every account key of the message that a token program owns and that unpacks as
an initialized token account whose mint it can read; the program ids themselves are skipped. The
check is an owner comparison per key, so a transaction without token accounts pays next to nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from solders.pubkey import Pubkey

from emulator.account import Account
from emulator.constants import TOKEN_PROGRAM_ID
from emulator.errors import InstructionFailure
from emulator.native.spl_token.state import Mint, TokenAccount

__all__ = ["TokenBalance", "token_balances"]


@dataclass(frozen=True, slots=True)
class TokenBalance:
    """One token account's balance at one moment (Agave's TransactionTokenBalance)."""

    account_index: int
    mint: Pubkey
    owner: Pubkey
    amount: int
    decimals: int
    program_id: Pubkey = TOKEN_PROGRAM_ID


def _decimals(mint: Pubkey, load: Callable[[Pubkey], Account | None]) -> int | None:
    account = load(mint)  # the native mint is a genesis account like any other mint
    if account is None or account.owner != TOKEN_PROGRAM_ID:
        return None
    try:
        return Mint.unpack_unchecked(account.data).decimals
    except InstructionFailure:
        return None


def token_balances(keys: Sequence[Pubkey], load: Callable[[Pubkey], Account | None]) -> list[TokenBalance]:
    """The balance of every token account among ``keys`` (indices into ``keys``), as ``load`` sees them now."""
    balances = []
    for index, key in enumerate(keys):
        account = load(key)
        if account is None or account.owner != TOKEN_PROGRAM_ID or len(account.data) != TokenAccount.LEN:
            continue
        try:
            token = TokenAccount.unpack(account.data)
        except InstructionFailure:
            continue
        decimals = _decimals(token.mint, load)
        if decimals is not None:
            balances.append(TokenBalance(index, token.mint, token.owner, token.amount, decimals))
    return balances
