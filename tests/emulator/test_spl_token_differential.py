"""SPL Token and Associated Token transactions give the same results on the emulator as on LiteSVM."""

from __future__ import annotations

import spl.token.instructions as spl
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, create_account
from spl.token.constants import TOKEN_PROGRAM_ID

from tests.emulator.litesvm_oracle import DualChain

MINT_SIZE, ACCOUNT_SIZE = 82, 165
SYSVARS = {spl.RENT}


class TokenWorld:
    """A mint with a mint and freeze authority, and helpers that send through both chains."""

    def __init__(self, chain: DualChain | None = None, payer: Keypair | None = None) -> None:
        """A new mint; pass ``chain`` and ``payer`` to put a second mint on the same pair of chains."""
        self.chain = chain or DualChain()
        self.payer = payer or self.chain.new_funded(10**12)
        self.authority = Keypair()
        self.mint = Keypair()
        rent = self.chain.bank.minimum_balance_for_rent_exemption(MINT_SIZE)
        self.expect(
            None,
            [
                create_account(
                    CreateAccountParams(
                        from_pubkey=self.payer.pubkey(),
                        to_pubkey=self.mint.pubkey(),
                        lamports=rent,
                        space=MINT_SIZE,
                        owner=TOKEN_PROGRAM_ID,
                    )
                ),
                spl.initialize_mint(
                    spl.InitializeMintParams(
                        decimals=6,
                        program_id=TOKEN_PROGRAM_ID,
                        mint=self.mint.pubkey(),
                        mint_authority=self.authority.pubkey(),
                        freeze_authority=self.authority.pubkey(),
                    )
                ),
            ],
            self.mint,
        )

    def expect(self, err: str | None, instructions: list[Instruction], *signers: Keypair) -> None:
        tx = self.chain.sign(instructions, self.payer, *signers)
        # Sysvars and programs are left out: LiteSVM funds them with 1 lamport and holds real ELF bytes.
        skip = SYSVARS | set(self.chain.bank.programs)
        keys = {meta.pubkey for ix in instructions for meta in ix.accounts if meta.pubkey not in skip}
        assert self.chain.assert_same(tx, keys) == err

    def wallet_with_ata(self, amount: int = 0) -> tuple[Keypair, Pubkey]:
        wallet = Keypair()
        ata = spl.get_associated_token_address(wallet.pubkey(), self.mint.pubkey())
        ixs = [spl.create_associated_token_account(self.payer.pubkey(), wallet.pubkey(), self.mint.pubkey())]
        if amount:
            ixs.append(self.mint_to(ata, amount))
        self.expect(None, ixs, self.authority)
        return wallet, ata

    def mint_to(self, target: Pubkey, amount: int) -> Instruction:
        return spl.mint_to(
            spl.MintToParams(
                program_id=TOKEN_PROGRAM_ID,
                mint=self.mint.pubkey(),
                dest=target,
                mint_authority=self.authority.pubkey(),
                amount=amount,
            )
        )

    def transfer(self, source: Pubkey, dest: Pubkey, owner: Pubkey, amount: int) -> Instruction:
        return spl.transfer(
            spl.TransferParams(program_id=TOKEN_PROGRAM_ID, source=source, dest=dest, owner=owner, amount=amount)
        )


def test_mint_ata_mint_to_transfer_and_transfer_checked() -> None:
    world = TokenWorld()
    alice, alice_ata = world.wallet_with_ata(1_000_000)
    bob, bob_ata = world.wallet_with_ata()
    world.expect(None, [world.transfer(alice_ata, bob_ata, alice.pubkey(), 250_000)], alice)
    checked = spl.transfer_checked(
        spl.TransferCheckedParams(
            program_id=TOKEN_PROGRAM_ID,
            source=alice_ata,
            mint=world.mint.pubkey(),
            dest=bob_ata,
            owner=alice.pubkey(),
            amount=50_000,
            decimals=6,
        )
    )
    world.expect(None, [checked], alice)


def test_plain_token_account_with_initialize_account() -> None:
    world = TokenWorld()
    owner, account = Keypair(), Keypair()
    rent = world.chain.bank.minimum_balance_for_rent_exemption(ACCOUNT_SIZE)
    world.expect(
        None,
        [
            create_account(
                CreateAccountParams(
                    from_pubkey=world.payer.pubkey(),
                    to_pubkey=account.pubkey(),
                    lamports=rent,
                    space=ACCOUNT_SIZE,
                    owner=TOKEN_PROGRAM_ID,
                )
            ),
            spl.initialize_account(
                spl.InitializeAccountParams(
                    program_id=TOKEN_PROGRAM_ID,
                    account=account.pubkey(),
                    mint=world.mint.pubkey(),
                    owner=owner.pubkey(),
                )
            ),
            world.mint_to(account.pubkey(), 7),
        ],
        account,
        world.authority,
    )


