"""Agave's rent-state rule: a transaction may not leave a writable account newly rent-paying."""

from __future__ import annotations

from dataclasses import dataclass

from solders.rent import Rent


@dataclass(frozen=True, slots=True)
class RentState:
    """Uninitialized (no lamports), RentExempt, or RentPaying with its lamports and data size."""

    kind: str
    lamports: int = 0
    data_size: int = 0


UNINITIALIZED = RentState("uninitialized")
RENT_EXEMPT = RentState("rent_exempt")


def rent_state_of(lamports: int, data_size: int, rent: Rent) -> RentState:
    if lamports == 0:
        return UNINITIALIZED
    if lamports >= rent.minimum_balance(data_size):
        return RENT_EXEMPT
    return RentState("rent_paying", lamports, data_size)


def rent_transition_allowed(pre: RentState, post: RentState) -> bool:
    """A rent-paying result is allowed only from a rent-paying account of the same size that did not gain lamports.

    >>> rent = Rent.default()
    >>> rent_transition_allowed(UNINITIALIZED, rent_state_of(1000, 0, rent))
    False
    >>> rent_transition_allowed(rent_state_of(5000, 0, rent), rent_state_of(4000, 0, rent))
    True
    """
    if post.kind != "rent_paying":
        return True
    return pre.kind == "rent_paying" and pre.data_size == post.data_size and post.lamports <= pre.lamports
