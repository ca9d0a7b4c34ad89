"""Anchor account life cycle: load, store, ``init``, ``realloc`` and ``close``, with Anchor's errors.

An Anchor account is ``sha256("account:<Name>")[:8]`` followed by the Borsh struct; bytes after the
struct are slack and are ignored on load and left untouched on store, as Anchor does. Errors name
the account by its key; the dispatcher turns the key into the declared account name for the
"AnchorError caused by account: ..." line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from solders.pubkey import Pubkey
from solders.system_program import (
    AllocateParams,
    AssignParams,
    CreateAccountParams,
    TransferParams,
    allocate,
    assign,
    create_account,
    transfer,
)

from emulator.account import AccountInfo
from emulator.anchor.borsh import BorshError, borsh_type, decode_prefix, encode, idl_name
from emulator.anchor.discriminator import DISCRIMINATOR_SIZE, account_discriminator
from emulator.anchor.errors import AnchorError, ErrorCode
from emulator.constants import MAX_PERMITTED_DATA_INCREASE, MAX_SEED_LEN, MAX_SEEDS, SYSTEM_PROGRAM_ID
from emulator.errors import InstructionErrorFieldless, InstructionFailure
from emulator.program import InvokeContext

T = TypeVar("T")


def load_account(info: AccountInfo, account_type: type[T], program_id: Pubkey) -> T:
    """Deserialize an ``Account<'info, T>`` as Anchor's ``Account::try_from`` does.

    Errors, in Anchor's order: an empty System account is ``AccountNotInitialized``; another owner
    is ``AccountOwnedByWrongProgram`` (logging owner and program id); fewer than 8 bytes is
    ``AccountDiscriminatorNotFound``; another type's discriminator ``AccountDiscriminatorMismatch``;
    bytes that do not decode ``AccountDidNotDeserialize``.
    """
    if info.owner == SYSTEM_PROGRAM_ID and info.lamports == 0:
        raise AnchorError(ErrorCode.AccountNotInitialized, account=info.key)
    if info.owner != program_id:
        raise AnchorError(ErrorCode.AccountOwnedByWrongProgram, account=info.key, compared=(info.owner, program_id))
    return decode_account(info.data, account_type, info.key)


_DECODED: dict[tuple[type, bytes], object] = {}
_DECODED_KEPT = 64


def load_unchanging_account(info: AccountInfo, account_type: type[T], program_id: Pubkey) -> T:
    """:func:`load_account` for an immutable ``account_type`` (a frozen dataclass) whose accounts seldom change: the
    value decoded before from the same bytes is returned again.

    Every client instruction loads the coordinator instance, and every join its authorization, whose bytes never
    change in a run. The owner checks run every time; only the decoding, which depends on the bytes alone, is
    skipped. A caller must not mutate what it gets.
    """
    if info.owner != program_id or program_id == SYSTEM_PROGRAM_ID:
        return load_account(info, account_type, program_id)
    data = bytes(info.data)
    cached = _DECODED.get((account_type, data))
    if cached is not None:
        return cached  # type: ignore[return-value]  # stored under its own type just below
    value = load_account(info, account_type, program_id)
    if len(_DECODED) >= _DECODED_KEPT:
        _DECODED.clear()
    _DECODED[(account_type, data)] = value
    return value


def decode_account(data: bytes | bytearray, account_type: type[T], key: Pubkey | None = None) -> T:
    """The typed value of an Anchor account's bytes: what a client reads, and what ``load_account`` checks.

    A missing or foreign discriminator is ``AccountDiscriminatorNotFound``/``Mismatch``; bytes that do
    not decode are ``AccountDidNotDeserialize``; bytes past the struct are slack and ignored. ``key``
    only names the account in the error.
    """
    if len(data) < DISCRIMINATOR_SIZE:
        raise AnchorError(ErrorCode.AccountDiscriminatorNotFound, account=key)
    if data[:DISCRIMINATOR_SIZE] != account_discriminator(idl_name(account_type)):
        raise AnchorError(ErrorCode.AccountDiscriminatorMismatch, account=key)
    try:
        value, _ = decode_prefix(borsh_type(account_type), data, DISCRIMINATOR_SIZE)
    except BorshError as exc:
        raise AnchorError(ErrorCode.AccountDidNotDeserialize, account=key) from exc
    return value


def account_bytes(value: object) -> bytes:
    """Discriminator + Borsh encoding of an account struct value."""
    cls = type(value)
    return account_discriminator(idl_name(cls)) + encode(borsh_type(cls), value)


def store_account(info: AccountInfo, value: object) -> None:
    """Write ``value`` at the start of the account's data (Anchor's ``exit`` for a ``mut`` account).

    The data is not resized: a value that does not fit is ``AccountDidNotSerialize``, as Anchor's
    writer over the fixed-size data fails; bytes past the value are left as they are.
    """
    try:
        raw = account_bytes(value)
    except BorshError as exc:
        raise AnchorError(ErrorCode.AccountDidNotSerialize, account=info.key) from exc
    if len(raw) > len(info.data):
        raise AnchorError(ErrorCode.AccountDidNotSerialize, account=info.key)
    info.data[: len(raw)] = raw


def init_account(
    ctx: InvokeContext,
    *,
    payer: AccountInfo,
    account: AccountInfo,
    space: int,
    seeds: Sequence[bytes] | None = None,
    owner: Pubkey | None = None,
) -> int | None:
    """Anchor's ``init`` constraint: create ``account`` with ``space`` bytes, rent-exempt, owned by the program.

    With ``seeds`` the account must be the program's PDA for them with the canonical bump
    (``ConstraintSeeds`` otherwise, logging both keys), the creation is signed with those seeds, and
    the bump is returned. The instruction must list the System program among its accounts. An
    account that already holds lamports is topped up, allocated and assigned instead of created,
    as Anchor does; one that already exists makes the System program fail ("already in use").
    """
    owner = owner if owner is not None else ctx.program_id
    signer_seeds: list[list[bytes]] = []
    bump: int | None = None
    if seeds is not None:
        expected, bump = _find_program_address(ctx, seeds)
        if account.key != expected:
            raise AnchorError(ErrorCode.ConstraintSeeds, account=account.key, compared=(account.key, expected))
        signer_seeds = [[*seeds, bytes([bump])]]
    rent_minimum = ctx.rent.minimum_balance(space)
    if account.lamports == 0:
        ctx.invoke(
            create_account(
                CreateAccountParams(
                    from_pubkey=payer.key, to_pubkey=account.key, lamports=rent_minimum, space=space, owner=owner
                )
            ),
            signer_seeds,
        )
        return bump
    if payer.key == account.key:
        raise AnchorError(ErrorCode.TryingToInitPayerAsProgramAccount, account=account.key)
    top_up = max(rent_minimum, 1) - account.lamports
    if top_up > 0:
        ctx.invoke(transfer(TransferParams(from_pubkey=payer.key, to_pubkey=account.key, lamports=top_up)))
    ctx.invoke(allocate(AllocateParams(pubkey=account.key, space=space)), signer_seeds)
    ctx.invoke(assign(AssignParams(pubkey=account.key, owner=owner)), signer_seeds)
    return bump


def _find_program_address(ctx: InvokeContext, seeds: Sequence[bytes]) -> tuple[Pubkey, int]:
    """``Pubkey::find_program_address`` on chain: too many or too long seeds abort the program in the syscall."""
    # The bump is one more seed, so MAX_SEEDS seeds already leave no room for it.
    if len(seeds) >= MAX_SEEDS or any(len(seed) > MAX_SEED_LEN for seed in seeds):
        ctx.runtime_message(
            "Could not create program address with signer seeds: Length of the seed is too long for address generation"
        )
        raise InstructionFailure(InstructionErrorFieldless.ProgramFailedToComplete)
    return Pubkey.find_program_address(list(seeds), ctx.program_id)


def check_program(info: AccountInfo, program_id: Pubkey) -> None:
    """Anchor's ``Program<'info, T>``: the account must be that program (``InvalidProgramId``) and executable."""
    if info.key != program_id:
        raise AnchorError(ErrorCode.InvalidProgramId, account=info.key, compared=(info.key, program_id))
    if not info.executable:
        raise AnchorError(ErrorCode.InvalidProgramExecutable, account=info.key)


def check_system_account(info: AccountInfo) -> None:
    """Anchor's ``SystemAccount<'info>``: the account must be owned by the System program."""
    if info.owner != SYSTEM_PROGRAM_ID:
        raise AnchorError(ErrorCode.AccountNotSystemOwned, account=info.key)


def realloc_account(ctx: InvokeContext, *, account: AccountInfo, space: int, payer: AccountInfo) -> None:
    """Anchor's ``realloc = space, realloc::payer = payer, realloc::zero = true`` constraint.

    Growing tops the account up to the rent minimum from ``payer`` (a System transfer, so the
    instruction lists the System program); shrinking refunds the lamports above the new minimum to
    ``payer``. New bytes are zero. Growth past ``MAX_PERMITTED_DATA_INCREASE`` is
    ``AccountReallocExceedsLimit``.
    """
    delta = space - len(account.data)
    if delta == 0:
        return
    if delta > MAX_PERMITTED_DATA_INCREASE:
        raise AnchorError(ErrorCode.AccountReallocExceedsLimit, account=account.key)
    rent_minimum = ctx.rent.minimum_balance(space)
    if delta > 0:
        if rent_minimum > account.lamports:
            ctx.invoke(
                transfer(
                    TransferParams(
                        from_pubkey=payer.key, to_pubkey=account.key, lamports=rent_minimum - account.lamports
                    )
                )
            )
    else:
        refund = account.lamports - rent_minimum
        if refund < 0:  # Anchor's checked_sub(..).unwrap() panics on an account below the rent minimum
            raise InstructionFailure(InstructionErrorFieldless.ProgramFailedToComplete)
        payer.lamports += refund
        account.lamports -= refund
    account.realloc(space)


def close_account(account: AccountInfo, destination: AccountInfo) -> None:
    """Anchor's ``close = destination``: move every lamport out, hand the account back to System, empty it."""
    destination.lamports += account.lamports
    account.lamports = 0
    account.owner = SYSTEM_PROGRAM_ID
    account.realloc(0)
