"""The Authorization account: byte layout, size, PDA, and the validity predicate."""

from __future__ import annotations

import doctest

from hypothesis import given, settings
from hypothesis import strategies as st
from solders.pubkey import Pubkey

import authorizer.state.authorization as authorization_module
from authorizer.join import JOIN_RUN_AUTHORIZATION_SCOPE
from authorizer.program_id import PROGRAM_ID
from authorizer.state.authorization import (
    PERMISSIONLESS_GRANTEE,
    Authorization,
    find_authorization,
    space_with_discriminator,
)
from emulator.anchor import account_bytes, decode
from emulator.sysvars import DEFAULT_RENT

pubkeys = st.binary(min_size=32, max_size=32).map(Pubkey.from_bytes)


def test_doctests_pass() -> None:
    result = doctest.testmod(authorization_module)
    assert result.attempted > 0 and result.failed == 0


def test_layout_matches_the_reference_field_order() -> None:
    grantor, grantee, delegate = Pubkey.new_unique(), Pubkey.new_unique(), Pubkey.new_unique()
    record = Authorization(254, grantor, grantee, b"abc", True, [delegate], -2)
    raw = account_bytes(record)
    assert raw[:8].hex() == "0344a8f3c3a8204b"
    assert raw[8] == 254
    assert raw[9:41] == bytes(grantor) and raw[41:73] == bytes(grantee)
    assert raw[73:77] == (3).to_bytes(4, "little") and raw[77:80] == b"abc"
    assert raw[80] == 1
    assert raw[81:85] == (1).to_bytes(4, "little") and raw[85:117] == bytes(delegate)
    assert raw[117:] == (-2).to_bytes(8, "little", signed=True)
    assert decode(Authorization, raw[8:]) == record


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=32), st.lists(pubkeys, max_size=10))
def test_size_is_exactly_the_encoding(scope: bytes, delegates: list[Pubkey]) -> None:
    record = Authorization(0, Pubkey.default(), Pubkey.default(), scope, False, delegates, 0)
    assert len(account_bytes(record)) == space_with_discriminator(len(scope), len(delegates))
    assert space_with_discriminator(len(scope), len(delegates)) == 90 + len(scope) + 32 * len(delegates)


def test_join_scope_sizes_and_rent_match_the_spec() -> None:
    assert len(JOIN_RUN_AUTHORIZATION_SCOPE) == 18
    assert space_with_discriminator(18, 0) == 108
    assert DEFAULT_RENT.minimum_balance(108) == 1_642_560
    assert DEFAULT_RENT.minimum_balance(space_with_discriminator(18, 1)) - 1_642_560 == 222_720


def test_pda_is_derived_from_prefix_grantor_grantee_and_scope() -> None:
    grantor, grantee = Pubkey.new_unique(), Pubkey.new_unique()
    expected = Pubkey.find_program_address(
        [b"Authorization", bytes(grantor), bytes(grantee), b"CoordinatorJoinRun"], PROGRAM_ID
    )
    assert find_authorization(grantor, grantee, b"CoordinatorJoinRun") == expected
    assert find_authorization(grantor, grantee, b"x" * 32)[0] != expected[0]


def test_permissionless_grantee_is_the_zero_key() -> None:
    assert bytes(PERMISSIONLESS_GRANTEE) == bytes(32)
    assert str(PERMISSIONLESS_GRANTEE) == "11111111111111111111111111111111"


@settings(max_examples=100, deadline=None)
@given(
    grantor=pubkeys,
    grantee=pubkeys,
    scope=st.binary(max_size=32),
    delegates=st.lists(pubkeys, max_size=5),
    user=pubkeys,
)
def test_validity_needs_active_grantor_scope_and_membership(
    grantor: Pubkey, grantee: Pubkey, scope: bytes, delegates: list[Pubkey], user: Pubkey
) -> None:
    record = Authorization(0, grantor, grantee, scope, True, delegates, 0)
    member = grantee == PERMISSIONLESS_GRANTEE or user == grantee or user in delegates
    assert record.is_valid_for(grantor, user, scope) == member
    for holder in (grantee, *delegates):
        assert record.is_valid_for(grantor, holder, scope)
        assert not Authorization(0, grantor, grantee, scope, False, delegates, 0).is_valid_for(grantor, holder, scope)
        assert not record.is_valid_for(grantor, holder, scope + b"\x00")
        assert not record.is_valid_for(Pubkey.new_unique(), holder, scope)


@settings(max_examples=50, deadline=None)
@given(grantor=pubkeys, scope=st.binary(max_size=32), user=pubkeys)
def test_permissionless_record_is_valid_for_anyone(grantor: Pubkey, scope: bytes, user: Pubkey) -> None:
    record = Authorization(0, grantor, PERMISSIONLESS_GRANTEE, scope, True, [], 0)
    assert record.is_valid_for(grantor, user, scope)
