"""The checked-in IDL is the one the declaration generates, and anchorpy drives the treasurer through it:
its instruction builder makes the bytes our program decodes, its account coder reads our accounts."""

from __future__ import annotations

import json

from anchorpy.program.context import Context
from anchorpy.program.core import Program
from anchorpy.provider import Provider, Wallet
from anchorpy_core.idl import Idl
from solana.rpc.async_api import AsyncClient
from solders.keypair import Keypair
from spl.token.constants import TOKEN_PROGRAM_ID

from coordinator_program.state.coordinator_account import load
from emulator.anchor import account_discriminator
from emulator.anchor.idl_files import LEGACY_IDL_FILE, idl_files
from tests.treasurer.harness import TreasurerChain
from treasurer.logic.run_update import RunUpdateParams
from treasurer.program import INTERFACE, LEGACY_IDL_PATH, PROGRAM_ID
from treasurer.state import find_participant

PROGRAM = Program(
    Idl.from_json(LEGACY_IDL_PATH.read_text()),
    PROGRAM_ID,
    Provider(AsyncClient("http://127.0.0.1:9"), Wallet(Keypair())),
)

# The spec's table (programs-and-cli.md §0).
SPEC_DISCRIMINATORS = {
    "run_create": "c638a3f70e3aa7fd",
    "run_update": "33562e740d42149d",
    "participant_create": "32b18e2875b046b5",
    "participant_claim": "a096e8563b6bad26",
}


def test_checked_in_idl_is_generated_from_the_interface() -> None:
    legacy = idl_files(INTERFACE, PROGRAM_ID)[LEGACY_IDL_FILE]
    assert LEGACY_IDL_PATH.read_text() == legacy
    document = json.loads(legacy)
    assert [ix["name"] for ix in document["instructions"]] == [
        "runCreate",
        "runUpdate",
        "participantCreate",
        "participantClaim",
    ]
    assert [(e["code"], e["name"]) for e in document["errors"]] == [
        (6000, "InvalidParameter"),
        (6001, "RunIdInvalidLength"),
    ]


def test_discriminators_match_the_reference() -> None:
    assert {ix.name: ix.discriminator.hex() for ix in INTERFACE.instructions} == SPEC_DISCRIMINATORS
    assert account_discriminator("Run").hex() == "c7369b56eb73f6bd"
    assert account_discriminator("Participant").hex() == "208e6c4ff7b33606"


def test_anchorpy_drives_a_run_from_creation_to_a_claim() -> None:
    chain = TreasurerChain()
    mint = chain.new_mint()
    main_authority, join_authority, user = Keypair(), Keypair(), Keypair()
    keys = chain.run_create_keys(5, "anchorpy run", mint, chain.create_coordinator_account())
    params = {
        "index": 5,
        "run_id": "anchorpy run",
        "client_version": "latest",
        "main_authority": main_authority.pubkey(),
        "join_authority": join_authority.pubkey(),
    }
    create = PROGRAM.instruction["run_create"](params, ctx=Context(accounts=keys))
    assert chain.send([create]).err is None

    run_key = keys["run"]
    update_keys = {
        "authority": main_authority.pubkey(),
        "run": run_key,
        "coordinator_instance": keys["coordinator_instance"],
        "coordinator_account": keys["coordinator_account"],
        "coordinator_program": keys["coordinator_program"],
    }
    rates = {
        "metadata": None,
        "config": None,
        "model": None,
        "progress": None,
        "epoch_earning_rate_total_shared": 123,
        "epoch_slashing_rate_per_client": None,
        "paused": None,
        "client_version": "v2",
    }
    update = PROGRAM.instruction["run_update"](rates, ctx=Context(accounts=update_keys))
    ours = INTERFACE.instructions[1].data(RunUpdateParams(epoch_earning_rate_total_shared=123, client_version="v2"))
    assert update.data == ours
    assert chain.send([update], main_authority).err is None

    participant = find_participant(run_key, user.pubkey())[0]
    participant_keys = {
        "payer": chain.payer.pubkey(),
        "user": user.pubkey(),
        "run": run_key,
        "participant": participant,
        "system_program": keys["system_program"],
    }
    join = PROGRAM.instruction["participant_create"]({}, ctx=Context(accounts=participant_keys))
    assert chain.send([join], user).err is None

    claim_keys = {
        "user": user.pubkey(),
        "user_collateral": chain.new_ata(mint, user.pubkey()),
        "run": run_key,
        "run_collateral": keys["run_collateral"],
        "coordinator_account": keys["coordinator_account"],
        "participant": participant,
        "token_program": TOKEN_PROGRAM_ID,
    }
    claim = PROGRAM.instruction["participant_claim"]({"claim_earned_points": 0}, ctx=Context(accounts=claim_keys))
    assert chain.send([claim], user).err is None

    stored_run = chain.bank.get_account(run_key)
    assert stored_run is not None
    decoded = PROGRAM.coder.accounts.decode(stored_run.data)
    ours_run = chain.run_state(run_key)
    assert (decoded.index, decoded.main_authority, decoded.collateral_mint) == (5, main_authority.pubkey(), mint)
    assert (decoded.coordinator_account, decoded.coordinator_instance) == (
        ours_run.coordinator_account,
        ours_run.coordinator_instance,
    )
    stored_participant = chain.bank.get_account(participant)
    assert stored_participant is not None
    decoded_participant = PROGRAM.coder.accounts.decode(stored_participant.data)
    assert (decoded_participant.bump, decoded_participant.claimed_earned_points) == (
        chain.participant_state(run_key, user.pubkey()).bump,
        0,
    )
    coordinator = chain.bank.get_account(keys["coordinator_account"])
    assert coordinator is not None
    state = load(bytearray(coordinator.data)).state
    assert state.client_version.value == "v2"
    assert state.clients_state.future_epoch_rates.earning_rate_total_shared == 123
