"""System program transactions give the same results on the emulator as on LiteSVM."""

from __future__ import annotations

from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import (
    AllocateParams,
    AssignParams,
    CreateAccountParams,
    CreateAccountWithSeedParams,
    TransferParams,
    allocate,
    assign,
    create_account,
    create_account_with_seed,
    transfer,
)

from tests.emulator.litesvm_oracle import DualChain

OWNER = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")


def test_transfer_moves_lamports_and_charges_the_fee() -> None:
    chain = DualChain()
    payer = chain.new_funded()
    target = Pubkey.new_unique()
    tx = chain.sign(
        [transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=target, lamports=2_000_000))], payer
    )
    assert chain.assert_same(tx, [payer.pubkey(), target]) is None
    assert chain.bank.get_balance(payer.pubkey()) == 10**10 - 2_000_000 - 5_000


def test_overdraft_fails_with_custom_1_and_still_charges_the_fee() -> None:
    chain = DualChain()
    payer = chain.new_funded(5_000_000)
    target = Pubkey.new_unique()
    tx = chain.sign([transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=target, lamports=10**12))], payer)
    assert chain.assert_same(tx, [payer.pubkey(), target]) == '{"InstructionError":[0,{"Custom":1}]}'
    assert chain.bank.get_balance(payer.pubkey()) == 5_000_000 - 5_000


def test_create_account_allocates_assigns_and_funds() -> None:
    chain = DualChain()
    payer, new = chain.new_funded(), Keypair()
    ix = create_account(
        CreateAccountParams(
            from_pubkey=payer.pubkey(),
            to_pubkey=new.pubkey(),
            lamports=chain.bank.minimum_balance_for_rent_exemption(82),
            space=82,
            owner=OWNER,
        )
    )
    assert chain.assert_same(chain.sign([ix], payer, new), [payer.pubkey(), new.pubkey()]) is None


def test_create_account_under_rent_minimum_fails_for_rent() -> None:
    chain = DualChain()
    payer, new = chain.new_funded(), Keypair()
    ix = create_account(
        CreateAccountParams(from_pubkey=payer.pubkey(), to_pubkey=new.pubkey(), lamports=1_000, space=82, owner=OWNER)
    )
    assert chain.assert_same(chain.sign([ix], payer, new), [payer.pubkey(), new.pubkey()]) == (
        '{"InsufficientFundsForRent":{"account_index":1}}'
    )


def test_create_account_on_an_account_in_use_fails() -> None:
    chain = DualChain()
    payer, new = chain.new_funded(), Keypair()
    chain.fund(new.pubkey(), 10**9)
    ix = create_account(
        CreateAccountParams(from_pubkey=payer.pubkey(), to_pubkey=new.pubkey(), lamports=10**9, space=0, owner=OWNER)
    )
    assert chain.assert_same(chain.sign([ix], payer, new), [payer.pubkey(), new.pubkey()]) == (
        '{"InstructionError":[0,{"Custom":0}]}'
    )


def test_create_account_with_seed_derives_the_address() -> None:
    chain = DualChain()
    payer = chain.new_funded()
    address = Pubkey.create_with_seed(payer.pubkey(), "vault", OWNER)
    ix = create_account_with_seed(
        CreateAccountWithSeedParams(
            from_pubkey=payer.pubkey(),
            to_pubkey=address,
            base=payer.pubkey(),
            seed="vault",
            lamports=10**9,
            space=10,
            owner=OWNER,
        )
    )
    assert chain.assert_same(chain.sign([ix], payer), [payer.pubkey(), address]) is None


def test_create_account_with_a_wrong_seed_address_fails() -> None:
    chain = DualChain()
    payer = chain.new_funded()
    wrong = Pubkey.new_unique()
    ix = create_account_with_seed(
        CreateAccountWithSeedParams(
            from_pubkey=payer.pubkey(),
            to_pubkey=wrong,
            base=payer.pubkey(),
            seed="vault",
            lamports=10**9,
            space=10,
            owner=OWNER,
        )
    )
    assert chain.assert_same(chain.sign([ix], payer), [payer.pubkey(), wrong], logs=False) == (
        '{"InstructionError":[0,{"Custom":5}]}'
    )


def test_allocate_and_assign_in_one_transaction() -> None:
    chain = DualChain()
    payer, account = chain.new_funded(), chain.new_funded(10**9)
    ixs = [
        allocate(AllocateParams(pubkey=account.pubkey(), space=64)),
        assign(AssignParams(pubkey=account.pubkey(), owner=OWNER)),
    ]
    assert chain.assert_same(chain.sign(ixs, payer, account), [payer.pubkey(), account.pubkey()]) is None


def test_transfer_from_an_account_with_data_is_rejected() -> None:
    chain = DualChain()
    payer, account = chain.new_funded(), chain.new_funded(10**9)
    chain.assert_same(
        chain.sign([allocate(AllocateParams(pubkey=account.pubkey(), space=8))], payer, account), [account.pubkey()]
    )
    tx = chain.sign(
        [transfer(TransferParams(from_pubkey=account.pubkey(), to_pubkey=payer.pubkey(), lamports=1))], payer, account
    )
    assert chain.assert_same(tx, [payer.pubkey(), account.pubkey()]) == '{"InstructionError":[0,"InvalidArgument"]}'


def test_missing_signature_on_transfer_source_fails() -> None:
    chain = DualChain()
    payer, source = chain.new_funded(), chain.new_funded()
    ix = transfer(TransferParams(from_pubkey=source.pubkey(), to_pubkey=payer.pubkey(), lamports=10**9))
    # A transaction cannot omit a required signer, so the instruction's signer flag is cleared instead.
    metas = list(ix.accounts)
    from solders.instruction import AccountMeta, Instruction

    unsigned = Instruction(ix.program_id, ix.data, [AccountMeta(metas[0].pubkey, False, True), metas[1]])
    assert chain.assert_same(chain.sign([unsigned], payer), [payer.pubkey(), source.pubkey()]) == (
        '{"InstructionError":[0,"MissingRequiredSignature"]}'
    )


def test_unfunded_fee_payer_is_rejected_without_a_fee() -> None:
    chain = DualChain()
    payer = Keypair()
    tx = chain.sign(
        [transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=Pubkey.new_unique(), lamports=1))], payer
    )
    assert chain.assert_same(tx, [payer.pubkey()]) == '"AccountNotFound"'
