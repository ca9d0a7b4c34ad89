"""Which join authorization a client uses, and, when none lets it join, why not and who runs what to fix it.

``train`` checks this before it joins and exits at once when the wallet may not join, instead of sending a
``join_run`` the coordinator refuses every epoch. Without ``--authorizer`` it tries, as the reference's
run-manager does, the permissionless authorization (everyone may join) and then the wallet's own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from solders.pubkey import Pubkey

from authorizer.join import JOIN_RUN_AUTHORIZATION_SCOPE
from authorizer.state.authorization import PERMISSIONLESS_GRANTEE, Authorization
from client.errors import ClientError

__all__ = ["NotAuthorizedToJoin", "candidate_grantees", "choose_grantee", "join_refusal"]

CLI = "psyche-solana-client"


class NotAuthorizedToJoin(ClientError):
    """The wallet may not join the run; the message names the run, the authorization and the command that fixes it."""


def candidate_grantees(authorizer: Pubkey | None, user: Pubkey) -> list[Pubkey]:
    """The grantees whose authorization the client may use, in the order it tries them."""
    return [authorizer] if authorizer is not None else [PERMISSIONLESS_GRANTEE, user]


def choose_grantee(
    join_authority: Pubkey, user: Pubkey, records: Mapping[Pubkey, Authorization | None], candidates: Sequence[Pubkey]
) -> Pubkey | None:
    """The first candidate whose authorization (``records``: None where it does not exist) lets ``user`` join."""
    for grantee in candidates:
        record = records.get(grantee)
        if record is not None and record.is_valid_for(join_authority, user, JOIN_RUN_AUTHORIZATION_SCOPE):
            return grantee
    return None


def join_refusal(
    run_id: str,
    join_authority: Pubkey,
    user: Pubkey,
    authorizer: Pubkey | None,
    records: Mapping[Pubkey, Authorization | None],
) -> str:
    """Why no authorization in ``records`` lets ``user`` join, and the command the join authority (or, for a
    delegate, the grantee) would run. ``authorizer`` is the ``--authorizer`` given (None: the default ones)."""
    head = f"wallet {user} may not join run {run_id}"
    if authorizer is not None and authorizer != user:
        grantee = authorizer  # a delegate's master key
    elif records.get(user) is not None:
        grantee = user
    else:
        grantee = PERMISSIONLESS_GRANTEE
    record = records.get(grantee)
    named = "everyone" if grantee == PERMISSIONLESS_GRANTEE else str(grantee)
    if record is None:
        if grantee in (user, PERMISSIONLESS_GRANTEE):
            return (
                f"{head}: its join authority {join_authority} has authorized neither this wallet nor everyone. "
                f"The join authority runs: {CLI} join-authorization-create --authorizer {user}  (or --authorizer "
                f"{PERMISSIONLESS_GRANTEE} to let everyone join)"
            )
        return (
            f"{head}: its join authority {join_authority} has no authorization for --authorizer {grantee}. The "
            f"join authority runs: {CLI} join-authorization-create --authorizer {grantee}; then {grantee} names this "
            f"wallet its delegate: {CLI} join-authorization-set-delegates --join-authority {join_authority} "
            f"--delegates-added {user}"
        )
    if not record.active:
        return (
            f"{head}: the authorization its join authority {join_authority} gave {named} is deactivated. The join "
            f"authority runs: {CLI} join-authorization-activate --authorizer {grantee}"
        )
    return (
        f"{head}: the authorization its join authority {join_authority} gave --authorizer {grantee} does not name "
        f"this wallet as a delegate. {grantee} runs: {CLI} join-authorization-set-delegates --join-authority "
        f"{join_authority} --delegates-added {user}"
    )
