"""Test support: the three programs on one Bank, with SPL mints, token accounts and treasurer runs.

Every step is a signed transaction, as a client sends it: mints and token accounts through the SPL
Token and Associated Token programs, treasurer instructions built by the client's own builders
(``client/instructions/``), coordinator joins, ticks and witnesses through :class:`CoordinatorChain` views
that share this bank.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import spl.token.instructions as spl
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from spl.token.constants import TOKEN_PROGRAM_ID

from client.instructions import treasurer
from client.instructions.coordinator import RunKeys
from coordinator_program.core.types import RunState
from coordinator_program.state.coordinator_instance import find_coordinator_instance
from emulator import TransactionResult
from emulator.anchor import decode_account
from tests.coordinator_program.core.runs import T0
from tests.coordinator_program.program.chain import CoordinatorChain, create_coordinator_account
from tests.emulator.native.token_chain import TokenChain
from treasurer.logic.run_create import RunCreateParams
from treasurer.logic.run_update import RunUpdateParams
from treasurer.program import INTERFACE
from treasurer.state import Participant, Run, find_participant
from validator.genesis import PROGRAMS

__all__ = ["TreasurerChain", "TreasuryRun", "train_until_cooldown", "end_cooldown"]


def _named_accounts(name: str, instruction: Instruction) -> dict[str, Pubkey]:
    """The accounts of the treasurer instruction ``name`` by their declared names."""
    names = [account.name for account in INTERFACE.instruction(name).accounts]
    return dict(zip(names, (meta.pubkey for meta in instruction.accounts), strict=True))


@dataclass
class TreasuryRun:
    """One treasurer run: its Run PDA, the coordinator accounts it owns, its mint and vault."""

    index: int
    run_id: str
    key: Pubkey
    coordinator_instance: Pubkey
    coordinator_account: Pubkey
    mint: Pubkey
    vault: Pubkey
    chain: TreasurerChain
    join_authority: Keypair

    @cached_property
    def coordinator(self) -> CoordinatorChain:
        """Joins, ticks and witnesses on this run's coordinator, on the same bank."""
        view = CoordinatorChain(
            self.run_id, bank=self.chain.bank, payer=self.chain.payer, join_authority=self.join_authority
        )
        view.account_key = self.coordinator_account
        return view


