"""What a client needs from a chain, whichever chain it is: one interface, an embedded and an RPC implementation.

Every command of ``psyche-solana-client`` (and the training client) reads accounts and sends signed
transactions through a :class:`ChainBackend`. The embedded backend executes them in-process on a bank
persisted in a local ledger directory; the RPC backend speaks Solana's JSON-RPC to a validator or a real
cluster. The methods are async because the RPC path is; the embedded path simply never awaits I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from solders.account import Account
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction_status import TransactionErrorInstructionError, TransactionErrorType

from client.errors import ClientError
from emulator.errors import custom_error_code

__all__ = ["ChainBackend", "ChainError", "SentTransaction", "TransactionFailed", "ChainUnavailable"]


@dataclass(frozen=True)
class SentTransaction:
    """A transaction the chain executed successfully, with the logs its programs wrote."""

    signature: Signature
    logs: list[str]


class ChainError(ClientError):
    """The base of every failure a backend reports."""


class ChainUnavailable(ChainError):
    """The chain could not be reached (every RPC endpoint exhausted, or the ledger could not be opened)."""


class TransactionFailed(ChainError):
    """The chain refused or failed a transaction; ``error`` is Solana's TransactionError, ``logs`` the program logs."""

    def __init__(self, error: TransactionErrorType | str, logs: Sequence[str], signature: Signature | None = None):
        self.error = error
        self.logs = list(logs)
        self.signature = signature
        super().__init__(f"transaction failed: {error}")

    @property
    def instruction_index(self) -> int | None:
        """The index of the instruction that failed, when an instruction failed."""
        if isinstance(self.error, TransactionErrorInstructionError):
            return int(self.error.index)
        return None

    @property
    def custom_code(self) -> int | None:
        """The program's ``Custom(code)`` (Anchor: 6000+ for the program's own errors), when it failed that way."""
        return custom_error_code(self.error)

    @property
    def failed_program(self) -> Pubkey | None:
        """The innermost program that failed, which is the one whose error code this is, if the logs say.

        A program failing inside a CPI logs its ``failed:`` line first; every caller up the stack then logs
        its own with the same code, so the first such line names the program that raised the error.
        """
        for line in self.logs:
            parts = line.split(" ")
            if len(parts) > 2 and parts[0] == "Program" and parts[2] == "failed:":
                try:
                    return Pubkey.from_string(parts[1])
                except ValueError:
                    return None
        return None


class ChainBackend(Protocol):
    """The reads and the one write a client needs."""

    async def get_account(self, key: Pubkey) -> Account | None:
        """The account, or None when it does not exist."""
        ...

    async def get_multiple_accounts(self, keys: Sequence[Pubkey]) -> list[Account | None]: ...

    async def get_program_accounts(
        self, program_id: Pubkey, data_size: int | None = None
    ) -> list[tuple[Pubkey, Account]]:
        """Every account the program owns (of ``data_size`` bytes, if given)."""
        ...

    async def get_balance(self, key: Pubkey) -> int:
        """Lamports; 0 for an account that does not exist."""
        ...

    async def minimum_balance_for_rent_exemption(self, data_len: int) -> int: ...

    async def send(
        self, instructions: Sequence[Instruction], payer: Keypair, signers: Sequence[Keypair] = ()
    ) -> SentTransaction:
        """Sign with ``payer`` (fee payer) and ``signers``, send, wait for confirmation; raise TransactionFailed."""
        ...

    async def request_airdrop(self, key: Pubkey, lamports: int) -> Signature: ...

    async def close(self) -> None:
        """Release connections and files."""
        ...
