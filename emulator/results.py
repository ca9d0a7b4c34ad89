"""What executing or simulating a transaction returns, and what the ledger keeps of it."""

from __future__ import annotations

from dataclasses import dataclass, field

from solders.account import Account as SoldersAccount
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction
from solders.transaction_status import TransactionErrorType

from emulator.token_balances import TokenBalance


@dataclass(frozen=True, slots=True)
class InnerInstruction:
    """An instruction a program invoked (CPI): which top-level instruction it ran under, and its stack height.

    Accounts and the program are indices into the message's account keys, as Agave's
    ``meta.innerInstructions`` reports them.
    """

    index: int
    program_id_index: int
    accounts: bytes
    data: bytes
    stack_height: int


@dataclass(frozen=True, slots=True)
class TransactionResult:
    """The outcome of one transaction: ``err`` is None on success, else the solders TransactionError."""

    signature: Signature
    err: TransactionErrorType | None
    logs: list[str]
    compute_units_consumed: int
    fee: int
    return_data: tuple[Pubkey, bytes] | None = None
    post_accounts: list[tuple[Pubkey, SoldersAccount | None]] = field(default_factory=list)
    inner_instructions: list[InnerInstruction] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.err is None


@dataclass(frozen=True, slots=True)
class TransactionRecord:
    """A committed transaction as the ledger stores it (what getTransaction and getSignatureStatuses need)."""

    signature: Signature
    slot: int
    block_time: int
    transaction: VersionedTransaction
    result: TransactionResult
    pre_balances: list[int]
    post_balances: list[int]
    account_keys: list[Pubkey]
    pre_token_balances: list[TokenBalance] = field(default_factory=list)
    post_token_balances: list[TokenBalance] = field(default_factory=list)
