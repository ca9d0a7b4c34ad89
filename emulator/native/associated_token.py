"""The Associated Token Account program (``ATokenGP...``): one canonical token account per wallet and mint.

The account lives at the PDA ``[wallet, token_program, mint]`` of this program, the address
``solders.token.associated.get_associated_token_address`` derives. Like the real program it asks
the token program for the account size (``GetAccountDataSize``), creates the account through the
System program signing for the PDA, then has the token program initialise it
(``InitializeImmutableOwner``, ``InitializeAccount3``), all by CPI.
Instruction data is Borsh: empty or ``[0]`` = Create, ``[1]`` = CreateIdempotent, ``[2]`` = RecoverNested.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from enum import IntEnum

from solders.instruction import AccountMeta, Instruction
from solders.pubkey import Pubkey
from solders.system_program import AllocateParams, AssignParams, CreateAccountParams, TransferParams
from solders.system_program import allocate as system_allocate
from solders.system_program import assign as system_assign
from solders.system_program import create_account as system_create_account
from solders.system_program import transfer as system_transfer

from emulator.account import AccountInfo
from emulator.constants import ASSOCIATED_TOKEN_PROGRAM_ID, SYSTEM_PROGRAM_ID
from emulator.errors import CustomError, InstructionErrorFieldless, InstructionFailure
from emulator.native.spl_token.state import Mint, TokenAccount
from emulator.program import InvokeContext, ProgramSpec

# Token instruction tags this program sends (spl_token::instruction::TokenInstruction).
_CLOSE_ACCOUNT = 9
_TRANSFER_CHECKED = 12
_INITIALIZE_ACCOUNT3 = 18
_GET_ACCOUNT_DATA_SIZE = 21
_INITIALIZE_IMMUTABLE_OWNER = 22
# GetAccountDataSize is asked with the extensions an ATA needs: [ExtensionType::ImmutableOwner] as u16 LE.
_IMMUTABLE_OWNER_EXTENSION = (7).to_bytes(2, "little")

# Compute units of the real program (measured on LiteSVM's build), beyond what its CPIs cost:
# its own work up to an idempotent no-op, the extra work of creating, and each PDA bump tried.
_BASE_UNITS = 2937
_CREATE_UNITS = 5056
_CREATE_PROGRAM_ADDRESS_UNITS = 1500


class AssociatedTokenInstruction(IntEnum):
    """``AssociatedTokenAccountInstruction``: the Borsh variant index is the data's only byte."""

    Create = 0
    CreateIdempotent = 1
    RecoverNested = 2


class AssociatedTokenError(IntEnum):
    InvalidOwner = 0

    def error(self) -> CustomError:
        return CustomError(int(self), "Associated token account owner does not match address derivation")


def _fail(kind: InstructionErrorFieldless) -> InstructionFailure:
    return InstructionFailure(kind)


def parse_instruction(data: bytes) -> AssociatedTokenInstruction:
    """Empty data means Create (the original, argument-less instruction); anything else must be one variant byte.

    >>> parse_instruction(b""), parse_instruction(bytes([1]))
    (<AssociatedTokenInstruction.Create: 0>, <AssociatedTokenInstruction.CreateIdempotent: 1>)
    """
    if not data:
        return AssociatedTokenInstruction.Create
    if len(data) != 1 or data[0] > max(AssociatedTokenInstruction):
        raise _fail(InstructionErrorFieldless.InvalidInstructionData)
    return AssociatedTokenInstruction(data[0])


def associated_token_address_and_bump(wallet: Pubkey, mint: Pubkey, token_program: Pubkey) -> tuple[Pubkey, int]:
    """The ATA of ``wallet`` for ``mint`` under ``token_program``, and its bump seed."""
    return Pubkey.find_program_address([bytes(wallet), bytes(token_program), bytes(mint)], ASSOCIATED_TOKEN_PROGRAM_ID)


def _derive(ctx: InvokeContext, wallet: Pubkey, mint: Pubkey, token_program: Pubkey) -> tuple[Pubkey, int]:
    """Derive on chain: ``find_program_address`` costs one ``create_program_address`` per bump tried."""
    address, bump = associated_token_address_and_bump(wallet, mint, token_program)
    ctx.consume_units(_CREATE_PROGRAM_ADDRESS_UNITS * (256 - bump))
    return address, bump


