"""The SPL Token program through the Bank: full flows and the real program's failures, codes and logs."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import spl.token.instructions as spl
from solders.account import Account
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import TransferParams as SystemTransferParams
from solders.system_program import transfer as system_transfer
from solders.sysvar import CLOCK
from solders.transaction_status import InstructionErrorFieldless
from spl.token.constants import TOKEN_PROGRAM_ID, WRAPPED_SOL_MINT

from emulator.constants import SYSTEM_PROGRAM_ID
from emulator.native.spl_token import TokenError
from emulator.native.spl_token.state import INCINERATOR_ID, AccountState, Mint, Multisig, TokenAccount
from tests.emulator.native.token_chain import SOL, TokenChain, custom, fieldless

P = TOKEN_PROGRAM_ID


@dataclass
class Funded:
    """A 6-decimal mint (authority: the payer; freeze authority: ``freezer``), Alice holding 1000, Bob 0."""

    chain: TokenChain
    mint: Pubkey
    freezer: Keypair
    alice: Keypair
    bob: Keypair
    alice_ata: Pubkey
    bob_ata: Pubkey


@pytest.fixture
def chain() -> TokenChain:
    return TokenChain()


@pytest.fixture
def funded(chain: TokenChain) -> Funded:
    freezer, alice, bob = Keypair(), Keypair(), Keypair()
    mint = chain.new_mint(decimals=6, freeze=freezer.pubkey())
    alice_ata = chain.new_ata(mint, alice.pubkey())
    bob_ata = chain.new_ata(mint, bob.pubkey())
    chain.mint_to(mint, alice_ata, 1000)
    return Funded(chain, mint, freezer, alice, bob, alice_ata, bob_ata)


def _transfer(f: Funded, amount: int, authority: Keypair | None = None) -> Instruction:
    owner = authority or f.alice
    return spl.transfer(spl.TransferParams(P, f.alice_ata, f.bob_ata, owner.pubkey(), amount))


def _unsigned(ix: Instruction, key: Pubkey) -> Instruction:
    """The same instruction with ``key`` demoted to a non-signer."""
    metas = [AccountMeta(m.pubkey, False, m.is_writable) if m.pubkey == key else m for m in ix.accounts]
    return Instruction(ix.program_id, bytes(ix.data), metas)


# --- mints and accounts --------------------------------------------------------------------------


def test_initialize_mint_writes_the_mint(chain: TokenChain) -> None:
    freezer = Pubkey.new_unique()
    mint = chain.new_mint(decimals=9, freeze=freezer)
    assert chain.mint(mint) == Mint(chain.payer.pubkey(), 0, 9, True, freezer)


def test_initialize_mint_logs_the_instruction_name(chain: TokenChain) -> None:
    mint = Keypair()
    init = spl.initialize_mint(spl.InitializeMintParams(0, P, mint.pubkey(), chain.payer.pubkey()))
    result = chain.ok([chain.create_account_ix(mint, Mint.LEN), init], mint)
    assert result.logs[2:4] == [f"Program {P} invoke [1]", "Program log: Instruction: InitializeMint"]


def test_initializing_a_mint_twice_is_already_in_use(chain: TokenChain) -> None:
    mint = chain.new_mint()
    again = spl.initialize_mint(spl.InitializeMintParams(6, P, mint, chain.payer.pubkey()))
    result = chain.send([again])
    assert result.err == custom(TokenError.AlreadyInUse)
    assert "Program log: Error: account or token already in use" in result.logs


def test_mint_below_rent_exemption_is_not_rent_exempt(chain: TokenChain) -> None:
    mint = Keypair()
    short = chain.bank.minimum_balance_for_rent_exemption(Mint.LEN) - 1
    init = spl.initialize_mint(spl.InitializeMintParams(6, P, mint.pubkey(), chain.payer.pubkey()))
    result = chain.send([chain.create_account_ix(mint, Mint.LEN, short), init], mint)
    assert result.err == custom(TokenError.NotRentExempt, index=1)


def test_initialize_mint_needs_the_real_rent_sysvar(chain: TokenChain) -> None:
    mint = Keypair()
    init = spl.initialize_mint(spl.InitializeMintParams(6, P, mint.pubkey(), chain.payer.pubkey()))
    wrong_rent = Instruction(P, bytes(init.data), [init.accounts[0], AccountMeta(CLOCK, False, False)])
    result = chain.send([chain.create_account_ix(mint, Mint.LEN), wrong_rent], mint)
    assert result.err == fieldless(InstructionErrorFieldless.InvalidArgument, index=1)
    assert "Program log: Error: InvalidArgument" in result.logs


def test_initialize_account_starts_empty_and_owned(chain: TokenChain) -> None:
    mint = chain.new_mint()
    owner = Pubkey.new_unique()
    account = chain.new_account(mint, owner)
    assert chain.token_account(account) == TokenAccount(mint, owner, 0, None, AccountState.Initialized, None, 0, None)


def test_initialize_account_rejects_an_uninitialized_mint(chain: TokenChain) -> None:
    mint, account = Keypair(), Keypair()
    init = spl.initialize_account(spl.InitializeAccountParams(P, account.pubkey(), mint.pubkey(), Pubkey.new_unique()))
    create_mint = chain.create_account_ix(mint, Mint.LEN)
    create_account = chain.create_account_ix(account, TokenAccount.LEN)
    result = chain.send([create_mint, create_account, init], mint, account)
    assert result.err == custom(TokenError.InvalidMint, index=2)


def test_initialize_account_rejects_a_mint_the_program_does_not_own(chain: TokenChain) -> None:
    account = Keypair()
    not_a_mint = chain.payer.pubkey()
    init = spl.initialize_account(spl.InitializeAccountParams(P, account.pubkey(), not_a_mint, Pubkey.new_unique()))
    result = chain.send([chain.create_account_ix(account, TokenAccount.LEN), init], account)
    assert result.err == fieldless(InstructionErrorFieldless.IncorrectProgramId, index=1)


def test_missing_accounts_are_not_enough_account_keys(funded: Funded) -> None:
    short = Instruction(P, bytes(_transfer(funded, 1).data), [AccountMeta(funded.alice_ata, False, True)])
    result = funded.chain.send([short])
    assert result.err == fieldless(InstructionErrorFieldless.NotEnoughAccountKeys)
    assert result.logs[-3] == "Program log: Error: NotEnoughAccountKeys"


def test_unknown_instruction_is_invalid_instruction(chain: TokenChain) -> None:
    result = chain.send([Instruction(P, bytes([99]), [])])
    assert result.err == custom(TokenError.InvalidInstruction)
    assert "Program log: Error: Invalid instruction" in result.logs


# --- minting -------------------------------------------------------------------------------------


def test_mint_to_credits_the_account_and_the_supply(funded: Funded) -> None:
    funded.chain.mint_to(funded.mint, funded.bob_ata, 250)
    assert funded.chain.balance(funded.bob_ata) == 250
    assert funded.chain.mint(funded.mint).supply == 1250


def test_mint_to_by_another_signer_is_owner_mismatch(funded: Funded) -> None:
    ix = spl.mint_to(spl.MintToParams(P, funded.mint, funded.bob_ata, funded.bob.pubkey(), 1))
    result = funded.chain.send([ix], funded.bob)
    assert result.err == custom(TokenError.OwnerMismatch)
    assert "Program log: Error: owner does not match" in result.logs


def test_mint_to_without_the_authority_signature_is_missing_signature(funded: Funded) -> None:
    authority = Keypair()
    mint = funded.chain.new_mint(authority=authority.pubkey())
    account = funded.chain.new_account(mint, funded.bob.pubkey())
    ix = spl.mint_to(spl.MintToParams(P, mint, account, authority.pubkey(), 1))
    result = funded.chain.send([_unsigned(ix, authority.pubkey())])
    assert result.err == fieldless(InstructionErrorFieldless.MissingRequiredSignature)
    assert "Program log: Error: MissingRequiredSignature" in result.logs


def test_mint_to_past_u64_is_overflow(funded: Funded) -> None:
    ix = spl.mint_to(spl.MintToParams(P, funded.mint, funded.bob_ata, funded.chain.payer.pubkey(), 2**64 - 1))
    assert funded.chain.send([ix]).err == custom(TokenError.Overflow)


def test_mint_to_checked_enforces_decimals(funded: Funded) -> None:
    payer = funded.chain.payer.pubkey()
    wrong = spl.mint_to_checked(spl.MintToCheckedParams(P, funded.mint, funded.bob_ata, payer, 5, 9))
    assert funded.chain.send([wrong]).err == custom(TokenError.MintDecimalsMismatch)
    right = spl.mint_to_checked(spl.MintToCheckedParams(P, funded.mint, funded.bob_ata, payer, 5, 6))
    funded.chain.ok([right])
    assert funded.chain.balance(funded.bob_ata) == 5


def test_mint_to_an_account_of_another_mint_is_mint_mismatch(funded: Funded) -> None:
    other = funded.chain.new_mint()
    ix = spl.mint_to(spl.MintToParams(P, other, funded.bob_ata, funded.chain.payer.pubkey(), 1))
    assert funded.chain.send([ix]).err == custom(TokenError.MintMismatch)


# --- transfers -----------------------------------------------------------------------------------


def test_transfer_moves_tokens_and_logs_its_name(funded: Funded) -> None:
    result = funded.chain.ok([_transfer(funded, 250)], funded.alice)
    assert (funded.chain.balance(funded.alice_ata), funded.chain.balance(funded.bob_ata)) == (750, 250)
    assert "Program log: Instruction: Transfer" in result.logs


def test_overdraft_is_insufficient_funds_and_changes_nothing(funded: Funded) -> None:
    result = funded.chain.send([_transfer(funded, 1001)], funded.alice)
    assert result.err == custom(TokenError.InsufficientFunds)
    assert result.logs[-3:-2] == ["Program log: Error: insufficient funds"]
    assert result.logs[-1] == f"Program {P} failed: custom program error: 0x1"
    assert funded.chain.balance(funded.alice_ata) == 1000


def test_transfer_signed_by_a_stranger_is_owner_mismatch(funded: Funded) -> None:
    result = funded.chain.send([_transfer(funded, 1, authority=funded.bob)], funded.bob)
    assert result.err == custom(TokenError.OwnerMismatch)


def test_transfer_without_the_owner_signature_is_missing_signature(funded: Funded) -> None:
    result = funded.chain.send([_unsigned(_transfer(funded, 1), funded.alice.pubkey())])
    assert result.err == fieldless(InstructionErrorFieldless.MissingRequiredSignature)


def test_transfer_between_mints_is_mint_mismatch(funded: Funded) -> None:
    other_account = funded.chain.new_account(funded.chain.new_mint(), funded.bob.pubkey())
    ix = spl.transfer(spl.TransferParams(P, funded.alice_ata, other_account, funded.alice.pubkey(), 1))
    assert funded.chain.send([ix], funded.alice).err == custom(TokenError.MintMismatch)


def test_self_transfer_is_validated_but_changes_nothing(funded: Funded) -> None:
    to_self = spl.transfer(spl.TransferParams(P, funded.alice_ata, funded.alice_ata, funded.alice.pubkey(), 10))
    funded.chain.ok([to_self], funded.alice)
    assert funded.chain.balance(funded.alice_ata) == 1000
    too_much = spl.transfer(spl.TransferParams(P, funded.alice_ata, funded.alice_ata, funded.alice.pubkey(), 1001))
    assert funded.chain.send([too_much], funded.alice).err == custom(TokenError.InsufficientFunds)


def test_transfer_checked_checks_mint_and_decimals(funded: Funded) -> None:
    def checked(mint: Pubkey, decimals: int) -> Instruction:
        params = spl.TransferCheckedParams(
            P, funded.alice_ata, mint, funded.bob_ata, funded.alice.pubkey(), 7, decimals
        )
        return spl.transfer_checked(params)

    assert funded.chain.send([checked(funded.mint, 2)], funded.alice).err == custom(TokenError.MintDecimalsMismatch)
    other = funded.chain.new_mint()
    assert funded.chain.send([checked(other, 6)], funded.alice).err == custom(TokenError.MintMismatch)
    funded.chain.ok([checked(funded.mint, 6)], funded.alice)
    assert funded.chain.balance(funded.bob_ata) == 7


def test_transfer_into_an_account_the_program_does_not_own_is_rejected_by_the_runtime(funded: Funded) -> None:
    # Bytes of a valid token account, but held by the System program: the program writes, the runtime refuses.
    fake = Pubkey.new_unique()
    funded.chain.bank.set_account(
        fake, Account(SOL, _account_bytes(funded, funded.bob_ata), SYSTEM_PROGRAM_ID, False, 0)
    )
    ix = spl.transfer(spl.TransferParams(P, funded.alice_ata, fake, funded.alice.pubkey(), 5))
    result = funded.chain.send([ix], funded.alice)
    assert result.err == fieldless(InstructionErrorFieldless.ExternalAccountDataModified)


def _account_bytes(funded: Funded, address: Pubkey) -> bytes:
    account = funded.chain.bank.get_account(address)
    assert account is not None
    return bytes(account.data)


# --- delegation ----------------------------------------------------------------------------------


def _approve(f: Funded, amount: int) -> Instruction:
    return spl.approve(spl.ApproveParams(P, f.alice_ata, f.bob.pubkey(), f.alice.pubkey(), amount))


def test_delegate_spends_within_its_allowance(funded: Funded) -> None:
    funded.chain.ok([_approve(funded, 300)], funded.alice)
    funded.chain.ok([_transfer(funded, 100, authority=funded.bob)], funded.bob)
    account = funded.chain.token_account(funded.alice_ata)
    assert (account.amount, account.delegate, account.delegated_amount) == (900, funded.bob.pubkey(), 200)
    over = funded.chain.send([_transfer(funded, 201, authority=funded.bob)], funded.bob)
    assert over.err == custom(TokenError.InsufficientFunds)


def test_spending_the_whole_allowance_clears_the_delegate(funded: Funded) -> None:
    funded.chain.ok([_approve(funded, 50)], funded.alice)
    funded.chain.ok([_transfer(funded, 50, authority=funded.bob)], funded.bob)
    account = funded.chain.token_account(funded.alice_ata)
    assert (account.delegate, account.delegated_amount) == (None, 0)


def test_revoke_ends_the_delegation(funded: Funded) -> None:
    funded.chain.ok([_approve(funded, 50)], funded.alice)
    funded.chain.ok([spl.revoke(spl.RevokeParams(P, funded.alice_ata, funded.alice.pubkey()))], funded.alice)
    account = funded.chain.token_account(funded.alice_ata)
    assert (account.delegate, account.delegated_amount) == (None, 0)
    # The former delegate is now just a stranger.
    result = funded.chain.send([_transfer(funded, 1, authority=funded.bob)], funded.bob)
    assert result.err == custom(TokenError.OwnerMismatch)


def test_revoke_leaves_the_old_delegate_bytes_behind_the_none_tag(funded: Funded) -> None:
    funded.chain.ok([_approve(funded, 50)], funded.alice)
    funded.chain.ok([spl.revoke(spl.RevokeParams(P, funded.alice_ata, funded.alice.pubkey()))], funded.alice)
    data = _account_bytes(funded, funded.alice_ata)
    assert data[72:76] == bytes(4) and data[76:108] == bytes(funded.bob.pubkey())


def test_approve_checked_checks_decimals(funded: Funded) -> None:
    params = spl.ApproveCheckedParams(
        P, funded.alice_ata, funded.mint, funded.bob.pubkey(), funded.alice.pubkey(), 1, 0
    )
    assert funded.chain.send([spl.approve_checked(params)], funded.alice).err == custom(
        TokenError.MintDecimalsMismatch
    )


# --- burning -------------------------------------------------------------------------------------


def test_burn_reduces_balance_and_supply(funded: Funded) -> None:
    ix = spl.burn(spl.BurnParams(P, funded.alice_ata, funded.mint, funded.alice.pubkey(), 400))
    funded.chain.ok([ix], funded.alice)
    assert funded.chain.balance(funded.alice_ata) == 600
    assert funded.chain.mint(funded.mint).supply == 600


def test_burn_checked_and_overdraw(funded: Funded) -> None:
    def burn(amount: int, decimals: int) -> Instruction:
        params = spl.BurnCheckedParams(P, funded.mint, funded.alice_ata, funded.alice.pubkey(), amount, decimals)
        return spl.burn_checked(params)

    assert funded.chain.send([burn(1, 5)], funded.alice).err == custom(TokenError.MintDecimalsMismatch)
    assert funded.chain.send([burn(1001, 6)], funded.alice).err == custom(TokenError.InsufficientFunds)
    funded.chain.ok([burn(1000, 6)], funded.alice)
    assert funded.chain.mint(funded.mint).supply == 0


def test_anyone_may_burn_tokens_held_for_the_system_program(funded: Funded) -> None:
    unspendable = funded.chain.new_account(funded.mint, SYSTEM_PROGRAM_ID)
    funded.chain.mint_to(funded.mint, unspendable, 10)
    ix = spl.burn(spl.BurnParams(P, unspendable, funded.mint, funded.bob.pubkey(), 10))
    funded.chain.ok([ix], funded.bob)
    assert funded.chain.balance(unspendable) == 0


# --- freezing ------------------------------------------------------------------------------------


def _freeze(f: Funded, thaw: bool = False) -> Instruction:
    if thaw:
        return spl.thaw_account(spl.ThawAccountParams(P, f.alice_ata, f.mint, f.freezer.pubkey()))
    return spl.freeze_account(spl.FreezeAccountParams(P, f.alice_ata, f.mint, f.freezer.pubkey()))


def test_frozen_account_cannot_move_tokens_until_thawed(funded: Funded) -> None:
    funded.chain.ok([_freeze(funded)], funded.freezer)
    assert funded.chain.token_account(funded.alice_ata).state == AccountState.Frozen
    result = funded.chain.send([_transfer(funded, 1)], funded.alice)
    assert result.err == custom(TokenError.AccountFrozen)
    assert "Program log: Error: Account is frozen" in result.logs
    # Tokens cannot be sent *to* a frozen account either.
    to_frozen = spl.transfer(spl.TransferParams(P, funded.bob_ata, funded.alice_ata, funded.bob.pubkey(), 0))
    assert funded.chain.send([to_frozen], funded.bob).err == custom(TokenError.AccountFrozen)
    funded.chain.ok([_freeze(funded, thaw=True)], funded.freezer)
    funded.chain.ok([_transfer(funded, 1)], funded.alice)


def test_freezing_twice_or_thawing_a_live_account_is_invalid_state(funded: Funded) -> None:
    assert funded.chain.send([_freeze(funded, thaw=True)], funded.freezer).err == custom(TokenError.InvalidState)
    funded.chain.ok([_freeze(funded)], funded.freezer)
    assert funded.chain.send([_freeze(funded)], funded.freezer).err == custom(TokenError.InvalidState)


def test_mint_without_freeze_authority_cannot_freeze(chain: TokenChain) -> None:
    mint = chain.new_mint()
    account = chain.new_account(mint, chain.payer.pubkey())
    ix = spl.freeze_account(spl.FreezeAccountParams(P, account, mint, chain.payer.pubkey()))
    assert chain.send([ix]).err == custom(TokenError.MintCannotFreeze)


# --- closing -------------------------------------------------------------------------------------


def _close(f: Funded, destination: Pubkey, authority: Keypair | None = None) -> Instruction:
    owner = authority or f.alice
    return spl.close_account(spl.CloseAccountParams(P, f.alice_ata, destination, owner.pubkey()))


def test_closing_an_account_with_tokens_is_non_native_has_balance(funded: Funded) -> None:
    result = funded.chain.send([_close(funded, funded.alice.pubkey())], funded.alice)
    assert result.err == custom(TokenError.NonNativeHasBalance)


def test_close_returns_the_rent_and_deletes_the_account(funded: Funded) -> None:
    chain = funded.chain
    burn = spl.burn(spl.BurnParams(P, funded.alice_ata, funded.mint, funded.alice.pubkey(), 1000))
    rent = chain.bank.get_balance(funded.alice_ata)
    before = chain.bank.get_balance(funded.bob.pubkey())
    chain.ok([burn, _close(funded, funded.bob.pubkey())], funded.alice)
    assert chain.bank.get_balance(funded.bob.pubkey()) == before + rent
    closed = chain.bank.get_account(funded.alice_ata)
    assert closed is None or (closed.lamports, bytes(closed.data), closed.owner) == (0, b"", SYSTEM_PROGRAM_ID)


def test_closing_into_itself_is_invalid_account_data(funded: Funded) -> None:
    result = funded.chain.send([_close(funded, funded.alice_ata)], funded.alice)
    assert result.err == fieldless(InstructionErrorFieldless.InvalidAccountData)


def test_close_authority_replaces_the_owner_for_closing(funded: Funded) -> None:
    chain = funded.chain
    closer = Keypair()
    set_closer = spl.set_authority(
        spl.SetAuthorityParams(
            P, funded.alice_ata, spl.AuthorityType.CLOSE_ACCOUNT, funded.alice.pubkey(), new_authority=closer.pubkey()
        )
    )
    burn = spl.burn(spl.BurnParams(P, funded.alice_ata, funded.mint, funded.alice.pubkey(), 1000))
    chain.ok([set_closer, burn], funded.alice)
    assert chain.send([_close(funded, funded.bob.pubkey())], funded.alice).err == custom(TokenError.OwnerMismatch)
    chain.ok([_close(funded, funded.bob.pubkey(), authority=closer)], closer)


def test_a_system_owned_token_account_closes_only_into_the_incinerator(funded: Funded) -> None:
    chain = funded.chain
    unspendable = chain.new_account(funded.mint, SYSTEM_PROGRAM_ID)

    def close_to(destination: Pubkey) -> Instruction:
        return spl.close_account(spl.CloseAccountParams(P, unspendable, destination, funded.bob.pubkey()))

    assert chain.send([close_to(funded.bob.pubkey())], funded.bob).err == fieldless(
        InstructionErrorFieldless.InvalidAccountData
    )
    chain.bank.airdrop(INCINERATOR_ID, SOL)
    chain.ok([close_to(INCINERATOR_ID)], funded.bob)


# --- authorities ---------------------------------------------------------------------------------


def _set_authority(
    target: Pubkey, kind: spl.AuthorityType, current: Keypair, new: Pubkey | None
) -> tuple[Instruction, Keypair]:
    params = spl.SetAuthorityParams(P, target, kind, current.pubkey(), new_authority=new)
    return spl.set_authority(params), current


def test_new_owner_controls_the_account_and_the_delegation_is_dropped(funded: Funded) -> None:
    chain = funded.chain
    chain.ok([_approve(funded, 10)], funded.alice)
    ix, signer = _set_authority(funded.alice_ata, spl.AuthorityType.ACCOUNT_OWNER, funded.alice, funded.bob.pubkey())
    chain.ok([ix], signer)
    account = chain.token_account(funded.alice_ata)
    assert (account.owner, account.delegate, account.delegated_amount) == (funded.bob.pubkey(), None, 0)
    assert chain.send([_transfer(funded, 1)], funded.alice).err == custom(TokenError.OwnerMismatch)
    chain.ok([_transfer(funded, 1, authority=funded.bob)], funded.bob)


def test_an_account_owner_cannot_be_removed(funded: Funded) -> None:
    ix, signer = _set_authority(funded.alice_ata, spl.AuthorityType.ACCOUNT_OWNER, funded.alice, None)
    assert funded.chain.send([ix], signer).err == custom(TokenError.InvalidInstruction)


def test_mint_authorities_do_not_apply_to_accounts_and_vice_versa(funded: Funded) -> None:
    ix, signer = _set_authority(funded.alice_ata, spl.AuthorityType.MINT_TOKENS, funded.alice, None)
    assert funded.chain.send([ix], signer).err == custom(TokenError.AuthorityTypeNotSupported)
    payer = Keypair.from_bytes(bytes(funded.chain.payer))
    ix, _ = _set_authority(funded.mint, spl.AuthorityType.ACCOUNT_OWNER, payer, None)
    assert funded.chain.send([ix]).err == custom(TokenError.AuthorityTypeNotSupported)


def test_removing_the_mint_authority_fixes_the_supply_for_good(funded: Funded) -> None:
    chain = funded.chain
    ix, _ = _set_authority(funded.mint, spl.AuthorityType.MINT_TOKENS, chain.payer, None)
    chain.ok([ix])
    assert chain.mint(funded.mint).mint_authority is None
    mint_more = spl.mint_to(spl.MintToParams(P, funded.mint, funded.bob_ata, chain.payer.pubkey(), 1))
    assert chain.send([mint_more]).err == custom(TokenError.FixedSupply)
    assert chain.send([ix]).err == custom(TokenError.FixedSupply)


def test_freeze_authority_can_be_handed_over_or_removed(funded: Funded) -> None:
    chain = funded.chain
    successor = Keypair()
    ix, signer = _set_authority(funded.mint, spl.AuthorityType.FREEZE_ACCOUNT, funded.freezer, successor.pubkey())
    chain.ok([ix], signer)
    assert chain.mint(funded.mint).freeze_authority == successor.pubkey()
    ix, signer = _set_authority(funded.mint, spl.AuthorityType.FREEZE_ACCOUNT, successor, None)
    chain.ok([ix], signer)
    assert chain.send([ix], signer).err == custom(TokenError.MintCannotFreeze)


def test_set_authority_on_a_frozen_account_is_account_frozen(funded: Funded) -> None:
    funded.chain.ok([_freeze(funded)], funded.freezer)
    ix, signer = _set_authority(funded.alice_ata, spl.AuthorityType.CLOSE_ACCOUNT, funded.alice, None)
    assert funded.chain.send([ix], signer).err == custom(TokenError.AccountFrozen)


# --- multisig ------------------------------------------------------------------------------------


def test_multisig_mint_authority_needs_m_of_n_signers(chain: TokenChain) -> None:
    signers = [Keypair() for _ in range(3)]
    multisig = Keypair()
    init = spl.initialize_multisig(
        spl.InitializeMultisigParams(P, multisig.pubkey(), 2, [s.pubkey() for s in signers])
    )
    chain.ok([chain.create_account_ix(multisig, Multisig.LEN), init], multisig)
    stored = chain.bank.get_account(multisig.pubkey())
    assert stored is not None
    state = Multisig.unpack(bytes(stored.data))
    assert (state.m, state.n, state.signers[:3]) == (2, 3, tuple(s.pubkey() for s in signers))

    mint = chain.new_mint(authority=multisig.pubkey())
    account = chain.new_account(mint, chain.payer.pubkey())

    def mint_signed_by(*by: Keypair) -> Instruction:
        params = spl.MintToParams(P, mint, account, multisig.pubkey(), 5, signers=[s.pubkey() for s in by])
        return spl.mint_to(params)

    one = chain.send([mint_signed_by(signers[0])], signers[0])
    assert one.err == fieldless(InstructionErrorFieldless.MissingRequiredSignature)
    chain.ok([mint_signed_by(signers[0], signers[2])], signers[0], signers[2])
    assert chain.balance(account) == 5


def test_multisig_with_too_many_signers_is_rejected(chain: TokenChain) -> None:
    multisig = Keypair()
    keys = [Pubkey.new_unique() for _ in range(12)]
    init = spl.initialize_multisig(spl.InitializeMultisigParams(P, multisig.pubkey(), 1, keys))
    result = chain.send([chain.create_account_ix(multisig, Multisig.LEN), init], multisig)
    assert result.err == custom(TokenError.InvalidNumberOfProvidedSigners, index=1)


# --- wrapped SOL ---------------------------------------------------------------------------------


def test_wrapped_sol_tracks_lamports(chain: TokenChain) -> None:
    owner = Keypair()
    rent = chain.bank.minimum_balance_for_rent_exemption(TokenAccount.LEN)
    wrapped = chain.new_account(WRAPPED_SOL_MINT, owner.pubkey(), lamports=rent + 5_000)
    account = chain.token_account(wrapped)
    assert (account.amount, account.is_native) == (5_000, rent)

    top_up = system_transfer(SystemTransferParams(from_pubkey=chain.payer.pubkey(), to_pubkey=wrapped, lamports=700))
    chain.ok([top_up, spl.sync_native(spl.SyncNativeParams(P, wrapped))])
    assert chain.balance(wrapped) == 5_700

    other = chain.new_account(WRAPPED_SOL_MINT, chain.payer.pubkey())
    chain.ok([spl.transfer(spl.TransferParams(P, wrapped, other, owner.pubkey(), 1_000))], owner)
    assert chain.bank.get_balance(wrapped) == rent + 4_700
    assert chain.bank.get_balance(other) == rent + 1_000

    # A native account closes with its balance: all lamports go to the destination.
    close = spl.close_account(spl.CloseAccountParams(P, wrapped, chain.payer.pubkey(), owner.pubkey()))
    chain.ok([close], owner)
    assert chain.bank.get_balance(wrapped) == 0


def test_sync_native_on_a_regular_account_is_non_native_not_supported(funded: Funded) -> None:
    result = funded.chain.send([spl.sync_native(spl.SyncNativeParams(P, funded.alice_ata))])
    assert result.err == custom(TokenError.NonNativeNotSupported)


# --- queries -------------------------------------------------------------------------------------


def test_get_account_data_size_returns_165(funded: Funded) -> None:
    result = funded.chain.ok([Instruction(P, bytes([21]), [AccountMeta(funded.mint, False, False)])])
    assert result.return_data == (P, (165).to_bytes(8, "little"))


def test_amount_and_ui_amount_conversions_return_data(funded: Funded) -> None:
    mint_meta = [AccountMeta(funded.mint, False, False)]
    to_ui = funded.chain.ok([Instruction(P, bytes([23]) + (1_234_500).to_bytes(8, "little"), mint_meta)])
    assert to_ui.return_data == (P, b"1.2345")
    from_ui = funded.chain.ok([Instruction(P, bytes([24]) + b"1.2345", mint_meta)])
    assert from_ui.return_data == (P, (1_234_500).to_bytes(8, "little"))
