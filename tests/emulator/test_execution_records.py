"""What execution records for history: the CPIs a transaction made, and its token accounts' balances.

The CPIs of an associated token account creation are compared with LiteSVM, which runs the real
ATA and Token programs: same programs, accounts, data and stack heights, in the same order.
"""

from __future__ import annotations

from solders.keypair import Keypair
from solders.system_program import CreateAccountParams, create_account
from solders.transaction_metadata import TransactionMetadata
from spl.token.constants import TOKEN_PROGRAM_ID
from spl.token.instructions import (
    InitializeMintParams,
    MintToParams,
    TransferParams,
    create_associated_token_account,
    get_associated_token_address,
    initialize_mint,
    mint_to,
    transfer,
)

from emulator.token_balances import TokenBalance
from tests.emulator.litesvm_oracle import DualChain


def _mint(chain: DualChain, authority: Keypair) -> Keypair:
    mint = Keypair()
    rent = chain.bank.minimum_balance_for_rent_exemption(82)
    create = create_account(
        CreateAccountParams(
            from_pubkey=authority.pubkey(), to_pubkey=mint.pubkey(), lamports=rent, space=82, owner=TOKEN_PROGRAM_ID
        )
    )
    init = initialize_mint(InitializeMintParams(6, TOKEN_PROGRAM_ID, mint.pubkey(), authority.pubkey(), None))
    chain.assert_same(chain.sign([create, init], authority, mint), [mint.pubkey()])
    return mint


def test_associated_account_creation_records_the_same_cpis_as_the_real_programs() -> None:
    chain = DualChain()
    payer = chain.new_funded()
    mint = _mint(chain, payer)
    tx = chain.sign([create_associated_token_account(payer.pubkey(), payer.pubkey(), mint.pubkey())], payer)
    ours = chain.bank.send_transaction(tx)
    theirs = chain.svm.send_transaction(tx)
    assert ours.err is None and isinstance(theirs, TransactionMetadata)
    (real,) = theirs.inner_instructions()
    expected = [
        (
            0,
            ix.instruction().program_id_index,
            bytes(ix.instruction().accounts),
            bytes(ix.instruction().data),
            ix.stack_height(),
        )
        for ix in real
    ]
    recorded = [
        (ix.index, ix.program_id_index, ix.accounts, ix.data, ix.stack_height) for ix in ours.inner_instructions
    ]
    assert recorded == expected


def test_a_transaction_without_cpis_records_none() -> None:
    chain = DualChain()
    payer = chain.new_funded()
    mint = _mint(chain, payer)
    record = chain.bank.ledger.signatures_for_address(mint.pubkey(), 1)[0]
    assert record.result.inner_instructions == []
    assert record.pre_token_balances == [] and record.post_token_balances == []


def test_token_balances_before_and_after_a_transfer() -> None:
    chain = DualChain()
    owner, other = chain.new_funded(), Keypair()
    mint = _mint(chain, owner)
    source = get_associated_token_address(owner.pubkey(), mint.pubkey())
    destination = get_associated_token_address(other.pubkey(), mint.pubkey())
    setup = [
        create_associated_token_account(owner.pubkey(), owner.pubkey(), mint.pubkey()),
        create_associated_token_account(owner.pubkey(), other.pubkey(), mint.pubkey()),
        mint_to(MintToParams(TOKEN_PROGRAM_ID, mint.pubkey(), source, owner.pubkey(), 100)),
    ]
    chain.assert_same(chain.sign(setup, owner), [source, destination])
    move = transfer(TransferParams(TOKEN_PROGRAM_ID, source, destination, owner.pubkey(), 30))
    tx = chain.sign([move], owner)
    assert chain.bank.send_transaction(tx).err is None
    record = chain.bank.ledger.transaction(tx.signatures[0])
    assert record is not None
    keys = record.account_keys
    src, dst = keys.index(source), keys.index(destination)

    def by_index(*balances: TokenBalance) -> list[TokenBalance]:  # Agave lists them in account-key order
        return sorted(balances, key=lambda balance: balance.account_index)

    assert record.pre_token_balances == by_index(
        TokenBalance(src, mint.pubkey(), owner.pubkey(), 100, 6),
        TokenBalance(dst, mint.pubkey(), other.pubkey(), 0, 6),
    )
    assert record.post_token_balances == by_index(
        TokenBalance(src, mint.pubkey(), owner.pubkey(), 70, 6),
        TokenBalance(dst, mint.pubkey(), other.pubkey(), 30, 6),
    )