def process_instruction(ctx: InvokeContext, accounts: list[AccountInfo], data: bytes) -> None:
    instruction = parse_instruction(data)
    ctx.log(instruction.name)
    match instruction:
        case AssociatedTokenInstruction.Create:
            _create(ctx, accounts, idempotent=False)
        case AssociatedTokenInstruction.CreateIdempotent:
            _create(ctx, accounts, idempotent=True)
        case AssociatedTokenInstruction.RecoverNested:
            _recover_nested(ctx, accounts)


def _take(accounts: list[AccountInfo], count: int) -> list[AccountInfo]:
    if len(accounts) < count:
        raise _fail(InstructionErrorFieldless.NotEnoughAccountKeys)
    return accounts[:count]


def _create(ctx: InvokeContext, accounts: list[AccountInfo], idempotent: bool) -> None:
    funder, ata, wallet, mint, _system_program, token_program = _take(accounts, 6)
    address, bump = _derive(ctx, wallet.key, mint.key, token_program.key)
    if address != ata.key:
        ctx.log("Error: Associated address does not match seed derivation")
        raise _fail(InstructionErrorFieldless.InvalidSeeds)

    if idempotent and ata.owner == token_program.key:
        existing = _unpack_token_account(ata)
        if existing is not None:
            if existing.owner != wallet.key:
                error = AssociatedTokenError.InvalidOwner.error()
                ctx.log(str(error))
                raise error
            if existing.mint != mint.key:
                raise _fail(InstructionErrorFieldless.InvalidAccountData)
            return
    if ata.owner != SYSTEM_PROGRAM_ID:
        raise _fail(InstructionErrorFieldless.IllegalOwner)

    ctx.consume_units(_CREATE_UNITS)
    signer_seeds = [bytes(wallet.key), bytes(token_program.key), bytes(mint.key), bytes([bump])]
    space = _token_account_len(ctx, mint, token_program.key)
    _create_pda_account(ctx, funder, ata, space, token_program.key, signer_seeds)

    ctx.log("Initialize the associated token account")
    writable_ata = [AccountMeta(ata.key, is_signer=False, is_writable=True)]
    ctx.invoke(Instruction(token_program.key, bytes([_INITIALIZE_IMMUTABLE_OWNER]), writable_ata))
    ctx.invoke(
        Instruction(
            token_program.key,
            bytes([_INITIALIZE_ACCOUNT3]) + bytes(wallet.key),
            [*writable_ata, AccountMeta(mint.key, is_signer=False, is_writable=False)],
        )
    )


def _unpack_token_account(info: AccountInfo) -> TokenAccount | None:
    """The account as an initialized token account, or None when it is not one (``unpack(..).ok()``)."""
    try:
        return TokenAccount.unpack(info.data)
    except InstructionFailure:
        return None


def _token_account_len(ctx: InvokeContext, mint: AccountInfo, token_program: Pubkey) -> int:
    """Ask the token program (``GetAccountDataSize``) how large an account for ``mint`` must be."""
    meta = AccountMeta(mint.key, is_signer=False, is_writable=False)
    ctx.invoke(Instruction(token_program, bytes([_GET_ACCOUNT_DATA_SIZE]) + _IMMUTABLE_OWNER_EXTENSION, [meta]))
    returned = ctx.get_return_data()
    if returned is None:
        raise _fail(InstructionErrorFieldless.InvalidInstructionData)
    program_id, data = returned
    if program_id != token_program:
        raise _fail(InstructionErrorFieldless.IncorrectProgramId)
    if len(data) != 8:
        raise _fail(InstructionErrorFieldless.InvalidInstructionData)
    return int.from_bytes(data, "little")


def _create_pda_account(
    ctx: InvokeContext,
    funder: AccountInfo,
    pda: AccountInfo,
    space: int,
    owner: Pubkey,
    signer_seeds: Sequence[bytes],
) -> None:
    """Create the PDA by CPI into the System program.

    An address someone already sent lamports to cannot be ``create_account``-ed, so it is topped
    up to the rent minimum, allocated and assigned instead, as the real program does.
    """
    required = max(ctx.rent.minimum_balance(space), 1)
    if pda.lamports > 0:
        top_up = max(required - pda.lamports, 0)
        if top_up > 0:
            ctx.invoke(system_transfer(TransferParams(from_pubkey=funder.key, to_pubkey=pda.key, lamports=top_up)))
        ctx.invoke(system_allocate(AllocateParams(pubkey=pda.key, space=space)), [signer_seeds])
        ctx.invoke(system_assign(AssignParams(pubkey=pda.key, owner=owner)), [signer_seeds])
    else:
        params = CreateAccountParams(
            from_pubkey=funder.key, to_pubkey=pda.key, lamports=required, space=space, owner=owner
        )
        ctx.invoke(system_create_account(params), [signer_seeds])


