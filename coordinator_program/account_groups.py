"""The account groups the instructions share, with the checks Anchor's ``#[derive(Accounts)]`` structs make.

* **Owner** (``authority`` S, ``coordinator_instance``, ``coordinator_account`` W): the instance at its PDA with
  its stored bump, ``main_authority == authority`` (ConstraintRaw), the account the instance names (ConstraintRaw)
  at version 1 (ConstraintRaw).
* **Permissionless** (``user`` S, ``coordinator_instance``, ``coordinator_account`` W): the same without the
  authority check.

Accounts are loaded first (Anchor's ``try_accounts``: owner and discriminator errors), then constrained in
declaration order. The coordinator account is returned as a live zero-copy view of its bytes; drop it before the
account is closed or resized.
"""

from __future__ import annotations

from functools import lru_cache

from solders.pubkey import Pubkey

from coordinator_program.errors import panic
from coordinator_program.program_id import PROGRAM_ID
from coordinator_program.state.coordinator_account import (
    COORDINATOR_ACCOUNT_DISCRIMINATOR,
    COORDINATOR_ACCOUNT_SIZE,
    COORDINATOR_ACCOUNT_VERSION,
    CoordinatorAccount,
)
from coordinator_program.state.coordinator_instance import CoordinatorInstance, coordinator_instance_seeds
from emulator.account import AccountInfo
from emulator.anchor import Accounts, AnchorError, ErrorCode, InstructionAccount, load_unchanging_account
from emulator.program import InvokeContext

__all__ = [
    "OWNER_ACCOUNTS",
    "PERMISSIONLESS_ACCOUNTS",
    "load_instance",
    "load_coordinator_account",
    "check_instance_seeds",
    "check_coordinator_account",
    "run_accounts",
    "owner_accounts",
    "permissionless_accounts",
]

OWNER_ACCOUNTS = (
    InstructionAccount("authority", signer=True),
    InstructionAccount("coordinator_instance"),
    InstructionAccount("coordinator_account", mut=True),
)
PERMISSIONLESS_ACCOUNTS = (
    InstructionAccount("user", signer=True),
    InstructionAccount("coordinator_instance"),
    InstructionAccount("coordinator_account", mut=True),
)


def load_instance(ctx: InvokeContext, info: AccountInfo) -> CoordinatorInstance:
    """``Account<CoordinatorInstance>``: owned by the coordinator program, with the instance discriminator.

    Every client instruction loads the instance, which never changes after ``init_coordinator``: the decoded
    (frozen) value of bytes that decoded before is reused. The owner check still runs every time.
    """
    return load_unchanging_account(info, CoordinatorInstance, PROGRAM_ID)


@lru_cache(maxsize=64)
def _program_address(seeds: tuple[bytes, ...], program_id: Pubkey) -> Pubkey:
    """``create_program_address``, remembered: an instance's address is checked on every instruction."""
    return Pubkey.create_program_address(list(seeds), program_id)


def load_coordinator_account(ctx: InvokeContext, info: AccountInfo) -> CoordinatorAccount:
    """``AccountLoader<CoordinatorAccount>`` then ``load()``: owner, discriminator, then a view of the bytes.

    ``load()`` slices the struct out of the data, which panics when the data is too short for it. Other
    programs (the treasurer) load it the same way: the owner must be the coordinator program.
    """
    if info.owner != PROGRAM_ID:
        raise AnchorError(ErrorCode.AccountOwnedByWrongProgram, account=info.key, compared=(info.owner, PROGRAM_ID))
    data = info.data
    if len(data) < len(COORDINATOR_ACCOUNT_DISCRIMINATOR):
        raise AnchorError(ErrorCode.AccountDiscriminatorNotFound, account=info.key)
    if bytes(data[: len(COORDINATOR_ACCOUNT_DISCRIMINATOR)]) != COORDINATOR_ACCOUNT_DISCRIMINATOR:
        raise AnchorError(ErrorCode.AccountDiscriminatorMismatch, account=info.key)
    if len(data) < COORDINATOR_ACCOUNT_SIZE:
        panic(ctx, f"range end index {COORDINATOR_ACCOUNT_SIZE} out of range for slice of length {len(data)}")
    return CoordinatorAccount.from_buffer(data)


def check_instance_seeds(ctx: InvokeContext, info: AccountInfo, instance: CoordinatorInstance) -> None:
    """``seeds = ["coordinator", run_id], bump = instance.bump``: the instance lives at its own PDA."""
    seeds = [*coordinator_instance_seeds(instance.run_id), bytes([instance.bump])]
    expected: Pubkey | None
    try:
        expected = _program_address(tuple(seeds), ctx.program_id)
    except Exception:  # solders' PubkeyError (long seed, on-curve result) has no importable base class
        expected = None
    if info.key != expected:
        raise AnchorError(
            ErrorCode.ConstraintSeeds, account=info.key, compared=(info.key, expected or Pubkey.default())
        )


def check_coordinator_account(info: AccountInfo, account: CoordinatorAccount, instance: CoordinatorInstance) -> None:
    """The account is the one the instance names, and it is a version-1 account."""
    if instance.coordinator_account != info.key or account.version != COORDINATOR_ACCOUNT_VERSION:
        raise AnchorError(ErrorCode.ConstraintRaw, account="coordinator_account")


def run_accounts(
    ctx: InvokeContext, signer: AccountInfo, instance_info: AccountInfo, account_info: AccountInfo, *, owner: bool
) -> tuple[CoordinatorInstance, CoordinatorAccount]:
    """Load and constrain an instance and its coordinator account; ``owner`` also requires the main authority."""
    instance = load_instance(ctx, instance_info)
    account = load_coordinator_account(ctx, account_info)
    check_instance_seeds(ctx, instance_info, instance)
    if owner and instance.main_authority != signer.key:
        raise AnchorError(ErrorCode.ConstraintRaw, account="coordinator_instance")
    check_coordinator_account(account_info, account, instance)
    return instance, account


def owner_accounts(ctx: InvokeContext, accounts: Accounts) -> CoordinatorAccount:
    """Check the owner group and return the coordinator account's view."""
    return run_accounts(
        ctx, accounts.authority, accounts.coordinator_instance, accounts.coordinator_account, owner=True
    )[1]


def permissionless_accounts(ctx: InvokeContext, accounts: Accounts) -> CoordinatorAccount:
    """Check the permissionless group and return the coordinator account's view."""
    return run_accounts(ctx, accounts.user, accounts.coordinator_instance, accounts.coordinator_account, owner=False)[
        1
    ]
