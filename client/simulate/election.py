"""Which clients a round elects as witnesses, found from the positions rather than from every index.

The coordinator (and ``CommitteeSelection.get_witness``) computes one client's witness position with a 90-round
swap-or-not shuffle. Testing all 256 clients of a round would take 256 passes; the shuffle's inverse
(``SwapOrNotRounds.unshuffled``) starting from each witness *position* (at most 32) gives the elected *indices*
directly, with the round hashes the coordinator then reuses to verify the witnesses' proofs.
``tests/client/simulate/test_election.py`` checks the result against the coordinator's own selection.
"""

from __future__ import annotations

from coordinator_program.core import CommitteeSelection, CoordinatorFailure, sha256v
from coordinator_program.core.committee import SOLANA_MAX_NUM_WITNESSES, WITNESS_SALT
from coordinator_program.core.shuffle import swap_or_not_rounds

__all__ = ["elected_witnesses"]


def elected_witnesses(random_seed: int, clients_len: int, witness_nodes: int) -> dict[int, int]:
    """``{client index: witness position}`` of the elected witnesses of a round (empty if none can be elected).

    ``random_seed`` and ``clients_len`` are the round's; tie-breakers are always 0 on this coordinator. A round with
    fewer clients than ``witness_nodes`` has no valid selection at all (the program refuses every witness proof
    with InvalidCommitteeSelection), so nobody is elected.

    >>> elected_witnesses(12345, 1, 0)
    {0: 0}
    >>> len(elected_witnesses(12345, 100, 20)), len(elected_witnesses(12345, 100, 0)), elected_witnesses(1, 3, 4)
    (20, 32, {})
    """
    try:
        selection = CommitteeSelection.new(0, witness_nodes, 0, clients_len, random_seed)
    except CoordinatorFailure:
        return {}
    limit = witness_nodes if witness_nodes else SOLANA_MAX_NUM_WITNESSES
    rounds = swap_or_not_rounds(sha256v(selection.seed, WITNESS_SALT), clients_len)
    return {rounds.unshuffled(position): position for position in range(min(limit, clients_len))}
