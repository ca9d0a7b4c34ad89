"""anchorpy 0.21 reads the generated IDL, and its coders agree byte for byte with ours."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from anchorpy.program.common import NamedInstruction
from anchorpy.program.context import Context
from anchorpy.program.core import _parse_idl_errors
from hypothesis import given, settings
from solders.pubkey import Pubkey

from emulator.anchor import (
    PUBKEY,
    STRING,
    U64,
    Instruction,
    Option,
    ProgramInterface,
    Vec,
    account_bytes,
    borsh_field,
    encode,
    event_bytes,
    idl,
)
from emulator.anchor.borsh import borsh_type
from tests.emulator.anchor.anchorpy_bridge import anchorpy_program, from_anchorpy, to_anchorpy
from tests.emulator.anchor.counter_program import (
    CONFIGURE,
    INCREMENT,
    INTERFACE,
    PROGRAM_ID,
    Counter,
    Incremented,
    Settings,
)
from tests.emulator.anchor.strategies import settings_values

PROGRAM = anchorpy_program()
SETTINGS = borsh_type(Settings)


def test_the_idl_is_legacy_format_with_camel_case_names() -> None:
    document = idl(INTERFACE, PROGRAM_ID)
    assert document["metadata"] == {"address": str(PROGRAM_ID)}
    increment = document["instructions"][1]
    assert increment["name"] == "incrementBy"
    assert increment["accounts"] == [
        {"name": "counter", "isMut": True, "isSigner": False},
        {"name": "authority", "isMut": False, "isSigner": True},
    ]
    assert [t["name"] for t in document["types"]] == ["Settings", "Mode", "Shape", "Inner"]
    assert [a["name"] for a in document["accounts"]] == ["Counter"]
    assert document["events"] == [
        {
            "name": "Incremented",
            "fields": [
                {"name": "newCount", "type": "u64", "index": False},
                {"name": "by", "type": "publicKey", "index": False},
            ],
        }
    ]
    shape = next(t for t in document["types"] if t["name"] == "Shape")["type"]
    assert shape["variants"][2] == {"name": "Pair", "fields": ["u8", "i16"]}


def test_anchorpy_parses_the_idl_into_its_namespaces() -> None:
    assert set(PROGRAM.instruction.keys()) == {"initialize", "increment_by", "close", "resize", "configure"}
    assert set(PROGRAM.account.keys()) == {"Counter"}
    assert _parse_idl_errors(PROGRAM.idl) == {
        6000: "Counter would overflow",
        6001: "Only the authority may increment",
        6002: "Unexplained",
    }


def test_anchorpy_builds_the_spec_instruction_bytes() -> None:
    authority = Pubkey.new_unique()
    accounts: dict[str, Any] = {"payer": authority, "authority": authority, "counter": authority}
    ix = PROGRAM.instruction["initialize"](5, ctx=Context(accounts=accounts | {"system_program": PROGRAM_ID}))
    assert bytes(ix.data).hex() == "afaf6d1f0d989bed0500000000000000"
    ix = PROGRAM.instruction["increment_by"](
        2**64 - 1, ctx=Context(accounts={"counter": authority, "authority": authority})
    )
    assert bytes(ix.data) == INCREMENT.discriminator + encode(U64, 2**64 - 1)
    assert [(meta.is_signer, meta.is_writable) for meta in ix.accounts] == [(False, True), (True, False)]


@settings(max_examples=60, deadline=None)
@given(settings_values)
def test_anchorpy_encodes_instructions_as_we_do_and_decodes_ours(value: Settings) -> None:
    delegates = [PROGRAM_ID, Pubkey.default()]
    ours = (
        CONFIGURE.discriminator
        + encode(Settings, value)
        + encode(Option(STRING), "n")
        + encode(Vec(PUBKEY), delegates)
    )
    args = {"settings": to_anchorpy(SETTINGS, value, PROGRAM), "note": "n", "delegates": delegates}
    assert PROGRAM.coder.instruction.encode("configure", args) == ours
    decoded = PROGRAM.coder.instruction.parse(ours)
    assert decoded.name == "configure"
    assert from_anchorpy(SETTINGS, decoded.data.settings) == value
    assert list(decoded.data.delegates) == delegates


def test_anchorpy_reads_and_writes_accounts_as_we_do() -> None:
    counter = Counter(Pubkey.new_unique(), 2**64 - 2, 253)
    raw = account_bytes(counter)
    assert from_anchorpy(borsh_type(Counter), PROGRAM.coder.accounts.decode(raw)) == counter
    built = PROGRAM.coder.accounts.build(
        NamedInstruction(name="Counter", data=to_anchorpy(borsh_type(Counter), counter, PROGRAM))
    )
    assert built == raw


def test_anchorpy_decodes_our_events() -> None:
    event = Incremented(42, Pubkey.new_unique())
    decoded = PROGRAM.coder.events.parse(event_bytes(event))
    assert decoded.name == "Incremented"
    assert (decoded.data.new_count, decoded.data.by) == (42, event.by)


def test_two_types_with_one_idl_name_are_refused() -> None:
    @dataclass(frozen=True)
    class Inner:  # not the Inner that Settings uses
        other: int = borsh_field(U64)

    clash = Instruction("clash", (), {"settings": Settings, "inner": Inner}, CONFIGURE.handler)
    with pytest.raises(ValueError, match="two types are named Inner"):
        idl(ProgramInterface("clash", "0.1.0", instructions=(clash,)))
