"""Which clients a round elects as witnesses, found from the positions rather than from every index.

The coordinator (and ``CommitteeSelection.get_witness``) computes one client's witness position with a 90-round
swap-or-not shuffle: 180 SHA-256 calls per client, so ~50 ms to test all 256 clients of a round. Each swap-or-not
round is an involution, so the shuffle's inverse runs the same rounds backwards: starting from each witness
*position* (at most 32) gives the elected *indices* directly, and the round hashes are shared by all of them.
``tests/client/simulate/test_election.py`` checks the result against the coordinator's own selection.
"""

from __future__ import annotations

from coordinator_program.core import CommitteeSelection, CoordinatorFailure, sha256v
from coordinator_program.core.committee import SOLANA_MAX_NUM_WITNESSES, WITNESS_SALT
from coordinator_program.core.shuffle import SHUFFLE_ROUND_COUNT

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
    seed = sha256v(selection.seed, WITNESS_SALT)
    pivots = []
    sources: list[dict[int, bytes]] = []
    for round_number in range(SHUFFLE_ROUND_COUNT):
        round_byte = bytes((round_number,))
        pivots.append(int.from_bytes(sha256v(seed, round_byte)[:8], "little") % clients_len)
        sources.append({})
    elected: dict[int, int] = {}
    for position in range(min(limit, clients_len)):
        current = position
        for round_number in reversed(range(SHUFFLE_ROUND_COUNT)):
            flip = (pivots[round_number] + clients_len - current) % clients_len
            deciding = max(current, flip)
            block = deciding // 256
            source = sources[round_number].get(block)
            if source is None:
                source = sha256v(seed, bytes((round_number,)), (block & 0xFFFF_FFFF).to_bytes(4, "little"))
                sources[round_number][block] = source
            if (source[(deciding % 256) // 8] >> (deciding % 8)) & 1:
                current = flip
        elected[current] = position
    return elected
