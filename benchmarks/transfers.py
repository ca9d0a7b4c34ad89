"""The workload the runtime and validator benchmarks share: pre-signed System transfers to 100 recipients."""

from __future__ import annotations

from solders.hash import Hash
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction

__all__ = ["RECIPIENTS", "signed_transfers"]

RECIPIENTS = 100


def signed_transfers(payer: Keypair, blockhash: Hash, count: int) -> list[Transaction]:
    """``count`` transfers from ``payer``, each a distinct amount so no two transactions are alike."""
    recipients = [Pubkey.new_unique() for _ in range(RECIPIENTS)]
    return [
        Transaction.new_signed_with_payer(
            [
                transfer(
                    TransferParams(
                        from_pubkey=payer.pubkey(), to_pubkey=recipients[i % RECIPIENTS], lamports=1_000_000 + i
                    )
                )
            ],
            payer.pubkey(),
            [payer],
            blockhash,
        )
        for i in range(count)
    ]