def test_approve_then_delegate_transfer_then_revoke() -> None:
    world = TokenWorld()
    alice, alice_ata = world.wallet_with_ata(100)
    _, bob_ata = world.wallet_with_ata()
    delegate = Keypair()
    approve = spl.approve(
        spl.ApproveParams(
            program_id=TOKEN_PROGRAM_ID, source=alice_ata, delegate=delegate.pubkey(), owner=alice.pubkey(), amount=40
        )
    )
    world.expect(None, [approve], alice)
    world.expect(None, [world.transfer(alice_ata, bob_ata, delegate.pubkey(), 30)], delegate)
    world.expect(
        '{"InstructionError":[0,{"Custom":1}]}', [world.transfer(alice_ata, bob_ata, delegate.pubkey(), 11)], delegate
    )
    revoke = spl.revoke(spl.RevokeParams(program_id=TOKEN_PROGRAM_ID, account=alice_ata, owner=alice.pubkey()))
    world.expect(None, [revoke], alice)
    world.expect(
        '{"InstructionError":[0,{"Custom":4}]}', [world.transfer(alice_ata, bob_ata, delegate.pubkey(), 1)], delegate
    )


def test_burn_and_close() -> None:
    world = TokenWorld()
    alice, alice_ata = world.wallet_with_ata(500)
    close = spl.close_account(
        spl.CloseAccountParams(
            program_id=TOKEN_PROGRAM_ID, account=alice_ata, dest=alice.pubkey(), owner=alice.pubkey()
        )
    )
    world.expect('{"InstructionError":[0,{"Custom":11}]}', [close], alice)  # NonNativeHasBalance
    burn = spl.burn(
        spl.BurnParams(
            program_id=TOKEN_PROGRAM_ID, account=alice_ata, mint=world.mint.pubkey(), owner=alice.pubkey(), amount=500
        )
    )
    world.expect(None, [burn, close], alice)


def test_freeze_blocks_transfers_until_thaw() -> None:
    world = TokenWorld()
    alice, alice_ata = world.wallet_with_ata(10)
    _, bob_ata = world.wallet_with_ata()
    params = dict(
        program_id=TOKEN_PROGRAM_ID, account=alice_ata, mint=world.mint.pubkey(), authority=world.authority.pubkey()
    )
    world.expect(None, [spl.freeze_account(spl.FreezeAccountParams(**params))], world.authority)
    world.expect(
        '{"InstructionError":[0,{"Custom":17}]}', [world.transfer(alice_ata, bob_ata, alice.pubkey(), 1)], alice
    )
    world.expect(None, [spl.thaw_account(spl.ThawAccountParams(**params))], world.authority)
    world.expect(None, [world.transfer(alice_ata, bob_ata, alice.pubkey(), 1)], alice)


def test_failures_match_insufficient_funds_wrong_owner_and_missing_signer() -> None:
    world = TokenWorld()
    alice, alice_ata = world.wallet_with_ata(10)
    mallory, mallory_ata = world.wallet_with_ata()
    insufficient, owner_mismatch = '{"InstructionError":[0,{"Custom":1}]}', '{"InstructionError":[0,{"Custom":4}]}'
    world.expect(insufficient, [world.transfer(alice_ata, mallory_ata, alice.pubkey(), 11)], alice)
    world.expect(owner_mismatch, [world.transfer(alice_ata, mallory_ata, mallory.pubkey(), 1)], mallory)
    forged_mint = spl.mint_to(
        spl.MintToParams(
            program_id=TOKEN_PROGRAM_ID,
            mint=world.mint.pubkey(),
            dest=alice_ata,
            mint_authority=mallory.pubkey(),
            amount=1,
        )
    )
    world.expect(owner_mismatch, [forged_mint], mallory)
    unsigned = world.transfer(alice_ata, mallory_ata, alice.pubkey(), 1)
    metas = [AccountMeta(meta.pubkey, False, meta.is_writable) for meta in unsigned.accounts]
    world.expect(
        '{"InstructionError":[0,"MissingRequiredSignature"]}', [Instruction(unsigned.program_id, unsigned.data, metas)]
    )
    reinit = spl.initialize_mint(
        spl.InitializeMintParams(
            decimals=6, program_id=TOKEN_PROGRAM_ID, mint=world.mint.pubkey(), mint_authority=alice.pubkey()
        )
    )
    world.expect('{"InstructionError":[0,{"Custom":6}]}', [reinit])  # AlreadyInUse


def test_transfer_to_an_account_of_another_mint_is_mint_mismatch() -> None:
    world = TokenWorld()
    second = TokenWorld(world.chain, world.payer)
    alice, alice_ata = world.wallet_with_ata(10)
    _, foreign_ata = second.wallet_with_ata()
    transfer = world.transfer(alice_ata, foreign_ata, alice.pubkey(), 1)
    world.expect('{"InstructionError":[0,{"Custom":3}]}', [transfer], alice)


def test_creating_an_existing_ata_again_is_illegal_owner_and_idempotent_create_succeeds() -> None:
    world = TokenWorld()
    alice, _ = world.wallet_with_ata()
    again = spl.create_associated_token_account(world.payer.pubkey(), alice.pubkey(), world.mint.pubkey())
    world.expect('{"InstructionError":[0,"IllegalOwner"]}', [again])
    idempotent = spl.create_idempotent_associated_token_account(
        world.payer.pubkey(), alice.pubkey(), world.mint.pubkey()
    )
    world.expect(None, [idempotent])
