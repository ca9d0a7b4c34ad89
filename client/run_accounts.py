"""Reading a run's accounts from any chain backend: the coordinator instance and account, the treasurer's Run, its
vault and mint, authorizations and participants, each decoded with the program's own layout.

Treasurer detection follows the reference's ``resolve_treasurer_index`` (spec programs-and-cli.md §3.1): the index
is ``--treasurer-index`` or the first 8 bytes of ``sha256(run_id)`` read as a little-endian u64, and the run is a
treasurer run iff ``Run(index)`` exists.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TypeVar

from solders.account import Account
from solders.pubkey import Pubkey

from authorizer.program import PROGRAM_ID as AUTHORIZER_PROGRAM_ID
from authorizer.state.authorization import Authorization
from client.chain.backend import ChainBackend
from client.errors import ClientError
from client.instructions.coordinator import RunKeys
from client.instructions.token import associated_token_address
from client.instructions.treasurer import vault_address
from coordinator_program.program import PROGRAM_ID as COORDINATOR_PROGRAM_ID
from coordinator_program.state.coordinator_account import CoordinatorAccount, CoordinatorAccountError, load
from coordinator_program.state.coordinator_instance import CoordinatorInstance, find_coordinator_instance
from emulator.anchor import AnchorError, decode_account
from emulator.constants import TOKEN_PROGRAM_ID
from emulator.native.spl_token import Mint, TokenAccount
from treasurer.program import PROGRAM_ID as TREASURER_PROGRAM_ID
from treasurer.state import Participant, Run, find_participant, find_run

__all__ = [
    "AccountLookupError",
    "OnChainRun",
    "TreasurerRun",
    "TreasurerRunView",
    "TreasurerUserView",
    "treasurer_index_for",
    "instance_address",
    "fetch_run",
    "fetch_treasurer",
    "fetch_mint_decimals",
    "fetch_token_amount",
    "fetch_authorization",
    "fetch_participant",
    "fetch_user_view",
]

T = TypeVar("T")


class AccountLookupError(ClientError, LookupError):
    """An account a command needs is missing or is not what it should be; the message says which and why."""


def treasurer_index_for(run_id: str) -> int:
    """The treasurer index the CLI derives from a run id.

    >>> treasurer_index_for("test")
    7313085519096743583
    """
    return int.from_bytes(hashlib.sha256(run_id.encode("utf-8")).digest()[:8], "little")


def instance_address(run_id: str) -> Pubkey:
    """The coordinator instance PDA of ``run_id``; a run id over 32 bytes has none."""
    try:
        return find_coordinator_instance(run_id)
    except ValueError as exc:
        raise AccountLookupError(f"run id {run_id!r} is too long: {exc}") from exc


@dataclass(frozen=True)
class TreasurerRunView:
    """A treasurer run as ``json-dump-run`` sees it: the Run account, its address, the vault balance and the mint's
    decimals (both read from the token program)."""

    address: Pubkey
    run: Run
    vault_amount: int
    decimals: int


@dataclass(frozen=True)
class TreasurerUserView:
    """A user of a treasurer run as ``json-dump-user`` sees it: the run's mint and decimals, the user's token balance
    (0 without an associated token account) and the user's Participant account (None if never created)."""

    collateral_mint: Pubkey
    decimals: int
    user_collateral_amount: int
    participant: Participant | None


@dataclass(frozen=True)
class TreasurerRun:
    """A treasurer run: its index and Run account, and its vault with the mint's decimals."""

    index: int
    address: Pubkey
    run: Run
    decimals: int
    vault: Pubkey
    vault_amount: int

    def view(self) -> TreasurerRunView:
        return TreasurerRunView(self.address, self.run, self.vault_amount, self.decimals)


@dataclass(frozen=True)
class OnChainRun:
    """A run as a command reads it: its addresses, instance, coordinator account and treasurer (if any)."""

    run_id: str
    keys: RunKeys
    instance: CoordinatorInstance
    account: CoordinatorAccount
    treasurer: TreasurerRun | None


async def _typed(backend: ChainBackend, key: Pubkey, owner: Pubkey, what: str) -> Account | None:
    account = await backend.get_account(key)
    if account is None:
        return None
    if account.owner != owner:
        raise AccountLookupError(f"{what} {key} is owned by {account.owner}, not by {owner}")
    return account


