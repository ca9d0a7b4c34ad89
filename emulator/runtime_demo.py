"""`psyche-runtime-demo`: a short tour of the in-process runtime, run by ``make tour``.

Airdrops to two wallets, creates an SPL mint and their associated token accounts, mints, transfers,
and prints the balances and the transaction logs as Solana reports them. Every step is a real
signed solders transaction executed by the embedded runtime.
"""

from __future__ import annotations

import argparse
from typing import Final

import spl.token.instructions as spl
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, create_account
from solders.transaction import Transaction
from spl.token.constants import TOKEN_PROGRAM_ID

from emulator import Bank, TransactionResult
from emulator.constants import LAMPORTS_PER_SOL
from emulator.errors import EmulatorError, transaction_error_json
from emulator.native.spl_token.state import TokenAccount

MINT_SIZE: Final = 82
DECIMALS: Final = 6


class DemoError(EmulatorError):
    """A step of the demo failed; the message names the step and Solana's error."""


def send(
    bank: Bank, step: str, instructions: list[Instruction], payer: Keypair, *signers: Keypair
) -> TransactionResult:
    tx = Transaction.new_signed_with_payer(instructions, payer.pubkey(), [payer, *signers], bank.latest_blockhash())
    result = bank.send_transaction(tx)
    if result.err is not None:
        raise DemoError(f"{step} failed: {transaction_error_json(result.err)}\n" + "\n".join(result.logs))
    print(f"  {step:<40} ok  fee {result.fee} lamports, {result.compute_units_consumed} CU")
    return result


def token_balance(bank: Bank, address: Pubkey) -> float:
    account = bank.get_account(address)
    assert account is not None
    amount: int = TokenAccount.unpack(bytes(account.data)).amount
    return amount / 10**DECIMALS


def run(show_logs: bool) -> None:
    bank = Bank()
    alice, bob, mint = Keypair(), Keypair(), Keypair()
    print("psyche-sim runtime demo: one in-process bank, real signed transactions\n")
    for name, wallet in (("alice", alice), ("bob", bob)):
        result = bank.airdrop(wallet.pubkey(), 2 * LAMPORTS_PER_SOL)
        if result.err is not None:
            raise DemoError(f"airdrop to {name} failed: {transaction_error_json(result.err)}")
        print(f"  airdrop 2 SOL to {name:<24} ok  {wallet.pubkey()}")
    rent = bank.minimum_balance_for_rent_exemption(MINT_SIZE)
    send(
        bank,
        "create mint (6 decimals)",
        [
            create_account(
                CreateAccountParams(
                    from_pubkey=alice.pubkey(),
                    to_pubkey=mint.pubkey(),
                    lamports=rent,
                    space=MINT_SIZE,
                    owner=TOKEN_PROGRAM_ID,
                )
            ),
            spl.initialize_mint(
                spl.InitializeMintParams(
                    decimals=DECIMALS, program_id=TOKEN_PROGRAM_ID, mint=mint.pubkey(), mint_authority=alice.pubkey()
                )
            ),
        ],
        alice,
        mint,
    )
    alice_ata = spl.get_associated_token_address(alice.pubkey(), mint.pubkey())
    bob_ata = spl.get_associated_token_address(bob.pubkey(), mint.pubkey())
    send(
        bank,
        "create alice's and bob's token accounts",
        [
            spl.create_associated_token_account(alice.pubkey(), alice.pubkey(), mint.pubkey()),
            spl.create_associated_token_account(alice.pubkey(), bob.pubkey(), mint.pubkey()),
        ],
        alice,
    )
    send(
        bank,
        "mint 1,000 tokens to alice",
        [
            spl.mint_to(
                spl.MintToParams(
                    program_id=TOKEN_PROGRAM_ID,
                    mint=mint.pubkey(),
                    dest=alice_ata,
                    mint_authority=alice.pubkey(),
                    amount=1_000 * 10**DECIMALS,
                )
            )
        ],
        alice,
    )
    transfer = send(
        bank,
        "alice sends 250 tokens to bob",
        [
            spl.transfer_checked(
                spl.TransferCheckedParams(
                    program_id=TOKEN_PROGRAM_ID,
                    source=alice_ata,
                    mint=mint.pubkey(),
                    dest=bob_ata,
                    owner=alice.pubkey(),
                    amount=250 * 10**DECIMALS,
                    decimals=DECIMALS,
                )
            )
        ],
        alice,
    )
    print("\nbalances")
    for name, wallet, ata in (("alice", alice, alice_ata), ("bob", bob, bob_ata)):
        sol = bank.get_balance(wallet.pubkey()) / LAMPORTS_PER_SOL
        print(f"  {name:<6} {sol:.9f} SOL   {token_balance(bank, ata):>10,.2f} tokens")
    if show_logs:
        print("\nlogs of the transfer, as Solana frames them")
        for line in transfer.logs:
            print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="psyche-runtime-demo", description=__doc__.splitlines()[0].split(": ", 1)[1])
    parser.add_argument("--no-logs", action="store_true", help="do not print the transfer's transaction logs")
    args = parser.parse_args()
    try:
        run(show_logs=not args.no_logs)
    except DemoError as exc:
        raise SystemExit(f"error: {exc}") from exc


if __name__ == "__main__":
    main()
