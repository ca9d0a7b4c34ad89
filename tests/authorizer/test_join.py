"""The coordinator's join check (spec §1.7) on records made by real transactions, and on forged ones.

The coordinator's ``join_run`` calls :func:`verify_join_authorization` on the account it is given;
the Anchor errors raised here are what its entry point reports.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from solders.account import Account as SoldersAccount
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from authorizer.join import JOIN_RUN_AUTHORIZATION_SCOPE, authorization_address, verify_join_authorization
from authorizer.program_id import PROGRAM_ID
from authorizer.state.authorization import PERMISSIONLESS_GRANTEE, Authorization
from emulator import Account, AccountInfo, Bank
from emulator.anchor import AnchorError, ErrorCode, account_bytes
from tests.authorizer.harness import (
    address,
    create_ix,
    funded,
    grantee_update_ix,
    grantor_update_ix,
    new_bank,
    read_authorization,
    send,
)

SCOPE = JOIN_RUN_AUTHORIZATION_SCOPE


def info(bank: Bank, key: Pubkey) -> AccountInfo:
    """The read-only account as ``join_run`` receives it (an empty System account when there is none)."""
    account = bank.get_account(key)
    return AccountInfo(key, False, False, Account.from_solders(account) if account is not None else Account(0))


def authorize(bank: Bank, payer: Keypair, join_authority: Keypair, grantee: Pubkey, active: bool = True) -> Pubkey:
    """The join authority creates (and activates) a join authorization for ``grantee``, in one transaction."""
    key = address(join_authority.pubkey(), grantee, SCOPE)
    instructions = [create_ix(payer.pubkey(), join_authority.pubkey(), grantee, SCOPE)]
    if active:
        instructions.append(grantor_update_ix(join_authority.pubkey(), key, True))
    assert send(bank, instructions, [payer, join_authority]).err is None
    return key


def rejection(account: AccountInfo, join_authority: Pubkey, user: Pubkey) -> ErrorCode:
    with pytest.raises(AnchorError) as raised:
        verify_join_authorization(account, join_authority, user)
    assert isinstance(raised.value.error, ErrorCode)
    return raised.value.error


@pytest.fixture
def bank() -> Bank:
    return new_bank()


def test_scope_is_coordinator_join_run() -> None:
    assert SCOPE == b"CoordinatorJoinRun"


def test_grantee_may_join_and_nobody_else(bank: Bank) -> None:
    """C1 at the authorizer's level: J authorizes K; the payer signing with K's record is refused."""
    payer, join_authority, client = funded(bank), Keypair(), Keypair()
    key = authorize(bank, payer, join_authority, client.pubkey())
    record = verify_join_authorization(info(bank, key), join_authority.pubkey(), client.pubkey())
    assert record == read_authorization(bank, key)
    assert rejection(info(bank, key), join_authority.pubkey(), payer.pubkey()) == ErrorCode.ConstraintRaw


def test_record_of_another_join_authority_is_refused(bank: Bank) -> None:
    payer, join_authority, client = funded(bank), Keypair(), Keypair()
    key = authorize(bank, payer, join_authority, client.pubkey())
    assert rejection(info(bank, key), payer.pubkey(), client.pubkey()) == ErrorCode.ConstraintRaw


def test_inactive_record_is_refused_and_reactivation_restores_it(bank: Bank) -> None:
    payer, join_authority, client = funded(bank), Keypair(), Keypair()
    key = authorize(bank, payer, join_authority, client.pubkey(), active=False)
    assert rejection(info(bank, key), join_authority.pubkey(), client.pubkey()) == ErrorCode.ConstraintRaw
    assert send(bank, [grantor_update_ix(join_authority.pubkey(), key, True)], [payer, join_authority]).err is None
    verify_join_authorization(info(bank, key), join_authority.pubkey(), client.pubkey())
    assert send(bank, [grantor_update_ix(join_authority.pubkey(), key, False)], [payer, join_authority]).err is None
    assert rejection(info(bank, key), join_authority.pubkey(), client.pubkey()) == ErrorCode.ConstraintRaw


def test_record_for_another_scope_is_refused(bank: Bank) -> None:
    payer, join_authority, client = funded(bank), Keypair(), Keypair()
    key = address(join_authority.pubkey(), client.pubkey(), b"utf8:CoordinatorJoinRun")
    instructions = [
        create_ix(payer.pubkey(), join_authority.pubkey(), client.pubkey(), b"utf8:CoordinatorJoinRun"),
        grantor_update_ix(join_authority.pubkey(), key, True),
    ]
    assert send(bank, instructions, [payer, join_authority]).err is None
    assert rejection(info(bank, key), join_authority.pubkey(), client.pubkey()) == ErrorCode.ConstraintRaw


def test_delegates_join_with_the_masters_record_until_removed(bank: Bank) -> None:
    """T3.3/T3.4 at the authorizer's level: a master key P adds machine keys; each joins with P's record."""
    payer, join_authority, master = funded(bank), Keypair(), Keypair()
    machines = [Pubkey.new_unique() for _ in range(11)]
    key = authorize(bank, payer, join_authority, master.pubkey())
    assert (
        send(bank, [grantee_update_ix(payer.pubkey(), master.pubkey(), key, False, machines)], [payer, master]).err
        is None
    )
    for user in (master.pubkey(), *machines):
        verify_join_authorization(info(bank, key), join_authority.pubkey(), user)
    assert (
        send(bank, [grantee_update_ix(payer.pubkey(), master.pubkey(), key, True, machines[1:])], [payer, master]).err
        is None
    )
    assert rejection(info(bank, key), join_authority.pubkey(), machines[0]) == ErrorCode.ConstraintRaw
    verify_join_authorization(info(bank, key), join_authority.pubkey(), master.pubkey())


def test_permissionless_record_admits_any_signer(bank: Bank) -> None:
    payer, join_authority = funded(bank), Keypair()
    key = authorize(bank, payer, join_authority, PERMISSIONLESS_GRANTEE)
    assert (
        key
        == Pubkey.find_program_address(
            [b"Authorization", bytes(join_authority.pubkey()), bytes(32), b"CoordinatorJoinRun"], PROGRAM_ID
        )[0]
    )
    for _ in range(5):
        verify_join_authorization(info(bank, key), join_authority.pubkey(), Pubkey.new_unique())


def test_every_client_has_its_own_record(bank: Bank) -> None:
    """C2 at the authorizer's level: 240 clients, one activated record each, each valid only for its client."""
    payer, join_authority = funded(bank), Keypair()
    clients = [Pubkey.new_unique() for _ in range(240)]
    keys = [authorize(bank, payer, join_authority, client) for client in clients]
    for i, (client, key) in enumerate(zip(clients, keys, strict=True)):
        verify_join_authorization(info(bank, key), join_authority.pubkey(), client)
        neighbour = clients[(i + 1) % len(clients)]
        assert rejection(info(bank, key), join_authority.pubkey(), neighbour) == ErrorCode.ConstraintRaw


