"""Replays the same signed transactions on the emulator and on LiteSVM and compares what matters.

LiteSVM is a real Solana VM with the real SPL programs. Its known divergences from Agave
(spec/solana-rpc.md §7.3) are normalised here: its blockhash check is off (transactions carry the
emulator's blockhash), zero-lamport accounts count as absent, and compute units are not compared.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from solders.account import Account
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import Transaction, VersionedTransaction
from solders.transaction_metadata import FailedTransactionMetadata

from emulator import Bank
from emulator.errors import transaction_error_json


@dataclass(frozen=True)
class Outcome:
    err: str | None
    logs: tuple[str, ...]


def _comparable_logs(logs: Iterable[str]) -> tuple[str, ...]:
    return tuple(line for line in logs if " consumed " not in line)


class DualChain:
    """An emulator bank and a LiteSVM side by side, fed the same transactions."""

    def __init__(self) -> None:
        self.bank = Bank()
        self.svm = LiteSVM().with_blockhash_check(False)

    def fund(self, pubkey: Pubkey, lamports: int) -> None:
        """Give both chains the same starting balance for a system account."""
        account = Account(lamports, b"", Pubkey.default(), False, 0)
        self.bank.set_account(pubkey, account)
        self.svm.set_account(pubkey, account)

    def new_funded(self, lamports: int = 10**10) -> Keypair:
        keypair = Keypair()
        self.fund(keypair.pubkey(), lamports)
        return keypair

    def sign(self, instructions: list[Instruction], payer: Keypair, *signers: Keypair) -> Transaction:
        """Sign with whichever of ``payer`` and ``signers`` the message needs."""
        message = Message.new_with_blockhash(instructions, payer.pubkey(), self.bank.latest_blockhash())
        by_key = {signer.pubkey(): signer for signer in (payer, *signers)}
        needed = [by_key[key] for key in message.account_keys[: message.header.num_required_signatures]]
        return Transaction(needed, message, self.bank.latest_blockhash())

    def send(self, tx: Transaction | VersionedTransaction) -> tuple[Outcome, Outcome]:
        ours = self.bank.send_transaction(tx)
        theirs = self.svm.send_transaction(tx)
        our_outcome = Outcome(
            None if ours.err is None else transaction_error_json(ours.err), _comparable_logs(ours.logs)
        )
        if isinstance(theirs, FailedTransactionMetadata):
            their_outcome = Outcome(transaction_error_json(theirs.err()), _comparable_logs(theirs.meta().logs()))
        else:
            their_outcome = Outcome(None, _comparable_logs(theirs.logs()))
        # New blockhash per step so equal transactions are not duplicates on one side only.
        self.bank.expire_blockhash()
        self.svm.expire_blockhash()
        return our_outcome, their_outcome

    def account_pair(self, pubkey: Pubkey) -> tuple[tuple | None, tuple | None]:
        return _normalised(self.bank.get_account(pubkey)), _normalised(self.svm.get_account(pubkey))

    def assert_same(
        self, tx: Transaction | VersionedTransaction, keys: Iterable[Pubkey], *, logs: bool = True
    ) -> str | None:
        """Send ``tx`` to both; assert equal errors, logs and accounts; return the error JSON (or None)."""
        ours, theirs = self.send(tx)
        assert ours.err == theirs.err, (ours, theirs)
        if logs:
            assert ours.logs == theirs.logs, (ours.logs, theirs.logs)
        for key in keys:
            mine, other = self.account_pair(key)
            assert mine == other, (key, mine, other)
        return ours.err


def _normalised(account: Account | None) -> tuple | None:
    if account is None or account.lamports == 0:
        return None
    return (account.lamports, bytes(account.data), account.owner, account.executable)