def _anchor(account: Account, account_type: type[T], key: Pubkey, what: str) -> T:
    try:
        return decode_account(bytes(account.data), account_type, key)
    except AnchorError as exc:
        raise AccountLookupError(f"{what} {key} does not hold a {account_type.__name__}: {exc}") from exc


async def fetch_run(backend: ChainBackend, run_id: str, treasurer_index: int | None = None) -> OnChainRun:
    """Everything about ``run_id``; :class:`AccountLookupError` when the run does not exist."""
    address = instance_address(run_id)
    stored = await _typed(backend, address, COORDINATOR_PROGRAM_ID, "coordinator instance")
    if stored is None:
        raise AccountLookupError(f"run {run_id!r} not found: no coordinator instance at {address}")
    instance = _anchor(stored, CoordinatorInstance, address, "coordinator instance")
    account_data = await _typed(backend, instance.coordinator_account, COORDINATOR_PROGRAM_ID, "coordinator account")
    if account_data is None:
        raise AccountLookupError(
            f"run {run_id!r}: its coordinator account {instance.coordinator_account} does not exist"
        )
    try:
        account = load(bytearray(account_data.data))
    except CoordinatorAccountError as exc:
        raise AccountLookupError(f"run {run_id!r}: {instance.coordinator_account}: {exc}") from exc
    treasurer = await fetch_treasurer(backend, run_id, treasurer_index)
    return OnChainRun(run_id, RunKeys(address, instance.coordinator_account), instance, account, treasurer)


async def fetch_treasurer(backend: ChainBackend, run_id: str, index: int | None = None) -> TreasurerRun | None:
    """The treasurer run at ``index`` (default: derived from ``run_id``), or None when there is none."""
    index = treasurer_index_for(run_id) if index is None else index
    address = find_run(index)[0]
    stored = await _typed(backend, address, TREASURER_PROGRAM_ID, "treasurer run")
    if stored is None or stored.lamports == 0:
        return None
    run = _anchor(stored, Run, address, "treasurer run")
    vault = vault_address(address, run.collateral_mint)
    decimals = await fetch_mint_decimals(backend, run.collateral_mint)
    amount = await fetch_token_amount(backend, vault)
    return TreasurerRun(index, address, run, decimals, vault, amount or 0)


async def fetch_mint_decimals(backend: ChainBackend, mint: Pubkey) -> int:
    stored = await _typed(backend, mint, TOKEN_PROGRAM_ID, "mint")
    if stored is None:
        raise AccountLookupError(f"mint {mint} does not exist")
    try:
        return int(Mint.unpack(bytes(stored.data)).decimals)
    except Exception as exc:  # the token program's unpack raises its own program error type for bad bytes
        raise AccountLookupError(f"{mint} is not an initialized SPL Token mint") from exc


async def fetch_token_amount(backend: ChainBackend, token_account: Pubkey) -> int | None:
    """The balance of an SPL token account in base units, or None when the account does not exist."""
    stored = await _typed(backend, token_account, TOKEN_PROGRAM_ID, "token account")
    if stored is None:
        return None
    try:
        return int(TokenAccount.unpack(bytes(stored.data)).amount)
    except Exception as exc:  # as in fetch_mint_decimals
        raise AccountLookupError(f"{token_account} is not an initialized SPL token account") from exc


async def fetch_authorization(backend: ChainBackend, address: Pubkey) -> Authorization | None:
    stored = await _typed(backend, address, AUTHORIZER_PROGRAM_ID, "authorization")
    if stored is None:
        return None
    return _anchor(stored, Authorization, address, "authorization")


async def fetch_participant(backend: ChainBackend, run: Pubkey, user: Pubkey) -> Participant | None:
    address = find_participant(run, user)[0]
    stored = await _typed(backend, address, TREASURER_PROGRAM_ID, "participant")
    if stored is None:
        return None
    return _anchor(stored, Participant, address, "participant")


async def fetch_user_view(backend: ChainBackend, treasurer: TreasurerRun, user: Pubkey) -> TreasurerUserView:
    """A user's side of a treasurer run: token balance (0 without an account) and Participant record."""
    mint = treasurer.run.collateral_mint
    amount = await fetch_token_amount(backend, associated_token_address(user, mint))
    participant = await fetch_participant(backend, treasurer.address, user)
    return TreasurerUserView(mint, treasurer.decimals, amount or 0, participant)
