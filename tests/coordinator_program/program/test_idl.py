"""The checked-in legacy IDL is the one generated from the declaration, and anchorpy 0.21 reads and uses it."""

from __future__ import annotations

import json

from anchorpy import Context, Idl, Program, Provider, Wallet
from anchorpy.coder.coder import Coder
from solana.rpc.async_api import AsyncClient
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from coordinator_program.errors import CoordinatorProgramError
from coordinator_program.program import INTERFACE, LEGACY_IDL_PATH, PROGRAM_ID
from emulator.anchor.discriminator import camel_case
from emulator.anchor.idl_files import LEGACY_IDL_FILE, idl_files
from tests.coordinator_program.program.chain import instruction_data


def test_checked_in_idl_is_generated_from_the_declaration() -> None:
    assert LEGACY_IDL_PATH.read_text() == idl_files(INTERFACE, PROGRAM_ID)[LEGACY_IDL_FILE]


def test_anchorpy_reads_the_idl_and_builds_its_coders() -> None:
    idl = Idl.from_json(LEGACY_IDL_PATH.read_text())
    assert [ix.name for ix in idl.instructions] == [camel_case(ix.name) for ix in INTERFACE.instructions]
    Coder(idl)


def test_idl_lists_the_24_program_errors_in_order() -> None:
    errors = json.loads(LEGACY_IDL_PATH.read_text())["errors"]
    assert [(e["code"], e["name"], e["msg"]) for e in errors] == [
        (int(e), e.name, e.message) for e in CoordinatorProgramError
    ]
    assert [e["code"] for e in errors] == list(range(6000, 6024))


def test_anchorpy_builds_the_instructions_the_program_decodes() -> None:
    program = Program(
        Idl.from_json(LEGACY_IDL_PATH.read_text()),
        PROGRAM_ID,
        Provider(AsyncClient("http://127.0.0.1:9"), Wallet(Keypair())),
    )
    keys = {"authority": Pubkey.new_unique(), "coordinator_instance": Pubkey.new_unique()}
    ctx = Context(accounts=keys | {"coordinator_account": Pubkey.new_unique()})
    built = program.instruction["set_future_epoch_rates"](444_444, None, ctx=ctx)
    assert built.data == instruction_data("set_future_epoch_rates", 444_444, None)
    assert program.instruction["set_paused"](True, ctx=ctx).data == instruction_data("set_paused", True)
    assert [meta.is_writable for meta in built.accounts] == [False, False, True]


def test_discriminators_are_the_reference_ones() -> None:
    expected = {
        "init_coordinator": "14399449e8857a19",
        "free_coordinator": "59d8d7e5dff24a20",
        "update": "dbc858b09e3ffd7f",
        "update_client_version": "c1152e3c33020dfb",
        "set_future_epoch_rates": "ef15a057c7c8b681",
        "set_paused": "5b3c7dc0b0e1a6da",
        "join_run": "48a07d666a86f64b",
        "tick": "5c4f2c0865503f0f",
        "witness": "d5f495198edf1527",
        "warmup_witness": "d3e87ae83f16375e",
        "health_check": "735a63a88a129d83",
        "checkpoint": "d5c813ccf08fb8fc",
    }
    assert {ix.name: ix.discriminator.hex() for ix in INTERFACE.instructions} == expected