# -- forged and foreign accounts ------------------------------------------------------------------


@pytest.fixture
def genuine(bank: Bank) -> tuple[Bank, Pubkey, Pubkey, Pubkey]:
    """A valid join authorization: (bank, its key, the join authority, the client)."""
    payer, join_authority, client = funded(bank), Keypair(), Keypair()
    key = authorize(bank, payer, join_authority, client.pubkey())
    return bank, key, join_authority.pubkey(), client.pubkey()


def planted(bank: Bank, key: Pubkey, data: bytes, owner: Pubkey = PROGRAM_ID) -> AccountInfo:
    bank.set_account(key, SoldersAccount(bank.minimum_balance_for_rent_exemption(len(data)), data, owner, False, 0))
    return info(bank, key)


def test_genuine_bytes_owned_by_another_program_are_refused(genuine: tuple[Bank, Pubkey, Pubkey, Pubkey]) -> None:
    bank, key, join_authority, client = genuine
    raw = bank.get_account(key)
    assert raw is not None
    forged = planted(bank, Pubkey.new_unique(), raw.data, owner=Pubkey.new_unique())
    assert rejection(forged, join_authority, client) == ErrorCode.AccountOwnedByWrongProgram
    same_address = planted(bank, key, raw.data, owner=Pubkey.new_unique())
    assert rejection(same_address, join_authority, client) == ErrorCode.AccountOwnedByWrongProgram


def test_genuine_bytes_at_another_address_are_refused(genuine: tuple[Bank, Pubkey, Pubkey, Pubkey]) -> None:
    bank, key, join_authority, client = genuine
    raw = bank.get_account(key)
    assert raw is not None
    forged = planted(bank, Pubkey.new_unique(), raw.data)
    with pytest.raises(AnchorError) as raised:
        verify_join_authorization(forged, join_authority, client)
    assert raised.value.error == ErrorCode.ConstraintSeeds
    assert raised.value.account == "authorization"
    assert raised.value.compared == (forged.key, key)


def test_a_record_whose_bump_is_not_its_address_is_refused(genuine: tuple[Bank, Pubkey, Pubkey, Pubkey]) -> None:
    bank, key, join_authority, client = genuine
    record = read_authorization(bank, key)
    assert record is not None
    tampered = replace(record, bump=(record.bump - 1) % 256)
    assert authorization_address(tampered) != key
    assert rejection(planted(bank, key, account_bytes(tampered)), join_authority, client) == ErrorCode.ConstraintSeeds


def test_other_account_types_and_garbage_are_refused(genuine: tuple[Bank, Pubkey, Pubkey, Pubkey]) -> None:
    bank, key, join_authority, client = genuine
    raw = bytes(bank.get_account(key).data)  # type: ignore[union-attr]
    wrong_discriminator = bytes([raw[0] ^ 1]) + raw[1:]
    cases = {
        ErrorCode.AccountDiscriminatorMismatch: wrong_discriminator,
        ErrorCode.AccountDiscriminatorNotFound: raw[:7],
        ErrorCode.AccountDidNotDeserialize: raw[:-1],
    }
    for expected, data in cases.items():
        assert rejection(planted(bank, Pubkey.new_unique(), data), join_authority, client) == expected


def test_missing_record_is_not_initialized(bank: Bank) -> None:
    missing = address(Pubkey.new_unique(), Pubkey.new_unique(), SCOPE)
    assert rejection(info(bank, missing), Pubkey.new_unique(), Pubkey.new_unique()) == ErrorCode.AccountNotInitialized


def test_record_forged_with_a_scope_too_long_for_any_address_is_refused(bank: Bank) -> None:
    grantor, user = Pubkey.new_unique(), Pubkey.new_unique()
    record = Authorization(255, grantor, user, b"x" * 33, True, [], 0)
    assert authorization_address(record) is None
    forged = planted(bank, Pubkey.new_unique(), account_bytes(record))
    with pytest.raises(AnchorError) as raised:
        verify_join_authorization(forged, grantor, user, b"x" * 33)
    assert raised.value.error == ErrorCode.ConstraintSeeds
