"""SPL Token instructions a run owner and its clients need: a collateral mint, token accounts, transfers."""

from __future__ import annotations

import spl.token.instructions as spl
from solders.instruction import Instruction
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, create_account

from emulator.constants import TOKEN_PROGRAM_ID

__all__ = [
    "MINT_SIZE",
    "associated_token_address",
    "create_mint",
    "create_associated_token_account",
    "mint_to",
    "transfer",
]

MINT_SIZE = 82  # spl_token::state::Mint::LEN


def associated_token_address(owner: Pubkey, mint: Pubkey) -> Pubkey:
    return spl.get_associated_token_address(owner, mint)


def create_mint(payer: Pubkey, mint: Pubkey, lamports: int, decimals: int, authority: Pubkey) -> list[Instruction]:
    """Allocate and initialize a classic mint whose mint authority is ``authority`` (no freeze authority)."""
    allocate = create_account(
        CreateAccountParams(
            from_pubkey=payer, to_pubkey=mint, lamports=lamports, space=MINT_SIZE, owner=TOKEN_PROGRAM_ID
        )
    )
    initialize = spl.initialize_mint(spl.InitializeMintParams(decimals, TOKEN_PROGRAM_ID, mint, authority, None))
    return [allocate, initialize]


def create_associated_token_account(payer: Pubkey, owner: Pubkey, mint: Pubkey) -> Instruction:
    """``create_associated_token_account_idempotent``: a no-op when the account exists."""
    return spl.create_idempotent_associated_token_account(payer, owner, mint)


def mint_to(mint: Pubkey, destination: Pubkey, authority: Pubkey, amount: int) -> Instruction:
    return spl.mint_to(spl.MintToParams(TOKEN_PROGRAM_ID, mint, destination, authority, amount))


def transfer(source: Pubkey, destination: Pubkey, owner: Pubkey, amount: int) -> Instruction:
    """A plain ``transfer`` (not ``transfer_checked``), as ``treasurer-top-up-rewards`` sends it."""
    return spl.transfer(
        spl.TransferParams(program_id=TOKEN_PROGRAM_ID, source=source, dest=destination, owner=owner, amount=amount)
    )
