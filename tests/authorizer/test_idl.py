"""The checked-in IDL is the one the declaration generates, anchorpy reads it, and its coders agree with ours."""

from __future__ import annotations

import json

from anchorpy_core.idl import Idl
from hypothesis import given, settings
from hypothesis import strategies as st
from solders.pubkey import Pubkey

from authorizer.program import INTERFACE, LEGACY_IDL_PATH, PROGRAM_ID
from authorizer.state.authorization import Authorization
from emulator.anchor import account_bytes, account_discriminator
from emulator.anchor.idl_files import LEGACY_IDL_FILE, idl_files
from tests.authorizer.harness import PROGRAM, close_ix, create_ix, grantee_update_ix, grantor_update_ix

# The spec's table (§0), computed there from sha256("global:<name>") / sha256("account:<Name>").
SPEC_INSTRUCTION_DISCRIMINATORS = {
    "authorization_create": "149dc4b3e7df6d66",
    "authorization_grantor_update": "1d7441a161bd3af9",
    "authorization_grantee_update": "ba6f7fc75990c143",
    "authorization_close": "81d0f820c8855717",
}

pubkeys = st.binary(min_size=32, max_size=32).map(Pubkey.from_bytes)
records = st.builds(
    Authorization,
    bump=st.integers(0, 255),
    grantor=pubkeys,
    grantee=pubkeys,
    scope=st.binary(max_size=32),
    active=st.booleans(),
    delegates=st.lists(pubkeys, max_size=8),
    grantor_update_unix_timestamp=st.integers(-(2**63), 2**63 - 1),
)


def test_checked_in_legacy_idl_is_the_generated_one() -> None:
    assert LEGACY_IDL_PATH.read_text() == idl_files(INTERFACE, PROGRAM_ID)[LEGACY_IDL_FILE]


def test_anchorpy_accepts_the_idl() -> None:
    idl = Idl.from_json(LEGACY_IDL_PATH.read_text())
    assert [ix.name for ix in idl.instructions] == [
        "authorizationCreate",
        "authorizationGrantorUpdate",
        "authorizationGranteeUpdate",
        "authorizationClose",
    ]
    assert [account.name for account in idl.accounts] == ["Authorization"]
    assert json.loads(LEGACY_IDL_PATH.read_text())["metadata"] == {
        "address": "PsyAUmhpmiUouWsnJdNGFSX8vZ6rWjXjgDPHsgqPGyw"
    }


def test_errors_are_the_reference_codes_and_messages() -> None:
    assert json.loads(LEGACY_IDL_PATH.read_text())["errors"] == [
        {"code": 6000, "name": "AuthorizationActiveIsTrue", "msg": "AuthorizationActive is true"},
        {
            "code": 6001,
            "name": "AuthorizationClosingConditionsNotReachedYet",
            "msg": "Authorization closing conditions not reached yet",
        },
    ]


def test_discriminators_match_the_spec() -> None:
    assert {ix.name: ix.discriminator.hex() for ix in INTERFACE.instructions} == SPEC_INSTRUCTION_DISCRIMINATORS
    assert account_discriminator("Authorization").hex() == "0344a8f3c3a8204b"
    key = Pubkey.new_unique()
    built = [
        create_ix(key, key, key, b"s"),
        grantor_update_ix(key, key, True),
        grantee_update_ix(key, key, key, False, []),
        close_ix(key, key, key),
    ]
    assert [bytes(ix.data[:8]).hex() for ix in built] == list(SPEC_INSTRUCTION_DISCRIMINATORS.values())


def test_anchorpy_encodes_arguments_as_borsh_params_structs() -> None:
    grantee, delegate = Pubkey.new_unique(), Pubkey.new_unique()
    key = Pubkey.new_unique()
    create = create_ix(key, key, grantee, b"CoordinatorJoinRun")
    assert bytes(create.data[8:]) == bytes(grantee) + (18).to_bytes(4, "little") + b"CoordinatorJoinRun"
    assert bytes(grantor_update_ix(key, key, True).data[8:]) == b"\x01"
    update = grantee_update_ix(key, key, key, True, [delegate, delegate])
    assert bytes(update.data[8:]) == b"\x01" + (2).to_bytes(4, "little") + bytes(delegate) * 2
    assert bytes(close_ix(key, key, key).data) == bytes.fromhex("81d0f820c8855717")


@settings(max_examples=50, deadline=None)
@given(records)
def test_anchorpy_accounts_coder_decodes_our_bytes(record: Authorization) -> None:
    decoded = PROGRAM.coder.accounts.decode(account_bytes(record))
    assert (decoded.bump, decoded.grantor, decoded.grantee, bytes(decoded.scope)) == (
        record.bump,
        record.grantor,
        record.grantee,
        record.scope,
    )
    assert (decoded.active, list(decoded.delegates), decoded.grantor_update_unix_timestamp) == (
        record.active,
        record.delegates,
        record.grantor_update_unix_timestamp,
    )
