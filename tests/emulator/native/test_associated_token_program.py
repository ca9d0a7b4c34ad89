"""The Associated Token Account program through the Bank: creation by CPI, idempotence and its failures."""

from __future__ import annotations

import pytest
import spl.token.instructions as spl
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.token.associated import get_associated_token_address
from solders.transaction_status import InstructionErrorFieldless
from spl.token.constants import TOKEN_PROGRAM_ID

from emulator.constants import ASSOCIATED_TOKEN_PROGRAM_ID, SYSTEM_PROGRAM_ID
from emulator.native.associated_token import AssociatedTokenError, AssociatedTokenInstruction, parse_instruction
from emulator.native.spl_token.state import AccountState, TokenAccount
from tests.emulator.native.token_chain import TokenChain, custom, fieldless

P = TOKEN_PROGRAM_ID
ATA = ASSOCIATED_TOKEN_PROGRAM_ID


@pytest.fixture
def chain() -> TokenChain:
    return TokenChain()


def _create(chain: TokenChain, wallet: Pubkey, mint: Pubkey, idempotent: bool = False) -> Instruction:
    builder = spl.create_idempotent_associated_token_account if idempotent else spl.create_associated_token_account
    return builder(chain.payer.pubkey(), wallet, mint)


def _comparable(logs: list[str]) -> list[str]:
    return [line for line in logs if " consumed " not in line]


def test_create_makes_an_initialized_rent_exempt_account_at_the_derived_address(chain: TokenChain) -> None:
    mint, wallet = chain.new_mint(), Pubkey.new_unique()
    result = chain.ok([_create(chain, wallet, mint)])
    address = get_associated_token_address(wallet, mint)
    stored = chain.bank.get_account(address)
    assert stored is not None
    assert stored.owner == P
    assert stored.lamports == chain.bank.minimum_balance_for_rent_exemption(TokenAccount.LEN)
    assert TokenAccount.unpack(bytes(stored.data)) == TokenAccount(
        mint, wallet, 0, None, AccountState.Initialized, None, 0, None
    )
    # The same frame of CPIs and logs as the real program (LiteSVM), compute lines aside.
    assert _comparable(result.logs) == [
        f"Program {ATA} invoke [1]",
        "Program log: Create",
        f"Program {P} invoke [2]",
        "Program log: Instruction: GetAccountDataSize",
        f"Program return: {P} pQAAAAAAAAA=",
        f"Program {P} success",
        f"Program {SYSTEM_PROGRAM_ID} invoke [2]",
        f"Program {SYSTEM_PROGRAM_ID} success",
        "Program log: Initialize the associated token account",
        f"Program {P} invoke [2]",
        "Program log: Instruction: InitializeImmutableOwner",
        "Program log: Please upgrade to SPL Token 2022 for immutable owner support",
        f"Program {P} success",
        f"Program {P} invoke [2]",
        "Program log: Instruction: InitializeAccount3",
        f"Program {P} success",
        f"Program {ATA} success",
    ]


def test_creating_an_existing_ata_is_illegal_owner(chain: TokenChain) -> None:
    mint, wallet = chain.new_mint(), Pubkey.new_unique()
    chain.ok([_create(chain, wallet, mint)])
    assert chain.send([_create(chain, wallet, mint)]).err == fieldless(InstructionErrorFieldless.IllegalOwner)


def test_create_idempotent_creates_once_then_does_nothing(chain: TokenChain) -> None:
    mint, wallet = chain.new_mint(), Pubkey.new_unique()
    address = get_associated_token_address(wallet, mint)
    chain.ok([_create(chain, wallet, mint, idempotent=True)])
    chain.mint_to(mint, address, 42)
    again = chain.ok([_create(chain, wallet, mint, idempotent=True)])
    assert chain.balance(address) == 42
    assert "Program log: CreateIdempotent" in again.logs


def test_create_idempotent_rejects_an_ata_that_changed_owner(chain: TokenChain) -> None:
    # SPL Token (unlike Token-2022) lets an ATA's owner be reassigned; the ATA then no longer matches.
    mint, wallet = chain.new_mint(), Keypair()
    address = chain.new_ata(mint, wallet.pubkey())
    reassign = spl.set_authority(
        spl.SetAuthorityParams(
            P, address, spl.AuthorityType.ACCOUNT_OWNER, wallet.pubkey(), new_authority=Pubkey.new_unique()
        )
    )
    chain.ok([reassign], wallet)
    result = chain.send([_create(chain, wallet.pubkey(), mint, idempotent=True)])
    assert result.err == custom(AssociatedTokenError.InvalidOwner)
    assert "Program log: Associated token account owner does not match address derivation" in result.logs


