"""The JSON-RPC layer over a real bank and SQLite ledger, driven in-process with the bodies solders builds.

Contract tests send exactly what solana-py sends (``solders.rpc.requests.*.to_json()``) and parse
every answer with the solders response type the client would use. The bank's clock is manual, so
slots move only when a test says so.
"""

from __future__ import annotations

import json
from pathlib import Path

from solders.hash import Hash
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, TransferParams, create_account, transfer
from solders.transaction import Transaction
from spl.token.constants import TOKEN_PROGRAM_ID
from spl.token.instructions import (
    InitializeMintParams,
    MintToParams,
    create_associated_token_account,
    get_associated_token_address,
    initialize_mint,
    mint_to,
)

from emulator import Bank
from emulator.constants import LAMPORTS_PER_SOL
from emulator.ledger_sqlite import SqliteLedgerStore
from validator.finality import Finality, FinalityPolicy
from validator.genesis import PROGRAMS
from validator.rpc.context import RpcContext
from validator.rpc.dispatch import handle_body


class RpcHarness:
    def __init__(self, directory: Path, finality: Finality = Finality.INSTANT) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.store = SqliteLedgerStore(directory / "ledger.sqlite3")
        self.bank = Bank(PROGRAMS, ledger=self.store)
        self.ctx = RpcContext(self.bank, self.store, FinalityPolicy(finality))

    def close(self) -> None:
        self.store.close()

    def post(self, body: str) -> str:
        """The response body for a request body, as the server writes it."""
        return json.dumps(handle_body(self.ctx, body))

    def call(self, method: str, *params: object) -> str:
        return self.post(json.dumps({"jsonrpc": "2.0", "id": 0, "method": method, "params": list(params)}))

    def result(self, method: str, *params: object) -> object:
        response = json.loads(self.call(method, *params))
        assert "result" in response, response
        return response["result"]

    def error(self, method: str, *params: object) -> dict[str, object]:
        response = json.loads(self.call(method, *params))
        assert "error" in response, response
        error = response["error"]
        assert isinstance(error, dict)
        return error

    def funded(self, lamports: int = 10 * LAMPORTS_PER_SOL) -> Keypair:
        keypair = Keypair()
        assert self.bank.airdrop(keypair.pubkey(), lamports).err is None
        return keypair

    def transfer_tx(self, payer: Keypair, to: Pubkey, lamports: int, blockhash: Hash | None = None) -> Transaction:
        """A signed System transfer on the latest blockhash (or on ``blockhash``)."""
        ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=to, lamports=lamports))
        recent = blockhash if blockhash is not None else self.bank.latest_blockhash()
        return Transaction.new_signed_with_payer([ix], payer.pubkey(), [payer], recent)

    def create_mint(self, authority: Keypair, decimals: int = 6) -> Pubkey:
        """A mint created and initialized through the bank, as AsyncToken.create_mint does it."""
        mint = Keypair()
        lamports = self.bank.minimum_balance_for_rent_exemption(82)
        ixs = [
            create_account(
                CreateAccountParams(
                    from_pubkey=authority.pubkey(),
                    to_pubkey=mint.pubkey(),
                    lamports=lamports,
                    space=82,
                    owner=TOKEN_PROGRAM_ID,
                )
            ),
            initialize_mint(
                InitializeMintParams(
                    decimals=decimals,
                    program_id=TOKEN_PROGRAM_ID,
                    mint=mint.pubkey(),
                    mint_authority=authority.pubkey(),
                    freeze_authority=None,
                )
            ),
        ]
        tx = Transaction.new_signed_with_payer(
            ixs, authority.pubkey(), [authority, mint], self.bank.latest_blockhash()
        )
        assert self.bank.send_transaction(tx).err is None
        return mint.pubkey()

    def token_account_with(self, authority: Keypair, mint: Pubkey, owner: Pubkey, amount: int) -> Pubkey:
        """``owner``'s associated token account for ``mint``, holding ``amount`` minted by ``authority``."""
        ata = get_associated_token_address(owner, mint)
        ixs = [
            create_associated_token_account(authority.pubkey(), owner, mint),
            mint_to(
                MintToParams(
                    program_id=TOKEN_PROGRAM_ID,
                    mint=mint,
                    dest=ata,
                    mint_authority=authority.pubkey(),
                    amount=amount,
                )
            ),
        ]
        tx = Transaction.new_signed_with_payer(ixs, authority.pubkey(), [authority], self.bank.latest_blockhash())
        assert self.bank.send_transaction(tx).err is None
        return ata
