"""Which join authorization ``train`` uses, and what it says when none lets the wallet join."""

from __future__ import annotations

from solders.pubkey import Pubkey

from authorizer.join import JOIN_RUN_AUTHORIZATION_SCOPE
from authorizer.state.authorization import PERMISSIONLESS_GRANTEE, Authorization
from client.join_authorization import candidate_grantees, choose_grantee, join_refusal

AUTHORITY, USER, MASTER = (Pubkey.from_bytes(bytes([n]) * 32) for n in (1, 2, 3))
EVERYONE = PERMISSIONLESS_GRANTEE


def _record(grantee: Pubkey, active: bool = True, delegates: tuple[Pubkey, ...] = ()) -> Authorization:
    return Authorization(255, AUTHORITY, grantee, JOIN_RUN_AUTHORIZATION_SCOPE, active, list(delegates), 0)


def test_without_authorizer_the_permissionless_authorization_comes_first_then_the_wallets_own() -> None:
    candidates = candidate_grantees(None, USER)
    assert candidates == [EVERYONE, USER]
    both = {EVERYONE: _record(EVERYONE), USER: _record(USER)}
    assert choose_grantee(AUTHORITY, USER, both, candidates) == EVERYONE
    own = {EVERYONE: None, USER: _record(USER)}
    assert choose_grantee(AUTHORITY, USER, own, candidates) == USER
    assert choose_grantee(AUTHORITY, USER, {EVERYONE: _record(EVERYONE, active=False), USER: None}, candidates) is None


def test_a_delegate_joins_through_its_masters_authorization_only() -> None:
    assert candidate_grantees(MASTER, USER) == [MASTER]
    assert choose_grantee(AUTHORITY, USER, {MASTER: _record(MASTER, delegates=(USER,))}, [MASTER]) == MASTER
    assert choose_grantee(AUTHORITY, USER, {MASTER: _record(MASTER)}, [MASTER]) is None


def test_each_refusal_names_the_command_that_fixes_it() -> None:
    cli = "psyche-solana-client"
    missing = join_refusal("r", AUTHORITY, USER, None, {EVERYONE: None, USER: None})
    assert f"{cli} join-authorization-create --authorizer {USER}" in missing and str(AUTHORITY) in missing
    inactive = join_refusal("r", AUTHORITY, USER, None, {EVERYONE: _record(EVERYONE, active=False), USER: None})
    assert "gave everyone is deactivated" in inactive
    assert f"{cli} join-authorization-activate --authorizer {EVERYONE}" in inactive
    no_master = join_refusal("r", AUTHORITY, USER, MASTER, {MASTER: None})
    assert (
        f"join-authorization-create --authorizer {MASTER}; then {MASTER} names this wallet its delegate" in no_master
    )
    not_delegate = join_refusal("r", AUTHORITY, USER, MASTER, {MASTER: _record(MASTER)})
    assert not_delegate.endswith(
        f"{MASTER} runs: {cli} join-authorization-set-delegates --join-authority {AUTHORITY} --delegates-added {USER}"
    )
    assert all(text.startswith(f"wallet {USER} may not join run r: ") for text in (missing, inactive, no_master))
