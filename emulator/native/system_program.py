"""The System program: creating, funding, allocating and assigning accounts, as Agave's processor does.

Its messages (``Transfer: insufficient lamports ...``) are the runtime's own log lines, not
``Program log:`` lines, exactly as Agave's ``ic_msg!`` writes them. Nonce accounts are not supported.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum

from solders.pubkey import Pubkey

from emulator.account import AccountInfo
from emulator.constants import MAX_PERMITTED_DATA_LENGTH, MAX_SEED_LEN, SYSTEM_PROGRAM_ID
from emulator.errors import CustomError, InstructionErrorFieldless, InstructionFailure
from emulator.program import InvokeContext, ProgramSpec


class SystemError(IntEnum):
    AccountAlreadyInUse = 0
    ResultWithNegativeLamports = 1
    InvalidProgramId = 2
    InvalidAccountDataLength = 3
    MaxSeedLengthExceeded = 4
    AddressWithSeedMismatch = 5


class _Reader:
    """Bincode reader for instruction data; any short read is InvalidInstructionData."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._offset = 0

    def take(self, size: int) -> bytes:
        end = self._offset + size
        if end > len(self._data):
            raise InstructionFailure(InstructionErrorFieldless.InvalidInstructionData)
        chunk = self._data[self._offset : end]
        self._offset = end
        return chunk

    def u32(self) -> int:
        return int(struct.unpack("<I", self.take(4))[0])

    def u64(self) -> int:
        return int(struct.unpack("<Q", self.take(8))[0])

    def pubkey(self) -> Pubkey:
        return Pubkey.from_bytes(self.take(32))

    def string(self) -> str:
        try:
            return self.take(self.u64()).decode()
        except UnicodeDecodeError as exc:
            raise InstructionFailure(InstructionErrorFieldless.InvalidInstructionData) from exc


@dataclass(frozen=True, slots=True)
class _Seeded:
    base: Pubkey
    seed: str
    owner: Pubkey


def process_instruction(ctx: InvokeContext, accounts: list[AccountInfo], data: bytes) -> None:
    reader = _Reader(data)
    tag = reader.u32()
    if tag == 0:  # CreateAccount
        lamports, space, owner = reader.u64(), reader.u64(), reader.pubkey()
        _require_accounts(accounts, 2)
        _create_account(ctx, accounts[0], accounts[1], accounts[1].key, lamports, space, owner, _signers(accounts))
    elif tag == 1:  # Assign
        owner = reader.pubkey()
        _require_accounts(accounts, 1)
        _assign(ctx, accounts[0], accounts[0].key, owner, _signers(accounts))
    elif tag == 2:  # Transfer
        lamports = reader.u64()
        _require_accounts(accounts, 2)
        _transfer(ctx, accounts[0], accounts[1], lamports)
    elif tag == 3:  # CreateAccountWithSeed
        base, seed = reader.pubkey(), reader.string()
        lamports, space, owner = reader.u64(), reader.u64(), reader.pubkey()
        _require_accounts(accounts, 2)
        address = _address_with_seed(ctx, accounts[1].key, _Seeded(base, seed, owner))
        _create_account(ctx, accounts[0], accounts[1], address, lamports, space, owner, _signers(accounts))
    elif tag == 8:  # Allocate
        space = reader.u64()
        _require_accounts(accounts, 1)
        _allocate(ctx, accounts[0], accounts[0].key, space, _signers(accounts))
    elif tag == 9:  # AllocateWithSeed
        base, seed, space, owner = reader.pubkey(), reader.string(), reader.u64(), reader.pubkey()
        _require_accounts(accounts, 1)
        address = _address_with_seed(ctx, accounts[0].key, _Seeded(base, seed, owner))
        _allocate(ctx, accounts[0], address, space, _signers(accounts))
        _assign(ctx, accounts[0], address, owner, _signers(accounts))
    elif tag == 10:  # AssignWithSeed
        base, seed, owner = reader.pubkey(), reader.string(), reader.pubkey()
        _require_accounts(accounts, 1)
        address = _address_with_seed(ctx, accounts[0].key, _Seeded(base, seed, owner))
        _assign(ctx, accounts[0], address, owner, _signers(accounts))
    elif tag == 11:  # TransferWithSeed
        lamports, from_seed, from_owner = reader.u64(), reader.string(), reader.pubkey()
        _require_accounts(accounts, 3)
        source, base_info, destination = accounts[0], accounts[1], accounts[2]
        if not base_info.is_signer:
            ctx_msg(ctx, f"Transfer: `from` account {base_info.key} must sign")
            raise InstructionFailure(InstructionErrorFieldless.MissingRequiredSignature)
        _address_with_seed(ctx, source.key, _Seeded(base_info.key, from_seed, from_owner))
        _transfer_verified(ctx, source, destination, lamports)
    else:
        raise InstructionFailure(InstructionErrorFieldless.InvalidInstructionData)