def _recover_nested(ctx: InvokeContext, accounts: list[AccountInfo]) -> None:
    """Rescue tokens sent to an ATA owned by another ATA: move them to the wallet's ATA, close the nested one."""
    nested_ata, nested_mint, destination_ata, owner_ata, owner_mint, wallet, token_program = _take(accounts, 7)
    program = token_program.key

    owner_address, bump = _derive(ctx, wallet.key, owner_mint.key, program)
    if owner_address != owner_ata.key:
        ctx.log("Error: Owner associated address does not match seed derivation")
        raise _fail(InstructionErrorFieldless.InvalidSeeds)
    nested_address, _ = _derive(ctx, owner_ata.key, nested_mint.key, program)
    if nested_address != nested_ata.key:
        ctx.log("Error: Nested associated address does not match seed derivation")
        raise _fail(InstructionErrorFieldless.InvalidSeeds)
    destination_address, _ = _derive(ctx, wallet.key, nested_mint.key, program)
    if destination_address != destination_ata.key:
        ctx.log("Error: Destination associated address does not match seed derivation")
        raise _fail(InstructionErrorFieldless.InvalidSeeds)
    if not wallet.is_signer:
        ctx.log("Wallet of the owner associated token account must sign")
        raise _fail(InstructionErrorFieldless.MissingRequiredSignature)
    if owner_mint.owner != program:
        ctx.log("Owner mint not owned by provided token program")
        raise _fail(InstructionErrorFieldless.IllegalOwner)

    if owner_ata.owner != program:
        ctx.log(
            "Owner associated token account not owned by provided token program, "
            "recreate the owner associated token account first"
        )
        raise _fail(InstructionErrorFieldless.IllegalOwner)
    if TokenAccount.unpack(owner_ata.data).owner != wallet.key:
        ctx.log("Owner associated token account not owned by provided wallet")
        raise AssociatedTokenError.InvalidOwner.error()
    if nested_ata.owner != program:
        ctx.log("Nested associated token account not owned by provided token program")
        raise _fail(InstructionErrorFieldless.IllegalOwner)
    nested = TokenAccount.unpack(nested_ata.data)
    if nested.owner != owner_ata.key:
        ctx.log("Nested associated token account not owned by provided associated token account")
        raise AssociatedTokenError.InvalidOwner.error()
    if nested_mint.owner != program:
        ctx.log("Nested mint account not owned by provided token program")
        raise _fail(InstructionErrorFieldless.IllegalOwner)
    decimals = Mint.unpack(nested_mint.data).decimals

    owner_ata_seeds = [bytes(wallet.key), bytes(program), bytes(owner_mint.key), bytes([bump])]
    transfer_data = struct.pack("<BQB", _TRANSFER_CHECKED, nested.amount, decimals)
    ctx.invoke(
        Instruction(
            program,
            transfer_data,
            [
                AccountMeta(nested_ata.key, is_signer=False, is_writable=True),
                AccountMeta(nested_mint.key, is_signer=False, is_writable=False),
                AccountMeta(destination_ata.key, is_signer=False, is_writable=True),
                AccountMeta(owner_ata.key, is_signer=True, is_writable=False),
            ],
        ),
        [owner_ata_seeds],
    )
    ctx.invoke(
        Instruction(
            program,
            bytes([_CLOSE_ACCOUNT]),
            [
                AccountMeta(nested_ata.key, is_signer=False, is_writable=True),
                AccountMeta(wallet.key, is_signer=False, is_writable=True),
                AccountMeta(owner_ata.key, is_signer=True, is_writable=False),
            ],
        ),
        [owner_ata_seeds],
    )


PROGRAM_SPEC = ProgramSpec(
    program_id=ASSOCIATED_TOKEN_PROGRAM_ID,
    entrypoint=process_instruction,
    name="associated_token",
    base_units=_BASE_UNITS,
)