class TreasurerChain(TokenChain):
    """A bank with the coordinator, authorizer and treasurer, a funded payer and a clock at ``T0``."""

    def __init__(self, start: int = T0) -> None:
        super().__init__(programs=list(PROGRAMS))
        self.bank.set_unix_timestamp(start)

    def forward(self, seconds: int) -> None:
        self.bank.forward_unix_timestamp(seconds)

    def transfer_tokens(self, source: Pubkey, dest: Pubkey, owner: Keypair, amount: int) -> TransactionResult:
        ix = spl.transfer(
            spl.TransferParams(
                program_id=TOKEN_PROGRAM_ID, source=source, dest=dest, owner=owner.pubkey(), amount=amount
            )
        )
        return self.send([ix], owner)

    # -- treasurer runs -----------------------------------------------------------------
    def create_coordinator_account(self) -> Pubkey:
        return create_coordinator_account(self.bank, self.payer)

    def run_create_ix(self, params: RunCreateParams, mint: Pubkey, coordinator_account: Pubkey) -> Instruction:
        """The client's ``run_create``, paid by the payer."""
        # No PDA exists for a run id over 32 bytes; the program must fail before it needs one.
        run_id = params.run_id
        instance = find_coordinator_instance(run_id) if len(run_id) <= 32 else Pubkey.new_unique()
        return treasurer.run_create(self.payer.pubkey(), mint, RunKeys(instance, coordinator_account), params)

    def run_create_keys(self, index: int, run_id: str, mint: Pubkey, coordinator_account: Pubkey) -> dict[str, Pubkey]:
        """``run_create``'s accounts by name, as the client's builder lists them (for anchorpy's ``Context``)."""
        params = RunCreateParams(index, run_id, "latest", Pubkey.default(), Pubkey.default())
        instruction = self.run_create_ix(params, mint, coordinator_account)
        return _named_accounts("run_create", instruction)

    def run_create(
        self,
        index: int,
        run_id: str,
        mint: Pubkey,
        coordinator_account: Pubkey,
        main_authority: Pubkey,
        join_authority: Keypair,
        client_version: str = "latest",
    ) -> tuple[TransactionResult, TreasuryRun]:
        """Send ``run_create``; the returned run is only real when the result succeeded."""
        params = RunCreateParams(index, run_id, client_version, main_authority, join_authority.pubkey())
        instruction = self.run_create_ix(params, mint, coordinator_account)
        keys = _named_accounts("run_create", instruction)
        result = self.send([instruction])
        run = TreasuryRun(
            index,
            run_id,
            keys["run"],
            keys["coordinator_instance"],
            coordinator_account,
            mint,
            keys["run_collateral"],
            self,
            join_authority,
        )
        return result, run

    def run_update(self, run: TreasuryRun, authority: Keypair, params: RunUpdateParams) -> TransactionResult:
        coordinator = RunKeys(run.coordinator_instance, run.coordinator_account)
        return self.send([treasurer.run_update(authority.pubkey(), run.key, coordinator, params)], authority)

    def participant_create(self, run: Pubkey, user: Keypair) -> TransactionResult:
        return self.send([treasurer.participant_create(self.payer.pubkey(), user.pubkey(), run)], user)

    def claim(
        self,
        user: Keypair,
        amount: int,
        *,
        user_collateral: Pubkey,
        run: Pubkey,
        vault: Pubkey,
        coordinator_account: Pubkey,
        participant: Pubkey | None = None,
    ) -> TransactionResult:
        """``participant_claim``; ``participant`` names another account in the participant's place."""
        claim = treasurer.participant_claim(user.pubkey(), user_collateral, run, vault, coordinator_account, amount)
        if participant is not None:
            own = find_participant(run, user.pubkey())[0]
            metas = [
                AccountMeta(participant, m.is_signer, m.is_writable) if m.pubkey == own else m for m in claim.accounts
            ]
            claim = Instruction(claim.program_id, claim.data, metas)
        return self.send([claim], user)

    def claim_on(self, run: TreasuryRun, user: Keypair, amount: int, user_collateral: Pubkey) -> TransactionResult:
        """A claim with the run's own accounts."""
        return self.claim(
            user,
            amount,
            user_collateral=user_collateral,
            run=run.key,
            vault=run.vault,
            coordinator_account=run.coordinator_account,
        )

    # -- reading -------------------------------------------------------------------------
    def run_state(self, run: Pubkey) -> Run:
        stored = self.bank.get_account(run)
        assert stored is not None
        return decode_account(bytes(stored.data), Run)

    def participant_state(self, run: Pubkey, user: Pubkey) -> Participant:
        stored = self.bank.get_account(find_participant(run, user)[0])
        assert stored is not None
        return decode_account(bytes(stored.data), Participant)


def train_until_cooldown(run: TreasuryRun, clients: Sequence[Keypair]) -> None:
    """From WaitingForMembers with ``clients`` joined: warmup, then four witnessed rounds into the cooldown."""
    coordinator = run.coordinator
    for expected in (RunState.Warmup, RunState.RoundTrain):
        coordinator.forward(10)
        assert coordinator.tick().err is None
        assert RunState(coordinator.coordinator().run_state) is expected
    for _ in range(4):
        for index, client in enumerate(clients):
            proof = coordinator.elected_proof(index)
            if proof is not None:
                assert coordinator.witness(client, proof).err is None
        coordinator.forward(10)
        assert coordinator.tick().err is None
    assert RunState(coordinator.coordinator().run_state) is RunState.Cooldown


def end_cooldown(run: TreasuryRun, cooldown: int) -> None:
    """The tick after the cooldown ends the epoch and credits the points."""
    run.coordinator.forward(cooldown)
    assert run.coordinator.tick().err is None
    assert RunState(run.coordinator.coordinator().run_state) is RunState.WaitingForMembers