def ctx_msg(ctx: InvokeContext, message: str) -> None:
    """Agave's ``ic_msg!``: a bare runtime log line."""
    ctx.runtime_message(message)


def _require_accounts(accounts: list[AccountInfo], count: int) -> None:
    if len(accounts) < count:
        raise InstructionFailure(InstructionErrorFieldless.NotEnoughAccountKeys)


def _signers(accounts: list[AccountInfo]) -> set[Pubkey]:
    return {info.key for info in accounts if info.is_signer}


def _address_with_seed(ctx: InvokeContext, address: Pubkey, seeded: _Seeded) -> Pubkey:
    if len(seeded.seed.encode()) > MAX_SEED_LEN:
        raise CustomError(SystemError.MaxSeedLengthExceeded)
    derived = Pubkey.create_with_seed(seeded.base, seeded.seed, seeded.owner)
    if derived != address:
        ctx_msg(ctx, f"Create: address {address} does not match derived address {derived}")
        raise CustomError(SystemError.AddressWithSeedMismatch)
    return seeded.base


def _create_account(
    ctx: InvokeContext,
    source: AccountInfo,
    target: AccountInfo,
    signer_address: Pubkey,
    lamports: int,
    space: int,
    owner: Pubkey,
    signers: set[Pubkey],
) -> None:
    if target.lamports > 0:
        ctx_msg(ctx, f"Create Account: account Address {{ address: {target.key}, base: None }} already in use")
        raise CustomError(SystemError.AccountAlreadyInUse)
    _allocate(ctx, target, signer_address, space, signers)
    _assign(ctx, target, signer_address, owner, signers)
    _transfer(ctx, source, target, lamports)


def _allocate(ctx: InvokeContext, account: AccountInfo, address: Pubkey, space: int, signers: set[Pubkey]) -> None:
    if address not in signers:
        ctx_msg(ctx, f"Allocate: 'to' account Address {{ address: {account.key}, base: None }} must sign")
        raise InstructionFailure(InstructionErrorFieldless.MissingRequiredSignature)
    if account.data or account.owner != SYSTEM_PROGRAM_ID:
        ctx_msg(ctx, f"Allocate: account Address {{ address: {account.key}, base: None }} already in use")
        raise CustomError(SystemError.AccountAlreadyInUse)
    if space > MAX_PERMITTED_DATA_LENGTH:
        ctx_msg(ctx, f"Allocate: requested {space}, max allowed {MAX_PERMITTED_DATA_LENGTH}")
        raise CustomError(SystemError.InvalidAccountDataLength)
    account.realloc(space)


def _assign(ctx: InvokeContext, account: AccountInfo, address: Pubkey, owner: Pubkey, signers: set[Pubkey]) -> None:
    if account.owner == owner:
        return
    if address not in signers:
        ctx_msg(ctx, f"Assign: account Address {{ address: {account.key}, base: None }} must sign")
        raise InstructionFailure(InstructionErrorFieldless.MissingRequiredSignature)
    account.owner = owner


def _transfer(ctx: InvokeContext, source: AccountInfo, destination: AccountInfo, lamports: int) -> None:
    if not source.is_signer:
        ctx_msg(ctx, f"Transfer: `from` account {source.key} must sign")
        raise InstructionFailure(InstructionErrorFieldless.MissingRequiredSignature)
    _transfer_verified(ctx, source, destination, lamports)


def _transfer_verified(ctx: InvokeContext, source: AccountInfo, destination: AccountInfo, lamports: int) -> None:
    if source.data:
        ctx_msg(ctx, "Transfer: `from` must not carry data")
        raise InstructionFailure(InstructionErrorFieldless.InvalidArgument)
    if lamports > source.lamports:
        ctx_msg(ctx, f"Transfer: insufficient lamports {source.lamports}, need {lamports}")
        raise CustomError(SystemError.ResultWithNegativeLamports)
    # A builtin's writes are checked as they happen (Agave's BorrowedAccount), not net at the end:
    # a self-transfer out of an account the System program does not own fails although it nets to zero.
    if source.owner != SYSTEM_PROGRAM_ID and lamports:
        raise InstructionFailure(InstructionErrorFieldless.ExternalAccountLamportSpend)
    if not source.is_writable:
        raise InstructionFailure(InstructionErrorFieldless.ReadonlyLamportChange)
    if not destination.is_writable:
        raise InstructionFailure(InstructionErrorFieldless.ReadonlyLamportChange)
    source.lamports -= lamports
    destination.lamports += lamports


PROGRAM_SPEC = ProgramSpec(SYSTEM_PROGRAM_ID, process_instruction, "system_program", builtin=True, base_units=150)
