"""The embedded backend: the programs run in this process, on a bank that persists in a local ledger directory.

This is the default chain of ``psyche-solana-client``: without a validator, successive commands see the same
chain because each opens the same SQLite ledger. Transactions execute synchronously, so a successful send is
already confirmed (and finalized) when it returns.
"""

from __future__ import annotations

from collections.abc import Sequence

from solders.account import Account
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import Transaction

from client.chain.backend import SentTransaction, TransactionFailed
from emulator import Bank

__all__ = ["EmbeddedBackend"]


class EmbeddedBackend:
    """A :class:`client.chain.backend.ChainBackend` over an in-process :class:`emulator.Bank`."""

    def __init__(self, bank: Bank) -> None:
        self.bank = bank

    async def get_account(self, key: Pubkey) -> Account | None:
        return self.bank.get_account(key)

    async def get_multiple_accounts(self, keys: Sequence[Pubkey]) -> list[Account | None]:
        return [self.bank.get_account(key) for key in keys]

    async def get_program_accounts(
        self, program_id: Pubkey, data_size: int | None = None
    ) -> list[tuple[Pubkey, Account]]:
        return [
            (key, account)
            for key, account in self.bank.accounts_owned_by(program_id)
            if data_size is None or len(account.data) == data_size
        ]

    async def get_balance(self, key: Pubkey) -> int:
        return self.bank.get_balance(key)

    async def minimum_balance_for_rent_exemption(self, data_len: int) -> int:
        return self.bank.minimum_balance_for_rent_exemption(data_len)

    async def send(
        self, instructions: Sequence[Instruction], payer: Keypair, signers: Sequence[Keypair] = ()
    ) -> SentTransaction:
        unique = list({bytes(k.pubkey()): k for k in (payer, *signers)}.values())
        message = Message(list(instructions), payer.pubkey())
        tx = Transaction(unique, message, self.bank.latest_blockhash())
        if self.bank.signature_status(tx.signatures[0]) is not None:
            # The same instructions again within one slot (a second `tick`, say) would be the same transaction,
            # which the chain refuses as already processed; a new block gives it a new blockhash, as time would.
            self.bank.expire_blockhash()
            tx = Transaction(unique, message, self.bank.latest_blockhash())
        result = self.bank.send_transaction(tx)
        if result.err is not None:
            raise TransactionFailed(result.err, result.logs, result.signature)
        return SentTransaction(result.signature, result.logs)

    async def request_airdrop(self, key: Pubkey, lamports: int) -> Signature:
        result = self.bank.airdrop(key, lamports)
        if result.err is not None:
            raise TransactionFailed(result.err, result.logs, result.signature)
        return result.signature

    async def close(self) -> None:
        """Nothing to release here; the ledger store is closed by whoever opened it."""
