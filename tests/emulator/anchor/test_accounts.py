"""Loading and storing Anchor accounts fail with Anchor's account errors, in Anchor's order."""

from __future__ import annotations

import pytest
from solders.pubkey import Pubkey

from emulator.anchor import AnchorError, ErrorCode, account_bytes, close_account, load_account, store_account
from emulator.anchor.discriminator import account_discriminator
from emulator.constants import SYSTEM_PROGRAM_ID
from tests.emulator.anchor.counter_program import COUNTER_SPACE, PROGRAM_ID, Counter, Incremented
from tests.emulator.anchor.fakes import info

COUNTER = Counter(Pubkey.new_unique(), 41, 255)


def load_error(data: bytes, owner: Pubkey = PROGRAM_ID, lamports: int = 1_000_000) -> AnchorError:
    account = info(writable=True, data=data, owner=owner, lamports=lamports)
    with pytest.raises(AnchorError) as caught:
        load_account(account, Counter, PROGRAM_ID)
    assert caught.value.account == account.key
    return caught.value


def test_load_decodes_and_ignores_slack_after_the_struct() -> None:
    account = info(data=account_bytes(COUNTER) + b"\xff" * 16, owner=PROGRAM_ID)
    assert load_account(account, Counter, PROGRAM_ID) == COUNTER


def test_an_empty_system_account_is_not_initialized() -> None:
    assert load_error(b"", owner=SYSTEM_PROGRAM_ID, lamports=0).error is ErrorCode.AccountNotInitialized


def test_another_owner_is_reported_with_both_keys() -> None:
    other = Pubkey.new_unique()
    err = load_error(account_bytes(COUNTER), owner=other)
    assert err.error is ErrorCode.AccountOwnedByWrongProgram
    assert err.compared == (other, PROGRAM_ID)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\x01" * 7, ErrorCode.AccountDiscriminatorNotFound),
        (account_discriminator("Other") + account_bytes(COUNTER)[8:], ErrorCode.AccountDiscriminatorMismatch),
        (account_bytes(COUNTER)[:20], ErrorCode.AccountDidNotDeserialize),
        (bytes(COUNTER_SPACE), ErrorCode.AccountDiscriminatorMismatch),
    ],
)
def test_bad_data_is_reported_by_the_first_check_it_fails(data: bytes, code: ErrorCode) -> None:
    assert load_error(data).error is code


def test_store_writes_in_place_and_keeps_the_bytes_after_the_value() -> None:
    account = info(writable=True, data=b"\xee" * (COUNTER_SPACE + 4), owner=PROGRAM_ID)
    store_account(account, COUNTER)
    assert bytes(account.data) == account_bytes(COUNTER) + b"\xee" * 4


@pytest.mark.parametrize(
    ("value", "size"),
    [(COUNTER, COUNTER_SPACE - 1), (Counter(Pubkey.new_unique(), 2**64, 0), COUNTER_SPACE)],
    ids=["account-too-small", "count-out-of-range"],
)
def test_a_value_that_does_not_serialize_into_the_account_fails(value: Counter, size: int) -> None:
    account = info(writable=True, data=bytes(size))
    with pytest.raises(AnchorError) as caught:
        store_account(account, value)
    assert caught.value.error is ErrorCode.AccountDidNotSerialize


def test_account_bytes_use_the_type_name_for_the_discriminator() -> None:
    assert account_bytes(COUNTER)[:8].hex() == "ffb004f5bcfd7c19"
    with pytest.raises(AnchorError):
        load_account(info(data=account_bytes(Incremented(1, Pubkey.default())), owner=PROGRAM_ID), Counter, PROGRAM_ID)


def test_close_moves_every_lamport_and_hands_the_account_back_to_system() -> None:
    account = info(writable=True, data=account_bytes(COUNTER), owner=PROGRAM_ID, lamports=5_000)
    destination = info(writable=True, lamports=10)
    close_account(account, destination)
    assert (account.lamports, bytes(account.data), account.owner, destination.lamports) == (
        0,
        b"",
        SYSTEM_PROGRAM_ID,
        5_010,
    )
