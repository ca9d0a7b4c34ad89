"""Acceptance scenario A (the reference's ``memnet_authorizer_full_cycle``), step by step, with exact lamports.

The payer pays every fee (two signatures per transaction) and every rent change, and is the spill
of the final close, so at the end it has lost exactly the fees.
"""

from __future__ import annotations

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from authorizer.errors import AuthorizerError
from authorizer.state.authorization import space_with_discriminator
from emulator.errors import custom_error_code
from tests.authorizer.harness import (
    PAYER_AIRDROP,
    address,
    close_ix,
    create_ix,
    fee,
    funded,
    grantee_update_ix,
    grantor_update_ix,
    new_bank,
    read_authorization,
    rent,
    send,
)

SCOPE = bytes([1, 2, 3, 4, 5, 6, 7])


def test_memnet_authorizer_full_cycle() -> None:
    bank = new_bank()
    payer, grantor, grantee = funded(bank), Keypair(), Keypair()
    d = [Pubkey.new_unique() for _ in range(66)]
    key = address(grantor.pubkey(), grantee.pubkey(), SCOPE)
    expected_payer = PAYER_AIRDROP

    def size(delegates: int) -> int:
        return space_with_discriminator(len(SCOPE), delegates)

    def valid(user: Pubkey) -> bool:
        record = read_authorization(bank, key)
        assert record is not None
        return record.is_valid_for(grantor.pubkey(), user, SCOPE)

    def check_account(delegates: list[Pubkey], active: bool) -> None:
        record = read_authorization(bank, key)
        assert record is not None
        assert (record.grantor, record.grantee, record.scope) == (grantor.pubkey(), grantee.pubkey(), SCOPE)
        assert (record.delegates, record.active) == (delegates, active)
        account = bank.get_account(key)
        assert account is not None
        assert len(account.data) == size(len(delegates))
        assert account.lamports == rent(bank, size(len(delegates)))
        assert bank.get_balance(payer.pubkey()) == expected_payer

    # A1: nothing at the PDA before creation.
    assert bank.get_account(key) is None

    # A2: create stores grantor, grantee and scope, inactive and without delegates.
    result = send(bank, [create_ix(payer.pubkey(), grantor.pubkey(), grantee.pubkey(), SCOPE)], [payer, grantor])
    assert result.err is None, result.logs
    expected_payer -= fee(2) + rent(bank, size(0))
    assert rent(bank, size(0)) == (97 + 128) * 6960
    check_account([], active=False)
    record = read_authorization(bank, key)
    assert record is not None and record.grantor_update_unix_timestamp == 0
    assert not valid(grantee.pubkey()) and not valid(d[1])

    # A3: the grantee adds five delegates; the payer funds the growth; still inactive, so still invalid.
    result = send(bank, [grantee_update_ix(payer.pubkey(), grantee.pubkey(), key, False, d[0:5])], [payer, grantee])
    assert result.err is None, result.logs
    expected_payer -= fee(2) + rent(bank, size(5)) - rent(bank, size(0))
    assert rent(bank, size(5)) - rent(bank, size(0)) == 5 * 222_720
    check_account(d[0:5], active=False)
    assert not valid(grantee.pubkey()) and not valid(d[1])

    # A4: clear and add twenty, then add twenty more: the account grows by realloc to forty delegates.
    result = send(bank, [grantee_update_ix(payer.pubkey(), grantee.pubkey(), key, True, d[10:30])], [payer, grantee])
    assert result.err is None, result.logs
    expected_payer -= fee(2) + rent(bank, size(20)) - rent(bank, size(5))
    check_account(d[10:30], active=False)
    result = send(bank, [grantee_update_ix(payer.pubkey(), grantee.pubkey(), key, False, d[30:50])], [payer, grantee])
    assert result.err is None, result.logs
    expected_payer -= fee(2) + rent(bank, size(40)) - rent(bank, size(20))
    check_account(d[10:50], active=False)
    assert not valid(d[40])

    # A5: the grantor activates: valid for the grantee and a delegate, not for a removed delegate.
    bank.forward_unix_timestamp(1_000)
    result = send(bank, [grantor_update_ix(grantor.pubkey(), key, True)], [payer, grantor])
    assert result.err is None, result.logs
    expected_payer -= fee(2)
    check_account(d[10:50], active=True)
    activated_at = bank.clock.unix_timestamp
    record = read_authorization(bank, key)
    assert record is not None and record.grantor_update_unix_timestamp == activated_at != 0
    assert valid(grantee.pubkey()) and valid(d[45])
    assert not valid(d[3])

    # A6: clear and add two: the account shrinks and the payer gets the excess rent back.
    result = send(bank, [grantee_update_ix(payer.pubkey(), grantee.pubkey(), key, True, d[3:5])], [payer, grantee])
    assert result.err is None, result.logs
    expected_payer += rent(bank, size(40)) - rent(bank, size(2)) - fee(2)
    check_account(d[3:5], active=True)
    assert valid(grantee.pubkey()) and valid(d[3])
    assert not valid(d[45])

    # A7: the grantor deactivates: invalid for everyone, the delegates are kept.
    result = send(bank, [grantor_update_ix(grantor.pubkey(), key, False)], [payer, grantor])
    assert result.err is None, result.logs
    expected_payer -= fee(2)
    check_account(d[3:5], active=False)
    assert not any(valid(user) for user in (grantee.pubkey(), d[3], d[45]))

    # A8: closing fails while delegates remain and the last grantor update is under 30 days old.
    result = send(bank, [close_ix(grantor.pubkey(), payer.pubkey(), key)], [payer, grantor])
    assert custom_error_code(result.err) == AuthorizerError.AuthorizationClosingConditionsNotReachedYet
    assert int(AuthorizerError.AuthorizationClosingConditionsNotReachedYet) == 6001
    assert (
        "Program log: AnchorError occurred. Error Code: AuthorizationClosingConditionsNotReachedYet. "
        "Error Number: 6001. Error Message: Authorization closing conditions not reached yet."
    ) in result.logs
    expected_payer -= fee(2)  # a failed transaction still pays its fee
    check_account(d[3:5], active=False)

    # A9: once the grantee clears its delegates, the grantor closes and the rent goes to the spill.
    result = send(bank, [grantee_update_ix(payer.pubkey(), grantee.pubkey(), key, True, [])], [payer, grantee])
    assert result.err is None, result.logs
    expected_payer += rent(bank, size(2)) - rent(bank, size(0)) - fee(2)
    check_account([], active=False)
    result = send(bank, [close_ix(grantor.pubkey(), payer.pubkey(), key)], [payer, grantor])
    assert result.err is None, result.logs
    assert bank.get_account(key) is None
    assert bank.get_balance(payer.pubkey()) == PAYER_AIRDROP - 10 * fee(2)
