"""Small Python programs that exercise the runtime's rules; each behaviour is picked by data[0]."""

from __future__ import annotations

from enum import IntEnum

from solders.instruction import AccountMeta, Instruction
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer

from emulator import AccountInfo, CustomError, InvokeContext, ProgramSpec

MISCHIEF_ID = Pubkey.from_string("Misch1ef11111111111111111111111111111111111")
VAULT_SEED = b"vault"


class Act(IntEnum):
    DEBIT_FOREIGN = 0
    WRITE_READONLY = 1
    CPI_FAKE_SIGNER = 2
    CPI_FAKE_WRITABLE = 3
    CPI_PDA_TRANSFER = 4
    RECURSE = 5
    MINT_LAMPORTS = 6
    RETURN_AND_EMIT = 7
    STEAL_OWNERSHIP = 8
    PANIC = 9
    GROW_TOO_MUCH = 10
    FAIL_CUSTOM = 11
    WRITE_OWNED = 12


def vault_address() -> Pubkey:
    return Pubkey.find_program_address([VAULT_SEED], MISCHIEF_ID)[0]


def mischief(ctx: InvokeContext, accounts: list[AccountInfo], data: bytes) -> None:
    act = Act(data[0])
    if act is Act.DEBIT_FOREIGN:
        accounts[0].lamports -= 1
        accounts[1].lamports += 1
    elif act is Act.WRITE_READONLY or act is Act.WRITE_OWNED:
        accounts[0].data[0] ^= 0xFF
    elif act is Act.CPI_FAKE_SIGNER:
        ctx.invoke(transfer(TransferParams(from_pubkey=accounts[0].key, to_pubkey=accounts[1].key, lamports=1)))
    elif act is Act.CPI_FAKE_WRITABLE:
        ix = Instruction(MISCHIEF_ID, bytes([Act.WRITE_OWNED]), [AccountMeta(accounts[0].key, False, True)])
        ctx.invoke(ix)
    elif act is Act.CPI_PDA_TRANSFER:
        _, bump = Pubkey.find_program_address([VAULT_SEED], MISCHIEF_ID)
        ix = transfer(TransferParams(from_pubkey=accounts[0].key, to_pubkey=accounts[1].key, lamports=1_000))
        ctx.invoke(ix, [[VAULT_SEED, bytes([bump])]])
    elif act is Act.RECURSE:
        ctx.invoke(Instruction(MISCHIEF_ID, data, [AccountMeta(MISCHIEF_ID, False, False)]))
    elif act is Act.MINT_LAMPORTS:
        accounts[0].lamports += 1
    elif act is Act.RETURN_AND_EMIT:
        ctx.log("emitting")
        ctx.log_data(b"event", b"\x01\x02")
        ctx.set_return_data(b"answer")
    elif act is Act.STEAL_OWNERSHIP:
        accounts[0].owner = MISCHIEF_ID
    elif act is Act.PANIC:
        raise ZeroDivisionError("division by zero")
    elif act is Act.GROW_TOO_MUCH:
        accounts[0].realloc(len(accounts[0].data) + 10 * 1024 + 1)
    elif act is Act.FAIL_CUSTOM:
        raise CustomError(42)


MISCHIEF = ProgramSpec(MISCHIEF_ID, mischief, "mischief")
