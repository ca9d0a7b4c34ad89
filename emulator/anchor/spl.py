"""``anchor_spl``'s typed token accounts: ``Account<'info, Mint>`` and ``Account<'info, TokenAccount>``.

Anchor loads them like its own accounts (an empty System account is ``AccountNotInitialized``, another
owner ``AccountOwnedByWrongProgram``) but decodes with the SPL Token program's ``unpack``, so bytes
that are not an initialized mint or token account are ``AccountDidNotDeserialize``. Only the classic
Token program is accepted, as the reference's ``anchor_spl::token`` types do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from solders.instruction import AccountMeta, Instruction
from solders.pubkey import Pubkey

from emulator.account import AccountInfo
from emulator.anchor.errors import AnchorError, ErrorCode
from emulator.constants import ASSOCIATED_TOKEN_PROGRAM_ID, SYSTEM_PROGRAM_ID, TOKEN_PROGRAM_ID
from emulator.errors import InstructionFailure
from emulator.native.associated_token import associated_token_address_and_bump
from emulator.native.spl_token.state import Mint, TokenAccount
from emulator.program import InvokeContext

__all__ = ["load_mint", "load_token_account", "check_associated_token_account", "init_associated_token_account"]

T = TypeVar("T")


def _load(info: AccountInfo, unpack: Callable[[bytes], T]) -> T:
    if info.owner == SYSTEM_PROGRAM_ID and info.lamports == 0:
        raise AnchorError(ErrorCode.AccountNotInitialized, account=info.key)
    if info.owner != TOKEN_PROGRAM_ID:
        raise AnchorError(
            ErrorCode.AccountOwnedByWrongProgram, account=info.key, compared=(info.owner, TOKEN_PROGRAM_ID)
        )
    try:
        return unpack(bytes(info.data))
    except InstructionFailure as exc:
        raise AnchorError(ErrorCode.AccountDidNotDeserialize, account=info.key) from exc


def load_mint(info: AccountInfo) -> Mint:
    """``Account<'info, Mint>``: an initialized mint of the classic Token program."""
    return _load(info, Mint.unpack)


def load_token_account(info: AccountInfo) -> TokenAccount:
    """``Account<'info, TokenAccount>``: an initialized token account of the classic Token program."""
    return _load(info, TokenAccount.unpack)


def check_associated_token_account(info: AccountInfo, account: TokenAccount, mint: Pubkey, authority: Pubkey) -> None:
    """The ``associated_token::mint = mint, associated_token::authority = authority`` constraint.

    Anchor checks the owner first (``ConstraintTokenOwner``), then that the key is the canonical
    associated address (``ConstraintAssociated``): a token account of the right owner but another mint
    fails on the address.
    """
    if account.owner != authority:
        raise AnchorError(ErrorCode.ConstraintTokenOwner, account=info.key, compared=(account.owner, authority))
    expected, _ = associated_token_address_and_bump(authority, mint, TOKEN_PROGRAM_ID)
    if info.key != expected:
        raise AnchorError(ErrorCode.ConstraintAssociated, account=info.key, compared=(info.key, expected))


def init_associated_token_account(
    ctx: InvokeContext, *, payer: AccountInfo, account: AccountInfo, authority: AccountInfo, mint: AccountInfo
) -> None:
    """``init, associated_token::mint = mint, associated_token::authority = authority``.

    A CPI to the Associated Token program's ``Create`` with the account as given: the ATA program
    itself rejects an address that is not the canonical one, and one that already exists. The
    instruction must list the System, Token and Associated Token programs among its accounts.
    """
    metas = [
        AccountMeta(payer.key, True, True),
        AccountMeta(account.key, False, True),
        AccountMeta(authority.key, False, False),
        AccountMeta(mint.key, False, False),
        AccountMeta(SYSTEM_PROGRAM_ID, False, False),
        AccountMeta(TOKEN_PROGRAM_ID, False, False),
    ]
    ctx.invoke(Instruction(ASSOCIATED_TOKEN_PROGRAM_ID, b"", metas))
