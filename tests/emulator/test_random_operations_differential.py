"""Random sequences of System and SPL Token operations over ten accounts end identically on both chains.

Amounts are whole SOL so no step lands in LiteSVM's known rent divergence (a zero-data account
left between 0 and the rent-exempt minimum, spec/solana-rpc.md §7.3), and allocate/assign skip
unfunded accounts (LiteSVM keeps zero-lamport accounts that Agave purges). Overdrafts, the data
rules, re-creation of live accounts and re-assignment still occur and must fail the same way.
"""

from __future__ import annotations

import spl.token.instructions as spl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import (
    AllocateParams,
    AssignParams,
    CreateAccountParams,
    TransferParams,
    allocate,
    assign,
    create_account,
    transfer,
)
from spl.token.constants import TOKEN_PROGRAM_ID

from tests.emulator.litesvm_oracle import DualChain
from tests.emulator.test_spl_token_differential import TokenWorld

SOL = 1_000_000_000
ACCOUNTS = 10
OTHER_OWNER = Pubkey.from_string("Stake11111111111111111111111111111111111111")

operation = st.one_of(
    st.tuples(st.just("transfer"), st.integers(0, ACCOUNTS - 1), st.integers(0, ACCOUNTS - 1), st.integers(0, 6)),
    st.tuples(st.just("create"), st.integers(0, ACCOUNTS - 1), st.integers(0, ACCOUNTS - 1), st.integers(0, 300)),
    st.tuples(st.just("allocate"), st.integers(0, ACCOUNTS - 1), st.integers(0, ACCOUNTS - 1), st.integers(0, 64)),
    st.tuples(st.just("assign"), st.integers(0, ACCOUNTS - 1), st.integers(0, ACCOUNTS - 1), st.integers(0, 1)),
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(operation, min_size=150, max_size=250), st.lists(st.integers(0, 4), min_size=ACCOUNTS, max_size=ACCOUNTS)
)
def test_random_system_operations_match_litesvm(
    operations: list[tuple[str, int, int, int]], balances: list[int]
) -> None:
    chain = DualChain()
    fee_payer = chain.new_funded(1_000 * SOL)
    wallets = [Keypair() for _ in range(ACCOUNTS)]
    for wallet, sol in zip(wallets, balances, strict=True):
        if sol:
            chain.fund(wallet.pubkey(), sol * SOL)
    keys = [fee_payer.pubkey(), *(wallet.pubkey() for wallet in wallets)]
    for kind, a, b, amount in operations:
        source, target = wallets[a], wallets[b]
        if kind in ("allocate", "assign") and chain.bank.get_balance(target.pubkey()) == 0:
            # LiteSVM keeps a zero-lamport account that Agave purges (spec §7.3): not a comparable step.
            continue
        if kind == "transfer":
            ix = transfer(
                TransferParams(from_pubkey=source.pubkey(), to_pubkey=target.pubkey(), lamports=amount * SOL)
            )
        elif kind == "create":
            lamports = chain.bank.minimum_balance_for_rent_exemption(amount)
            ix = create_account(
                CreateAccountParams(
                    from_pubkey=source.pubkey(),
                    to_pubkey=target.pubkey(),
                    lamports=lamports,
                    space=amount,
                    owner=OTHER_OWNER,
                )
            )
        elif kind == "allocate":
            ix = allocate(AllocateParams(pubkey=target.pubkey(), space=amount))
        else:
            owner = OTHER_OWNER if amount else Pubkey.default()
            ix = assign(AssignParams(pubkey=target.pubkey(), owner=owner))
        chain.assert_same(chain.sign([ix], fee_payer, source, target), keys)


token_operation = st.tuples(
    st.sampled_from(
        ["mint_to", "transfer", "burn", "approve", "delegate_transfer", "freeze", "thaw", "close", "create"]
    ),
    st.integers(0, ACCOUNTS - 1),
    st.integers(0, ACCOUNTS - 1),
    st.integers(0, 60),
)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(token_operation, min_size=150, max_size=250))
def test_random_token_operations_match_litesvm(operations: list[tuple[str, int, int, int]]) -> None:
    world = TokenWorld()
    wallets = [world.wallet_with_ata()[0] for _ in range(ACCOUNTS)]
    atas = [spl.get_associated_token_address(wallet.pubkey(), world.mint.pubkey()) for wallet in wallets]
    mint, authority = world.mint.pubkey(), world.authority
    for kind, a, b, amount in operations:
        owner, source, target = wallets[a], atas[a], atas[b]
        signers = [owner]
        if kind == "mint_to":
            ix, signers = world.mint_to(source, amount), [authority]
        elif kind == "transfer":
            ix = world.transfer(source, target, owner.pubkey(), amount)
        elif kind == "burn":
            ix = spl.burn(
                spl.BurnParams(
                    program_id=TOKEN_PROGRAM_ID, account=source, mint=mint, owner=owner.pubkey(), amount=amount
                )
            )
        elif kind == "approve":
            ix = spl.approve(
                spl.ApproveParams(
                    program_id=TOKEN_PROGRAM_ID,
                    source=source,
                    delegate=wallets[b].pubkey(),
                    owner=owner.pubkey(),
                    amount=amount,
                )
            )
        elif kind == "delegate_transfer":
            ix, signers = world.transfer(source, target, wallets[b].pubkey(), amount), [wallets[b]]
        elif kind in ("freeze", "thaw"):
            params = dict(program_id=TOKEN_PROGRAM_ID, account=source, mint=mint, authority=authority.pubkey())
            builder = spl.freeze_account if kind == "freeze" else spl.thaw_account
            param_type = spl.FreezeAccountParams if kind == "freeze" else spl.ThawAccountParams
            ix, signers = builder(param_type(**params)), [authority]
        elif kind == "close":
            ix = spl.close_account(
                spl.CloseAccountParams(
                    program_id=TOKEN_PROGRAM_ID, account=source, dest=owner.pubkey(), owner=owner.pubkey()
                )
            )
        else:
            ix, signers = (
                spl.create_idempotent_associated_token_account(world.payer.pubkey(), owner.pubkey(), mint),
                [],
            )
        tx = world.chain.sign([ix], world.payer, *signers)
        world.chain.assert_same(tx, [*atas, *(wallet.pubkey() for wallet in wallets), mint])
