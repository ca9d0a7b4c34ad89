"""An in-process Solana-style runtime: accounts, signed transactions, native programs, CPI and sysvars."""

from emulator.account import Account, AccountInfo
from emulator.bank import FAUCET_KEYPAIR, Bank
from emulator.clock import ManualClock, WallClock
from emulator.errors import CustomError, EmulatorError, InstructionFailure, ProgramError, TransactionFailure
from emulator.ledger import BlockInfo, InMemoryLedgerStore, LedgerStore
from emulator.program import Entrypoint, InvokeContext, ProgramSpec
from emulator.results import TransactionRecord, TransactionResult

__all__ = [
    "Account",
    "AccountInfo",
    "Bank",
    "BlockInfo",
    "CustomError",
    "EmulatorError",
    "Entrypoint",
    "FAUCET_KEYPAIR",
    "InMemoryLedgerStore",
    "InstructionFailure",
    "InvokeContext",
    "LedgerStore",
    "ManualClock",
    "ProgramError",
    "ProgramSpec",
    "TransactionFailure",
    "TransactionRecord",
    "TransactionResult",
    "WallClock",
]