def test_a_wrong_address_is_invalid_seeds(chain: TokenChain) -> None:
    mint, wallet = chain.new_mint(), Pubkey.new_unique()
    ix = _create(chain, wallet, mint)
    metas = list(ix.accounts)
    metas[1] = AccountMeta(Pubkey.new_unique(), False, True)
    result = chain.send([Instruction(ATA, bytes(ix.data), metas)])
    assert result.err == fieldless(InstructionErrorFieldless.InvalidSeeds)
    assert "Program log: Error: Associated address does not match seed derivation" in result.logs


def test_a_prefunded_address_is_topped_up_allocated_and_assigned(chain: TokenChain) -> None:
    mint, wallet = chain.new_mint(), Pubkey.new_unique()
    address = get_associated_token_address(wallet, mint)
    gift = transfer(TransferParams(from_pubkey=chain.payer.pubkey(), to_pubkey=address, lamports=1_000_000))
    chain.ok([gift])
    chain.ok([_create(chain, wallet, mint)])
    assert chain.bank.get_balance(address) == chain.bank.minimum_balance_for_rent_exemption(TokenAccount.LEN)
    assert chain.token_account(address).owner == wallet


def test_create_for_an_uninitialized_mint_fails_in_the_token_program(chain: TokenChain) -> None:
    not_a_mint = Pubkey.new_unique()
    result = chain.send([_create(chain, Pubkey.new_unique(), not_a_mint)])
    assert result.err == fieldless(InstructionErrorFieldless.IncorrectProgramId)


@pytest.mark.parametrize("data", [bytes([0, 1]), bytes([3]), bytes([7])])
def test_unknown_instruction_data_is_invalid_instruction_data(chain: TokenChain, data: bytes) -> None:
    mint = chain.new_mint()
    ix = _create(chain, Pubkey.new_unique(), mint)
    result = chain.send([Instruction(ATA, data, list(ix.accounts))])
    assert result.err == fieldless(InstructionErrorFieldless.InvalidInstructionData)


def test_instruction_data_parses_as_borsh_variants() -> None:
    assert parse_instruction(b"") == AssociatedTokenInstruction.Create
    assert parse_instruction(bytes([0])) == AssociatedTokenInstruction.Create
    assert parse_instruction(bytes([2])) == AssociatedTokenInstruction.RecoverNested


def _recover_nested(
    nested: Pubkey, nested_mint: Pubkey, destination: Pubkey, owner_ata: Pubkey, owner_mint: Pubkey, wallet: Pubkey
) -> Instruction:
    # solana-py has no builder for RecoverNested; the account order is the real program's.
    return Instruction(
        ATA,
        bytes([AssociatedTokenInstruction.RecoverNested]),
        [
            AccountMeta(nested, False, True),
            AccountMeta(nested_mint, False, False),
            AccountMeta(destination, False, True),
            AccountMeta(owner_ata, False, False),
            AccountMeta(owner_mint, False, False),
            AccountMeta(wallet, True, True),
            AccountMeta(P, False, False),
        ],
    )


def test_recover_nested_moves_the_tokens_home_and_closes_the_nested_ata(chain: TokenChain) -> None:
    wallet = Keypair()
    owner_mint, nested_mint = chain.new_mint(), chain.new_mint(decimals=2)
    owner_ata = chain.new_ata(owner_mint, wallet.pubkey())
    nested = chain.new_ata(nested_mint, owner_ata)  # an ATA whose wallet is another ATA: tokens stuck there
    destination = chain.new_ata(nested_mint, wallet.pubkey())
    chain.mint_to(nested_mint, nested, 77)
    rent = chain.bank.get_balance(nested)
    before = chain.bank.get_balance(wallet.pubkey())

    ix = _recover_nested(nested, nested_mint, destination, owner_ata, owner_mint, wallet.pubkey())
    chain.ok([ix], wallet)
    assert chain.balance(destination) == 77
    assert chain.bank.get_balance(nested) == 0
    assert chain.bank.get_balance(wallet.pubkey()) == before + rent


def test_recover_nested_needs_the_wallet_signature(chain: TokenChain) -> None:
    wallet = Keypair()
    owner_mint, nested_mint = chain.new_mint(), chain.new_mint()
    owner_ata = chain.new_ata(owner_mint, wallet.pubkey())
    nested = chain.new_ata(nested_mint, owner_ata)
    destination = chain.new_ata(nested_mint, wallet.pubkey())
    ix = _recover_nested(nested, nested_mint, destination, owner_ata, owner_mint, wallet.pubkey())
    unsigned = Instruction(
        ATA, bytes(ix.data), [*ix.accounts[:5], AccountMeta(wallet.pubkey(), False, True), ix.accounts[6]]
    )
    result = chain.send([unsigned])
    assert result.err == fieldless(InstructionErrorFieldless.MissingRequiredSignature)
