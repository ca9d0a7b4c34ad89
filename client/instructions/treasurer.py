"""Treasurer instructions (spec programs-and-cli.md §2): runs, their updates, participants and claims."""

from __future__ import annotations

from typing import Any

from solders.instruction import Instruction
from solders.pubkey import Pubkey
from spl.token.instructions import get_associated_token_address

from client.instructions.coordinator import RunKeys
from coordinator_program.program import PROGRAM_ID as COORDINATOR_PROGRAM_ID
from emulator.constants import ASSOCIATED_TOKEN_PROGRAM_ID, SYSTEM_PROGRAM_ID, TOKEN_PROGRAM_ID
from treasurer.logic.participant_claim import ParticipantClaimParams
from treasurer.logic.participant_create import ParticipantCreateParams
from treasurer.logic.run_create import RunCreateParams
from treasurer.logic.run_update import RunUpdateParams
from treasurer.program import INTERFACE, PROGRAM_ID
from treasurer.state import find_participant, find_run

__all__ = ["vault_address", "run_create", "run_update", "participant_create", "participant_claim"]


def _build(name: str, keys: dict[str, Pubkey], *args: Any) -> Instruction:
    return INTERFACE.instruction(name).build(PROGRAM_ID, keys, *args)


def vault_address(run: Pubkey, mint: Pubkey) -> Pubkey:
    """The run's reward vault: the Run PDA's associated token account for the collateral mint."""
    return get_associated_token_address(run, mint)


def run_create(payer: Pubkey, mint: Pubkey, coordinator: RunKeys, params: RunCreateParams) -> Instruction:
    run = find_run(params.index)[0]
    keys = {
        "payer": payer,
        "run": run,
        "run_collateral": vault_address(run, mint),
        "collateral_mint": mint,
        "coordinator_instance": coordinator.instance,
        "coordinator_account": coordinator.account,
        "coordinator_program": COORDINATOR_PROGRAM_ID,
        "associated_token_program": ASSOCIATED_TOKEN_PROGRAM_ID,
        "token_program": TOKEN_PROGRAM_ID,
        "system_program": SYSTEM_PROGRAM_ID,
    }
    return _build("run_create", keys, params)


def run_update(authority: Pubkey, run: Pubkey, coordinator: RunKeys, params: RunUpdateParams) -> Instruction:
    keys = {
        "authority": authority,
        "run": run,
        "coordinator_instance": coordinator.instance,
        "coordinator_account": coordinator.account,
        "coordinator_program": COORDINATOR_PROGRAM_ID,
    }
    return _build("run_update", keys, params)


def participant_create(payer: Pubkey, user: Pubkey, run: Pubkey) -> Instruction:
    keys = {
        "payer": payer,
        "user": user,
        "run": run,
        "participant": find_participant(run, user)[0],
        "system_program": SYSTEM_PROGRAM_ID,
    }
    return _build("participant_create", keys, ParticipantCreateParams())


def participant_claim(
    user: Pubkey, user_collateral: Pubkey, run: Pubkey, vault: Pubkey, coordinator_account: Pubkey, points: int
) -> Instruction:
    keys = {
        "user": user,
        "user_collateral": user_collateral,
        "run": run,
        "run_collateral": vault,
        "coordinator_account": coordinator_account,
        "participant": find_participant(run, user)[0],
        "token_program": TOKEN_PROGRAM_ID,
    }
    return _build("participant_claim", keys, ParticipantClaimParams(points))
