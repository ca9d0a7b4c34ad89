"""Test support: the three programs on one Bank, with SPL mints, token accounts and treasurer runs.

Every step is a signed transaction, as a client sends it: mints and token accounts through the SPL
Token and Associated Token programs, treasurer instructions built from the program's declared
interface, coordinator joins, ticks and witnesses through :class:`CoordinatorChain` views that share
this bank.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import spl.token.instructions as spl
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from spl.token.constants import ASSOCIATED_TOKEN_PROGRAM_ID, TOKEN_PROGRAM_ID

from authorizer.program import PROGRAM_SPEC as AUTHORIZER_SPEC
from coordinator_program.core.types import RunState
from coordinator_program.program import PROGRAM_ID as COORDINATOR_PROGRAM_ID
from coordinator_program.program import PROGRAM_SPEC as COORDINATOR_SPEC
from coordinator_program.state.coordinator_instance import find_coordinator_instance
from emulator import TransactionResult
from emulator.anchor import decode_account
from emulator.constants import SYSTEM_PROGRAM_ID
from tests.coordinator_program.core.runs import T0
from tests.coordinator_program.program.chain import CoordinatorChain, create_coordinator_account
from tests.emulator.native.token_chain import TokenChain
from treasurer.logic.participant_claim import ParticipantClaimParams
from treasurer.logic.participant_create import ParticipantCreateParams
from treasurer.logic.run_create import RunCreateParams
from treasurer.logic.run_update import RunUpdateParams
from treasurer.program import INTERFACE, PROGRAM_ID, PROGRAM_SPEC
from treasurer.state import Participant, Run, find_participant, find_run

__all__ = ["TreasurerChain", "TreasuryRun", "treasurer_ix", "train_until_cooldown", "end_cooldown"]


def treasurer_ix(name: str, keys: dict[str, Pubkey], *args: Any) -> Instruction:
    return INTERFACE.instruction(name).build(PROGRAM_ID, keys, *args)


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
        super().__init__(programs=[COORDINATOR_SPEC, AUTHORIZER_SPEC, PROGRAM_SPEC])
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

    def run_create_keys(self, index: int, run_id: str, mint: Pubkey, coordinator_account: Pubkey) -> dict[str, Pubkey]:
        run = find_run(index)[0]
        return {
            "payer": self.payer.pubkey(),
            "run": run,
            "run_collateral": spl.get_associated_token_address(run, mint),
            "collateral_mint": mint,
            # No PDA exists for a run id over 32 bytes; the program must fail before it needs one.
            "coordinator_instance": find_coordinator_instance(run_id) if len(run_id) <= 32 else Pubkey.new_unique(),
            "coordinator_account": coordinator_account,
            "coordinator_program": COORDINATOR_PROGRAM_ID,
            "associated_token_program": ASSOCIATED_TOKEN_PROGRAM_ID,
            "token_program": TOKEN_PROGRAM_ID,
            "system_program": SYSTEM_PROGRAM_ID,
        }

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
        keys = self.run_create_keys(index, run_id, mint, coordinator_account)
        params = RunCreateParams(index, run_id, client_version, main_authority, join_authority.pubkey())
        result = self.send([treasurer_ix("run_create", keys, params)])
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
        keys = {
            "authority": authority.pubkey(),
            "run": run.key,
            "coordinator_instance": run.coordinator_instance,
            "coordinator_account": run.coordinator_account,
            "coordinator_program": COORDINATOR_PROGRAM_ID,
        }
        return self.send([treasurer_ix("run_update", keys, params)], authority)

    def participant_create(self, run: Pubkey, user: Keypair) -> TransactionResult:
        keys = {
            "payer": self.payer.pubkey(),
            "user": user.pubkey(),
            "run": run,
            "participant": find_participant(run, user.pubkey())[0],
            "system_program": SYSTEM_PROGRAM_ID,
        }
        return self.send([treasurer_ix("participant_create", keys, ParticipantCreateParams())], user)

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
        keys = {
            "user": user.pubkey(),
            "user_collateral": user_collateral,
            "run": run,
            "run_collateral": vault,
            "coordinator_account": coordinator_account,
            "participant": participant or find_participant(run, user.pubkey())[0],
            "token_program": TOKEN_PROGRAM_ID,
        }
        return self.send([treasurer_ix("participant_claim", keys, ParticipantClaimParams(amount))], user)

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
