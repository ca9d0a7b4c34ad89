"""A Bank with the SPL Token and ATA programs, and the few steps every token test repeats."""

from __future__ import annotations

from collections.abc import Sequence

import spl.token.instructions as spl
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, create_account
from solders.transaction import Transaction
from solders.transaction_status import InstructionErrorCustom, InstructionErrorFieldless, TransactionErrorType
from spl.token.constants import TOKEN_PROGRAM_ID

from emulator import Bank, ProgramSpec, TransactionResult
from emulator.errors import instruction_error
from emulator.native.spl_token.state import Mint, TokenAccount

SOL = 1_000_000_000


def custom(code: int, index: int = 0) -> TransactionErrorType:
    return instruction_error(index, InstructionErrorCustom(code))


def fieldless(kind: InstructionErrorFieldless, index: int = 0) -> TransactionErrorType:
    return instruction_error(index, kind)


class TokenChain:
    """A payer-funded bank; each helper sends one transaction and returns its result."""

    def __init__(self, programs: Sequence[ProgramSpec] = ()) -> None:
        self.bank = Bank(programs=programs)
        self.payer = Keypair()
        assert self.bank.airdrop(self.payer.pubkey(), 1_000 * SOL).ok

    def send(self, instructions: Sequence[Instruction], *signers: Keypair) -> TransactionResult:
        self.bank.expire_blockhash()
        message = Message(list(instructions), self.payer.pubkey())
        unique = {bytes(k.pubkey()): k for k in (self.payer, *signers)}
        tx = Transaction(list(unique.values()), message, self.bank.latest_blockhash())
        return self.bank.send_transaction(tx)

    def ok(self, instructions: Sequence[Instruction], *signers: Keypair) -> TransactionResult:
        result = self.send(instructions, *signers)
        assert result.err is None, (result.err, result.logs)
        return result

    def create_account_ix(self, new: Keypair, space: int, lamports: int | None = None) -> Instruction:
        if lamports is None:
            lamports = self.bank.minimum_balance_for_rent_exemption(space)
        return create_account(
            CreateAccountParams(
                from_pubkey=self.payer.pubkey(),
                to_pubkey=new.pubkey(),
                lamports=lamports,
                space=space,
                owner=TOKEN_PROGRAM_ID,
            )
        )

    def new_mint(self, decimals: int = 6, authority: Pubkey | None = None, freeze: Pubkey | None = None) -> Pubkey:
        mint = Keypair()
        init = spl.initialize_mint(
            spl.InitializeMintParams(
                decimals, TOKEN_PROGRAM_ID, mint.pubkey(), authority or self.payer.pubkey(), freeze
            )
        )
        self.ok([self.create_account_ix(mint, Mint.LEN), init], mint)
        return mint.pubkey()

    def new_account(self, mint: Pubkey, owner: Pubkey, lamports: int | None = None) -> Pubkey:
        """A plain (non-associated) token account made with create_account + InitializeAccount."""
        account = Keypair()
        init = spl.initialize_account(spl.InitializeAccountParams(TOKEN_PROGRAM_ID, account.pubkey(), mint, owner))
        self.ok([self.create_account_ix(account, TokenAccount.LEN, lamports), init], account)
        return account.pubkey()

    def new_ata(self, mint: Pubkey, wallet: Pubkey) -> Pubkey:
        self.ok([spl.create_associated_token_account(self.payer.pubkey(), wallet, mint)])
        return spl.get_associated_token_address(wallet, mint)

    def mint_to(self, mint: Pubkey, destination: Pubkey, amount: int) -> None:
        self.ok([spl.mint_to(spl.MintToParams(TOKEN_PROGRAM_ID, mint, destination, self.payer.pubkey(), amount))])

    def token_account(self, address: Pubkey) -> TokenAccount:
        account = self.bank.get_account(address)
        assert account is not None and account.owner == TOKEN_PROGRAM_ID
        return TokenAccount.unpack(bytes(account.data))

    def mint(self, address: Pubkey) -> Mint:
        account = self.bank.get_account(address)
        assert account is not None and account.owner == TOKEN_PROGRAM_ID
        return Mint.unpack(bytes(account.data))

    def balance(self, address: Pubkey) -> int:
        return self.token_account(address).amount
